//! The unit of work a use case runs in: the connection, who acts, and the audit rows (and,
//! for a write, the events) it queues, written together at its end in one statement
//! (`db::unit`): the audit rows, the events and their webhook deliveries, the answer an
//! Idempotency-Key remembers, and referrals' new statuses.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::audit::Outcome;
use super::error::AppResult;
use super::{Actor, Context};
use crate::db::audit::AuditRow;
use crate::db::documents::DocumentStore;
use crate::db::events::NewEvent;
use crate::db::idempotency::Remembered;
use crate::db::unit::ReferralMove;
use crate::domain::referral::ReferralStatus;
use crate::domain::tasks::ReviewDeadlines;
use crate::events::{Event, Links};

/// A unit of work. Public fields, so a use case can borrow the connection and the rest at
/// once (`db::f(tx.conn, tx.org, ..)`).
pub struct Unit<'c, Queued> {
    pub conn: &'c mut AsyncPgConnection,
    /// The tenant every row belongs to.
    pub org: Uuid,
    pub actor: &'c Actor,
    pub links: &'c Links,
    pub documents: &'c dyn DocumentStore,
    pub review_deadlines: ReviewDeadlines,
    /// Audit rows; their ids are taken when queued, so they keep call order.
    audit: Vec<AuditRow>,
    queued: Queued,
}

/// What a write queues beside its audit rows: events, each with its id taken when it happened
/// (the feed's order), the answer its Idempotency-Key remembers, and referrals' new statuses.
#[derive(Default)]
pub struct Writes {
    events: Vec<(Uuid, Event)>,
    answer: Option<Remembered>,
    moves: Vec<ReferralMove>,
}

/// A write: one transaction; what it queued is written just before commit.
pub type Tx<'c> = Unit<'c, Writes>;

/// A read: one pooled connection and no transaction (under READ COMMITTED one would change
/// nothing and cost two round trips); its audit rows are written before it answers.
pub type Reader<'c> = Unit<'c, ()>;

impl<'c, Queued: Default> Unit<'c, Queued> {
    pub(super) fn new(conn: &'c mut AsyncPgConnection, actor: &'c Actor, cx: &'c Context) -> Self {
        Unit {
            conn,
            org: actor.org_id(),
            actor,
            links: &cx.links,
            documents: &*cx.documents,
            review_deadlines: cx.review_deadlines,
            audit: Vec::new(),
            queued: Queued::default(),
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
        let record = self.actor.record(self.org, action, object, ids, case);
        self.audit.push(record.with_outcome(outcome).into_row());
    }

    /// Who made something, as `created_by` columns store it.
    pub fn created_by(&self) -> String {
        self.actor.created_by()
    }

    /// Writes the queued audit rows with `events`, `answer` and `moves`, in one statement.
    async fn write_queued(
        &mut self,
        events: &[NewEvent<'_>],
        answer: Option<&Remembered>,
        moves: &[ReferralMove],
    ) -> AppResult<()> {
        let audit = std::mem::take(&mut self.audit);
        crate::db::unit::write(self.conn, self.org, &audit, events, answer, moves).await?;
        Ok(())
    }
}

impl Tx<'_> {
    /// Queues an event; its id is taken now, so the feed keeps the order things happened in.
    pub fn emit(&mut self, event: Event) {
        self.queued.events.push((Uuid::now_v7(), event));
    }

    /// Queues the answer an Idempotency-Key remembers: it commits with the work.
    pub(super) fn remember(&mut self, answer: Remembered) {
        self.queued.answer = Some(answer);
    }

    /// Queues a referral's new status, written with the rest just before commit: for a
    /// referral this unit holds locked and does not read again (issue 19: one statement less
    /// per ingestion).
    pub fn move_referral(&mut self, id: Uuid, to: ReferralStatus) {
        self.queued.moves.push(ReferralMove {
            org_id: self.org,
            id,
            status: to.code(),
        });
    }

    /// Writes what the unit queued; the runner calls it just before commit.
    pub(super) async fn flush(&mut self) -> AppResult<()> {
        let Writes {
            events,
            answer,
            moves,
        } = std::mem::take(&mut self.queued);
        let new: Vec<NewEvent> = events
            .iter()
            .map(|(id, event)| NewEvent {
                id: *id,
                event_type: event.event_type(),
                data: event.data(self.links),
            })
            .collect();
        self.write_queued(&new, answer.as_ref(), &moves).await
    }
}

impl Reader<'_> {
    pub(super) async fn flush(&mut self) -> AppResult<()> {
        self.write_queued(&[], None, &[]).await
    }
}
