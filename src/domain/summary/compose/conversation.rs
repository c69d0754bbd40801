//! What the patient can say, ask and do next: parts 3 and 5 to 7 of `summary.md` (what to
//! say to the oncologist, the questions, the next steps and the timing).

use std::cmp::Reverse;

use chrono::Datelike;

use super::{Case, change_code};
use crate::domain::discordance::{Action, Change, Dimension, NextStep, Outcome, Scenario, Urgency};
use crate::domain::summary::phrases::Worded;

impl Case<'_> {
    pub(super) fn what_to_say(&self) -> String {
        let t = self.t;
        let scenario = self.scenario().code();
        let actions = &self.req.classification.actions;
        let key = self.key();
        let variant: Option<String> = match self.scenario() {
            Scenario::DiagnosisDiscordance => key.map(|w| w.dimension.code().to_string()),
            Scenario::DifferentTreatment if actions.contains(&Action::ForInformationNoAction) => {
                Some("completed".into())
            }
            // The same medicines for another length, or one medicine swapped: the finding's
            // own words, equivalent or not.
            Scenario::DifferentTreatment
                if key.is_some_and(|w| matches!(w.variant, Some("length" | "swap"))) =>
            {
                key.and_then(|w| w.variant).map(str::to_string)
            }
            Scenario::DifferentTreatment
                if key.is_some_and(|w| w.change == Change::EquivalentAlternative) =>
            {
                Some("equivalent".into())
            }
            Scenario::TreatmentAbroad if self.treatment_abroad().is_none() => {
                Some("unnamed".into())
            }
            _ => key.and_then(|w| w.variant).map(str::to_string),
        };
        let mut keys = Vec::new();
        if let Some(variant) = variant {
            keys.push(format!("what_to_say.{scenario}_{variant}"));
        }
        keys.extend(self.dimension_keys("what_to_say"));
        keys.push(format!("what_to_say.{scenario}"));
        let script = self.fill(&t.first(&keys), key);
        format!(
            "{} {}{script}{}",
            self.fill(&t.text("what_to_say.intro"), None),
            t.text("words.open_quote"),
            t.text("words.close_quote")
        )
    }

    /// 3 to 5: the primary scenario's first two, one per differing topic, then the rest.
    pub(super) fn questions(&self) -> Vec<String> {
        const MOST: usize = 5;
        let t = self.t;
        let scenario_pool = |s: Scenario| t.list(&format!("questions.{}", s.code()));
        // The primary scenario's questions, or its own set for the dimension it is about.
        let primary = self
            .dimension_keys("questions")
            .iter()
            .find(|k| t.has_list(k))
            .map(|k| t.list(k))
            .unwrap_or_else(|| scenario_pool(self.scenario()));
        let mut picked: Vec<String> = Vec::new();
        let add = |q: String, picked: &mut Vec<String>| {
            if picked.len() < MOST && !picked.contains(&q) {
                picked.push(q);
            }
        };
        for q in primary.iter().take(2) {
            add(self.fill(q, self.key()), &mut picked);
        }
        let mut topics: Vec<&Worded> = self.differing().collect();
        topics.sort_by_key(|w| Reverse(w.severity));
        let mut asked: Vec<Dimension> = Vec::new();
        for w in topics {
            if asked.contains(&w.dimension) {
                continue;
            }
            asked.push(w.dimension);
            let topic = format!("questions.topic.{}", w.dimension.code());
            let mut keys: Vec<String> = w
                .variant
                .map(|v| format!("{topic}_{v}"))
                .into_iter()
                .collect();
            keys.push(format!("{topic}_{}", change_code(w.change)));
            keys.push(topic);
            let pattern = t.first(&keys);
            add(self.fill(&pattern, Some(w)), &mut picked);
        }
        for q in primary.iter().skip(2) {
            add(self.fill(q, self.key()), &mut picked);
        }
        for other in self.req.classification.scenarios.iter().skip(1) {
            if let Some(q) = scenario_pool(*other).first() {
                add(self.fill(q, None), &mut picked);
            }
        }
        picked
    }

    pub(super) fn next_steps(&self) -> Vec<String> {
        let mut steps = Vec::new();
        if self.req.classification.outcome != Outcome::Confirms {
            steps.push(self.t.text("next_steps.do_not_stop"));
        }
        for action in &self.req.classification.actions {
            let pattern = self.t.text(&format!("next_steps.{}", action.code()));
            steps.push(self.fill(&pattern, None));
        }
        steps
    }

    /// For urgent and before-next-decision assessments: share before the next step.
    pub(super) fn timing(&self) -> Option<String> {
        let t = self.t;
        let urgent = match self.req.classification.urgency {
            Urgency::Routine => return None,
            Urgency::Urgent => true,
            Urgency::BeforeNextDecision => false,
        };
        let Some(NextStep { kind, date }) = &self.req.next_step else {
            return Some(t.text(if urgent {
                "timing.urgent_no_step"
            } else {
                "timing.no_step"
            }));
        };
        let kind_code = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let step = t.text(&format!("timing.step.{kind_code}"));
        Some(match date {
            Some(date) => {
                let months = t.list("words.months");
                let month = months
                    .get(date.month0() as usize)
                    .cloned()
                    .unwrap_or_default();
                let date = t.fill(
                    "words.date",
                    &[
                        ("day", &date.day().to_string()),
                        ("month", &month),
                        ("year", &date.year().to_string()),
                    ],
                );
                let key = if urgent {
                    "timing.urgent_dated"
                } else {
                    "timing.dated"
                };
                t.fill(key, &[("step", &step), ("date", &date)])
            }
            None => t.fill("timing.undated", &[("step", &step)]),
        })
    }
}
