//! The application: one function per use case, each the story of what happens in the
//! domain's words, run inside one unit of work. `App`'s runners check the caller's permission
//! first, own the connection and the transaction, and write the queued audit rows and events
//! before commit; a use case gets `&mut Tx` (or `&mut Reader`) and never the pool, so it cannot
//! open a second connection or transaction. Nothing here knows HTTP.

pub mod access;
pub mod analytics;
pub mod assessing;
pub mod audit;
pub mod cases;
pub mod conversations;
pub mod documents;
pub mod error;
pub mod idempotency;
pub mod members;
pub mod opinions;
pub mod organizations;
pub mod patients;
pub mod plans;
pub mod precondition;
pub mod referrals;
pub mod sealing;
pub mod share_links;
pub mod sign_offs;
pub mod summaries;
pub mod tasks;
pub mod tx;
pub mod upgrade;
pub mod webhooks;

use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;

use diesel_async::AsyncConnection;
use uuid::Uuid;

pub use error::{AppError, AppResult};
pub use idempotency::{Creation, Once};
pub use precondition::Precondition;
pub use tx::{Reader, Tx};

use crate::auth::policy::{self, Permission};
use crate::auth::{AuthError, Principal};
use crate::db::documents::DocumentStore;
use crate::domain::tasks::ReviewDeadlines;
use crate::events::Links;

/// The connection pool the application runs on.
pub type Pool = crate::db::DbPool;

/// Who acts, with what its audit rows record: the request's id and the client's address.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub request_id: String,
    pub client_ip: Option<String>,
}

impl Deref for Actor {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl Actor {
    /// 403 unless the actor has `need`; the runners take the proof.
    pub fn permit(&self, need: Permission) -> Result<Permit<'_>, AuthError> {
        policy::check(&self.principal, need)?;
        Ok(Permit { actor: self, need })
    }

    /// An audit row of this actor in organisation `org`.
    pub fn record(
        &self,
        org: Uuid,
        action: &str,
        object_type: &'static str,
        object_ids: Vec<Uuid>,
        case_id: Option<Uuid>,
    ) -> audit::AuditRecord {
        audit::AuditRecord {
            org_id: org,
            actor: audit::Actor {
                kind: self.principal.actor_kind(),
                id: self.principal.actor_id(),
                role: self.principal.role().map(|r| r.code().to_string()),
            },
            action: action.to_string(),
            object_type,
            object_ids,
            case_id,
            outcome: audit::Outcome::Success,
            request_id: self.request_id.clone(),
            client_ip: self.client_ip.clone(),
        }
    }
}

/// Proof that an actor passed a permission check: what the runners take.
#[derive(Clone, Copy)]
pub struct Permit<'a> {
    actor: &'a Actor,
    need: Permission,
}

/// A use case's body as the runners take it: an async closure over the unit of work whose
/// future is `Send` (diesel-async's transaction needs that, and stable Rust cannot say it of
/// an `AsyncFnOnce` directly, hence this helper trait, shaped like diesel-async's own).
pub trait Work<A, T>:
    AsyncFnOnce(A) -> AppResult<T> + FnOnce(A) -> <Self as Work<A, T>>::Fut
{
    type Fut: Future<Output = AppResult<T>> + Send;
}

impl<A, T, F, Fut> Work<A, T> for F
where
    F: AsyncFnOnce(A) -> AppResult<T> + FnOnce(A) -> Fut,
    Fut: Future<Output = AppResult<T>> + Send,
{
    type Fut = Fut;
}

/// What every unit of work may use besides its connection.
pub struct Context {
    pub links: Links,
    pub documents: Arc<dyn DocumentStore>,
    /// When a result held for a clinician's sign-off is overdue.
    pub review_deadlines: ReviewDeadlines,
}

/// The application: the pool and what the use cases need besides it.
pub struct App {
    db: Pool,
    cx: Context,
}

tokio::task_local! {
    /// Set while a unit of work runs: a second one inside it would wait for ever on a row
    /// the first has locked, unseen by PostgreSQL's deadlock detector.
    static IN_UNIT: ();
}

fn not_nested() -> AppResult<()> {
    if IN_UNIT.try_with(|_| ()).is_ok() {
        return Err(AppError::Internal(anyhow::anyhow!(
            "a unit of work was started inside another"
        )));
    }
    Ok(())
}

