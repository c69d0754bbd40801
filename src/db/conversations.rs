//! Conversations: the appointment where the opinion was shared, and the oncologist's answer.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::newest_first;
use super::schema::conversations;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = conversations)]
pub struct ConversationRow {
    pub org_id: Uuid,
    pub id: Uuid,
    pub case_id: Uuid,
    pub summary_id: Option<Uuid>,
    pub held_on: NaiveDate,
    pub attendees: serde_json::Value,
    pub response: String,
    pub notes: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Not `RETURNING`: the row is what was sent, its time cut to PostgreSQL's microseconds.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    row: &ConversationRow,
) -> QueryResult<ConversationRow> {
    let row = ConversationRow {
        created_at: super::stored_time(row.created_at),
        ..row.clone()
    };
    diesel::insert_into(conversations::table)
        .values(&row)
        .execute(conn)
        .await?;
    Ok(row)
}

/// A case's conversations, newest first.
pub async fn of_case(
    conn: &mut AsyncPgConnection,
    org_id: Uuid,
    case_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<ConversationRow>> {
    newest_first!(
        conversations::table
            .filter(conversations::org_id.eq(org_id))
            .filter(conversations::case_id.eq(case_id)),
        conversations::created_at,
        conversations::id,
        after,
        limit
    )
    .select(ConversationRow::as_select())
    .load(conn)
    .await
}
