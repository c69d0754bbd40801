//! Which objects an actor may see, in one place. The rules are auth's (`auth::policy`); the
//! lookups are storage's (`db::access`). Another tenant's object, another patient's case, a
//! case no grant names: not found, so the caller never learns it exists.

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{Actor, AppResult};
use crate::auth::policy::{self, CaseAccess};

/// How the actor reaches case `case_id`; not found when it cannot.
pub async fn case(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    case_id: Uuid,
) -> AppResult<CaseAccess> {
    Ok(policy::case_access(conn, actor, case_id).await?)
}

/// `case`, then an advocate's grant must cover `part` (`case`, `documents`, `summaries`).
pub async fn case_part(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    case_id: Uuid,
    part: &'static str,
) -> AppResult<CaseAccess> {
    Ok(policy::case_part_access(conn, actor, case_id, part).await?)
}
