//! `If-Match` preconditions against the versions a use case is about to change: checked in
//! the transaction, after the row is locked, so no other change slips between the check and
//! the write.

use super::error::{AppError, AppResult};

/// What the caller says it last read: nothing (no precondition), `*`, or entity tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Precondition {
    #[default]
    None,
    Tags(Vec<String>),
}

/// A case's tag from its revision.
pub fn case_tag(revision: i32) -> String {
    format!("\"case-{revision}\"")
}

/// A plan's tag from its version.
pub fn plan_tag(version: i32) -> String {
    format!("\"plan-{version}\"")
}

impl Precondition {
    /// Ok when there is no precondition, or it names the current tag (`*`: any current one).
    pub fn check(&self, current: Option<&str>) -> AppResult<()> {
        let Precondition::Tags(tags) = self else {
            return Ok(());
        };
        let matches = tags
            .iter()
            .any(|t| (t == "*" && current.is_some()) || Some(t.as_str()) == current);
        if matches {
            return Ok(());
        }
        Err(AppError::PreconditionFailed(
            format!(
                "If-Match names {}, but the current version is {}; read it again and retry",
                tags.join(", "),
                current.unwrap_or("absent")
            )
            .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_precondition_holds_for_its_tag_or_any_current_one() {
        let tag = case_tag(3);
        assert!(Precondition::None.check(None).is_ok());
        assert!(
            Precondition::Tags(vec![tag.clone()])
                .check(Some(&tag))
                .is_ok()
        );
        assert!(
            Precondition::Tags(vec!["*".into()])
                .check(Some(&tag))
                .is_ok()
        );
        assert!(Precondition::Tags(vec!["*".into()]).check(None).is_err());
        assert!(
            Precondition::Tags(vec![case_tag(2)])
                .check(Some(&tag))
                .is_err()
        );
    }
}
