//! Reading assessments with what they are shown with: overrides and the valid sign-off.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::{AssessmentRecord, OverrideRecord};
use crate::app::{AppError, AppResult, Reader, opinions};
use crate::db::opinions as stored;
use crate::db::sign_offs::{self, SignOffRow};

/// What an assessment is shown with: its overrides (oldest first) and its valid sign-off.
#[derive(Debug, Default)]
pub struct Annotations {
    pub overrides: Vec<OverrideRecord>,
    pub sign_offs: Vec<SignOffRow>,
}

impl Annotations {
    /// The overrides and sign-off of these assessments, two reads.
    pub async fn of(
        conn: &mut AsyncPgConnection,
        org: Uuid,
        ids: &[Uuid],
    ) -> AppResult<Annotations> {
        Ok(Annotations {
            overrides: stored::overrides_for(conn, org, ids).await?,
            sign_offs: sign_offs::valid_for(conn, org, ids).await?,
        })
    }

    pub fn overrides_of(&self, id: Uuid) -> Vec<&OverrideRecord> {
        self.overrides
            .iter()
            .filter(|o| o.assessment_id == id)
            .collect()
    }

    pub fn sign_off_of(&self, id: Uuid) -> Option<&SignOffRow> {
        self.sign_offs.iter().find(|s| s.assessment_id == id)
    }
}

/// An assessment with its overrides and sign-off.
pub type AssessmentWithOverrides = (AssessmentRecord, Annotations);

pub(super) fn staff_assessment(row: Option<AssessmentRecord>) -> AppResult<AssessmentRecord> {
    row.ok_or(AppError::NotFound("assessment"))
}

/// An assessment with its overrides and sign-off.
pub async fn get(q: &mut Reader<'_>, id: Uuid) -> AppResult<AssessmentWithOverrides> {
    let row = staff_assessment(stored::find_assessment(q.conn, q.org, id).await?)?;
    let annotations = Annotations::of(q.conn, q.org, &[row.id]).await?;
    q.audit(
        "assessment.read",
        "assessment",
        vec![row.id],
        Some(row.case_id),
    );
    Ok((row, annotations))
}

/// A page of an opinion's assessments, newest (the current one) first, with their overrides
/// and sign-offs.
pub async fn of_opinion(
    q: &mut Reader<'_>,
    opinion_id: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> AppResult<(Vec<AssessmentRecord>, Annotations)> {
    let opinion = opinions::readable(q.conn, q.actor, opinion_id).await?;
    let rows = stored::assessments_for(q.conn, q.org, opinion.id, after, limit).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let annotations = Annotations::of(q.conn, q.org, &ids).await?;
    q.audit("assessment.list", "assessment", ids, Some(opinion.case_id));
    Ok((rows, annotations))
}