impl App {
    pub fn new(db: Pool, links: Links, documents: Arc<dyn DocumentStore>) -> App {
        App {
            db,
            cx: Context {
                links,
                documents,
                review_deadlines: ReviewDeadlines::default(),
            },
        }
    }

    /// The sign-off deadlines when not the defaults (SIGN_OFF_DUE_HOURS).
    pub fn with_review_deadlines(mut self, deadlines: ReviewDeadlines) -> App {
        self.cx.review_deadlines = deadlines;
        self
    }

    pub fn links(&self) -> &Links {
        &self.cx.links
    }

    /// The pool, for authenticating a credential before any use case runs (a partner's key,
    /// a share link's token).
    pub fn pool(&self) -> &Pool {
        &self.db
    }

    /// How many connections the pools hold together, have free, and have callers waiting for.
    pub fn pool_status(&self) -> deadpool::Status {
        self.db.status()
    }

    /// Whether the database answers (readiness).
    pub async fn ready(&self) -> AppResult<()> {
        let mut conn = self.db.get().await?;
        crate::db::ping(&mut conn).await?;
        Ok(())
    }

    /// The audit row of a refused request (403, 404): the request's own unit, if it had one,
    /// rolled back, so the row is written on its own.
    pub async fn audit_refusal(
        &self,
        actor: &Actor,
        route: &str,
        ids: Vec<Uuid>,
        outcome: audit::Outcome,
    ) -> AppResult<()> {
        let row = actor
            .record(actor.org_id(), route, "request", ids, None)
            .with_outcome(outcome)
            .into_row();
        let mut conn = self.db.get().await?;
        crate::db::audit::insert(&mut conn, &[row]).await?;
        Ok(())
    }

    /// `work` in one transaction; the queued audit rows and events are written before commit.
    pub async fn write<T, F>(&self, permit: Permit<'_>, work: F) -> AppResult<T>
    where
        F: for<'t, 'c> Work<&'t mut Tx<'c>, T> + Send,
        T: Send,
    {
        not_nested()?;
        let actor = permit.actor;
        let cx = &self.cx;
        let mut conn = self.db.get().await?;
        IN_UNIT
            .scope(
                (),
                conn.transaction::<T, AppError, _>(async |conn| {
                    let mut tx = Tx::new(conn, actor, cx);
                    let out = work(&mut tx).await?;
                    tx.flush().await?;
                    Ok(out)
                }),
            )
            .await
    }

    /// `write` once per Idempotency-Key: in one transaction, the key's lock, then a replay of
    /// the remembered answer, or `work` and its answer remembered before commit.
    pub async fn create_once<F>(
        &self,
        permit: Permit<'_>,
        once: Option<&Once>,
        work: F,
    ) -> AppResult<Creation>
    where
        F: for<'t, 'c> Work<&'t mut Tx<'c>, Creation> + Send,
    {
        // A replay is served before the use case runs: only a permission that the runner
        // checked in full may guard it.
        if matches!(permit.need, Permission::Checked | Permission::Public) {
            return Err(AppError::Internal(anyhow::anyhow!(
                "create_once needs a role, partner or staff permission"
            )));
        }
        self.write(permit, async |tx| {
            if let Some(once) = once
                && let Some(replay) = idempotency::replay(tx.conn, once).await?
            {
                return Ok(replay);
            }
            let creation = work(tx).await?;
            if let Some(once) = once {
                idempotency::remember(tx, once, &creation)?;
            }
            Ok(creation)
        })
        .await
    }

    /// A read on one pooled connection, without a transaction; its audit rows are written
    /// before it answers.
    pub async fn read<T, F>(&self, permit: Permit<'_>, work: F) -> AppResult<T>
    where
        F: for<'t, 'c> Work<&'t mut Reader<'c>, T> + Send,
        T: Send,
    {
        not_nested()?;
        let mut conn = self.db.get().await?;
        let mut reader = Reader::new(&mut conn, permit.actor, &self.cx);
        let out = IN_UNIT.scope((), work(&mut reader)).await?;
        reader.flush().await?;
        Ok(out)
    }
}
