//! Organisations: navigators (tenants, created by the operator) and their partner hospitals.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::newest_first;
use super::schema::organizations;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub id: Uuid,
    pub org_id: Uuid,
    pub kind: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A navigator: its own tenant.
pub async fn create_navigator(
    conn: &mut AsyncPgConnection,
    name: &str,
) -> QueryResult<OrganizationRow> {
    let id = Uuid::now_v7();
    diesel::insert_into(organizations::table)
        .values((
            organizations::id.eq(id),
            organizations::org_id.eq(id),
            organizations::kind.eq("navigator"),
            organizations::name.eq(name),
        ))
        .returning(OrganizationRow::as_returning())
        .get_result(conn)
        .await
}

/// A partner hospital of navigator `org_id`.
pub async fn create_partner(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    name: &str,
) -> QueryResult<OrganizationRow> {
    diesel::insert_into(organizations::table)
        .values((
            organizations::id.eq(Uuid::now_v7()),
            organizations::org_id.eq(org_id),
            organizations::kind.eq("partner"),
            organizations::name.eq(name),
        ))
        .returning(OrganizationRow::as_returning())
        .get_result(conn)
        .await
}

/// An organisation of tenant `org_id` (the navigator itself or one of its partners).
pub async fn find(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<OrganizationRow>> {
    organizations::table
        .filter(organizations::org_id.eq(org_id))
        .filter(organizations::id.eq(id))
        .select(OrganizationRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The partner `id` of tenant `org_id`, if it is one.
pub async fn find_partner(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<OrganizationRow>> {
    Ok(find(conn, org_id, id)
        .await?
        .filter(|o| o.kind == "partner"))
}

pub async fn navigator_exists(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organizations::table
            .filter(organizations::id.eq(id))
            .filter(organizations::kind.eq("navigator")),
    ))
    .get_result(conn)
    .await
}

/// `concord org create`: a navigator, or a partner of `navigator`.
pub async fn create_from_cli(
    database_url: &str,
    name: &str,
    partner: bool,
    navigator: Option<Uuid>,
) -> anyhow::Result<Uuid> {
    use diesel_async::AsyncConnection;
    let name = name.trim();
    anyhow::ensure!(
        (1..=200).contains(&name.chars().count()),
        "--name must be 1 to 200 characters"
    );
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    let row = match (partner, navigator) {
        (false, None) => create_navigator(&mut conn, name).await?,
        (false, Some(_)) => anyhow::bail!("--navigator goes with --kind partner only"),
        (true, None) => anyhow::bail!("a partner belongs to a navigator: pass --navigator <id>"),
        (true, Some(nav)) => {
            anyhow::ensure!(
                navigator_exists(&mut conn, nav).await?,
                "no navigator {nav}"
            );
            create_partner(&mut conn, nav, name).await?
        }
    };
    Ok(row.id)
}

/// The navigator and its partners, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<OrganizationRow>> {
    newest_first!(
        organizations::table.filter(organizations::org_id.eq(org_id)),
        organizations::created_at,
        organizations::id,
        after,
        limit
    )
    .select(OrganizationRow::as_select())
    .load(conn)
    .await
}

pub async fn rename(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    id: Uuid,
    name: &str,
) -> QueryResult<Option<OrganizationRow>> {
    diesel::update(
        organizations::table
            .filter(organizations::org_id.eq(org_id))
            .filter(organizations::id.eq(id)),
    )
    .set((
        organizations::name.eq(name),
        organizations::updated_at.eq(chrono::Utc::now()),
    ))
    .returning(OrganizationRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}
