//! The unit of work a use case runs in: the connection, who acts, and the audit rows and
//! events it queues, written together just before commit (one INSERT of audit rows, one of
//! events, one read of subscriptions, one INSERT of deliveries).

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::audit::Outcome;
use super::error::AppResult;
use super::{Actor, Context};
use crate::db::audit::AuditRow;
use crate::db::documents::DocumentStore;
use crate::db::events::NewEvent;
use crate::events::{Event, Links};

/// The audit rows a unit has queued; their ids are taken when queued, so they keep call order.
#[derive(Default)]
struct AuditQueue(Vec<AuditRow>);

impl AuditQueue {
    fn push(
        &mut self,
        actor: &Actor,
        org: Uuid,
        row: (&str, &'static str, Vec<Uuid>, Option<Uuid>, Outcome),
    ) {
        let (action, object, ids, case, outcome) = row;
        self.0.push(
            actor
                .record(org, action, object, ids, case)
                .with_outcome(outcome)
                .into_row(),
        );
    }

    async fn write(&mut self, conn: &mut AsyncPgConnection) -> AppResult<()> {
        crate::db::audit::insert(conn, &std::mem::take(&mut self.0)).await?;
        Ok(())
    }
}

/// A write: one transaction. Public fields, so a use case can borrow the connection and the
/// actor at once (`db::f(tx.conn, tx.org, ..)`).
pub struct Tx<'c> {
    pub conn: &'c mut AsyncPgConnection,
    /// The tenant every row belongs to.
    pub org: Uuid,
    pub actor: &'c Actor,
    pub links: &'c Links,
    pub documents: &'c dyn DocumentStore,
    audit: AuditQueue,
    events: Vec<(Uuid, Event)>,
}

impl<'c> Tx<'c> {
    pub(super) fn new(
        conn: &'c mut AsyncPgConnection,
        actor: &'c Actor,
        cx: &'c Context,
    ) -> Tx<'c> {
        Tx {
            conn,
            org: actor.org_id(),
            actor,
            links: &cx.links,
            documents: &*cx.documents,
            audit: AuditQueue::default(),
            events: Vec::new(),
        }
    }

    /// Queues an audit row of this unit's actor (success).
    pub fn audit(
        &mut self,
        action: &str,
        object: &'static str,
        ids: Vec<Uuid>,
        case: Option<Uuid>,
    ) {
        self.audit_outcome(action, object, ids, case, Outcome::Success);
    }

    /// Queues an audit row with another outcome (a refusal that commits with its answer).
    pub fn audit_outcome(
        &mut self,
        action: &str,
        object: &'static str,
        ids: Vec<Uuid>,
        case: Option<Uuid>,
        outcome: Outcome,
    ) {
        self.audit
            .push(self.actor, self.org, (action, object, ids, case, outcome));
    }

    /// Queues an event; its id is taken now, so the feed keeps the order things happened in.
    pub fn emit(&mut self, event: Event) {
        self.events.push((Uuid::now_v7(), event));
    }

    /// Who made something, as `created_by` columns store it.
    pub fn created_by(&self) -> String {
        self.actor.created_by()
    }

    /// Writes what the unit queued; the runner calls it just before commit.
    pub(super) async fn flush(&mut self) -> AppResult<()> {
        self.audit.write(self.conn).await?;
        let events = std::mem::take(&mut self.events);
        let new: Vec<NewEvent> = events
            .iter()
            .map(|(id, event)| NewEvent {
                id: *id,
                event_type: event.event_type(),
                data: event.data(self.links),
            })
            .collect();
        crate::db::events::write(self.conn, self.org, &new).await?;
        Ok(())
    }
}

/// A read: one pooled connection and no transaction (under READ COMMITTED one would change
/// nothing and cost two round trips); its audit rows are written before it answers.
pub struct Reader<'c> {
    pub conn: &'c mut AsyncPgConnection,
    pub org: Uuid,
    pub actor: &'c Actor,
    pub links: &'c Links,
    pub documents: &'c dyn DocumentStore,
    audit: AuditQueue,
}

impl<'c> Reader<'c> {
    pub(super) fn new(
        conn: &'c mut AsyncPgConnection,
        actor: &'c Actor,
        cx: &'c Context,
    ) -> Reader<'c> {
        Reader {
            conn,
            org: actor.org_id(),
            actor,
            links: &cx.links,
            documents: &*cx.documents,
            audit: AuditQueue::default(),
        }
    }

    /// Queues the audit row of this read.
    pub fn audit(
        &mut self,
        action: &str,
        object: &'static str,
        ids: Vec<Uuid>,
        case: Option<Uuid>,
    ) {
        self.audit.push(
            self.actor,
            self.org,
            (action, object, ids, case, Outcome::Success),
        );
    }

    pub(super) async fn flush(&mut self) -> AppResult<()> {
        self.audit.write(self.conn).await
    }
}
