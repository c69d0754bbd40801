//! The conditional rules of object schemas (`if`/`then`/`else`, `not`, `anyOf` ...) in a form
//! the linters read as JSON Schema does.
//!
//! Redocly's example check closes every sub-schema that names properties, as if it carried
//! the parent's `additionalProperties: false`, so a valid example fails a `then` that
//! constrains one property; and its `required` check looks for the property in the same
//! sub-schema. Listing the parent's properties as `{}` (no constraint) in every such
//! sub-schema says exactly the same thing, in a form both checks read correctly. (`true`
//! would say it too, but openapi-python-client cannot read a boolean schema.)

use serde_json::{Map, Value, json};

const CONDITIONAL: [&str; 4] = ["if", "then", "else", "not"];
const COMBINED: [&str; 3] = ["allOf", "anyOf", "oneOf"];

/// An object schema's rules (`allOf` of `if`/`then`/`else` and `not` members) as one `if`
/// chain and one `not` at its top level, which the JSON Schema means the same way: generated
/// clients read an `allOf` member without properties as an untyped `unknown` to intersect
/// with, and leave top-level conditionals alone.
///
/// Each `if c then t else e` followed by the rest R becomes `if c then (t and R) else (e and R)`;
/// several `not` members become one `not` of their `anyOf` (neither A nor B).
pub(super) fn fold_rules(doc: &mut Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    for schema in schemas.values_mut().filter_map(Value::as_object_mut) {
        let Some(Value::Array(members)) = schema.get("allOf") else {
            continue;
        };
        // Only members the fold carries whole: a lone `not`, or an `if` with its branches.
        let only_rules = members.iter().all(|m| {
            m.as_object().is_some_and(|m| {
                let keys = |allowed: &[&str]| m.keys().all(|k| allowed.contains(&k.as_str()));
                (m.len() == 1 && m.contains_key("not"))
                    || (m.contains_key("if") && keys(&["if", "then", "else"]))
            })
        });
        let clashes = CONDITIONAL.iter().any(|k| schema.contains_key(*k));
        if !only_rules || clashes {
            continue;
        }
        let Some(Value::Array(members)) = schema.remove("allOf") else {
            continue;
        };
        let (negations, conditionals): (Vec<Value>, Vec<Value>) =
            members.into_iter().partition(|m| m.get("if").is_none());
        let mut negations: Vec<Value> =
            negations.into_iter().map(|mut m| m["not"].take()).collect();
        match negations.len() {
            0 => {}
            1 => {
                schema.insert("not".into(), negations.remove(0));
            }
            _ => {
                schema.insert("not".into(), json!({"anyOf": negations}));
            }
        }
        if let Some(Value::Object(chain)) = chain(&conditionals) {
            schema.extend(chain);
        }
    }
}

/// `members[0]` and then the rest, as one schema (see `fold_rules`); `None` when empty.
fn chain(members: &[Value]) -> Option<Value> {
    let (first, rest) = members.split_first()?;
    let rest = chain(rest);
    let both = |branch: Option<&Value>| match (branch.cloned(), rest.clone()) {
        (Some(a), Some(b)) => Some(json!({"allOf": [a, b]})),
        (a, b) => a.or(b),
    };
    let mut folded = Map::new();
    folded.insert("if".into(), first["if"].clone());
    if let Some(then) = both(first.get("then")) {
        folded.insert("then".into(), then);
    }
    if let Some(otherwise) = both(first.get("else")) {
        folded.insert("else".into(), otherwise);
    }
    Some(Value::Object(folded))
}

/// Lists the parent's properties as `{}` in every conditional sub-schema that names or
/// requires one (see the module's comment).
pub(super) fn spell_out_properties(doc: &mut Value) {
    let Some(schemas) = doc["components"]["schemas"].as_object_mut() else {
        return;
    };
    for schema in schemas.values_mut() {
        let Some(schema) = schema.as_object_mut() else {
            continue;
        };
        let Some(names) = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect::<Vec<_>>())
        else {
            continue;
        };
        for_each_condition(schema, &mut |condition| {
            if condition.contains_key("properties") || condition.contains_key("required") {
                let properties = condition
                    .entry("properties")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(properties) = properties.as_object_mut() {
                    for name in &names {
                        properties.entry(name.clone()).or_insert_with(|| json!({}));
                    }
                }
            }
        });
    }
}

/// Every sub-schema under the conditional and combining keywords of `schema`, at any depth
/// (never into its properties' own schemas).
fn for_each_condition(
    schema: &mut Map<String, Value>,
    visit: &mut dyn FnMut(&mut Map<String, Value>),
) {
    for key in CONDITIONAL {
        if let Some(Value::Object(condition)) = schema.get_mut(key) {
            visit(condition);
            for_each_condition(condition, visit);
        }
    }
    for key in COMBINED {
        if let Some(Value::Array(branches)) = schema.get_mut(key) {
            for branch in branches.iter_mut().filter_map(Value::as_object_mut) {
                visit(branch);
                for_each_condition(branch, visit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn rules_fold_into_one_if_chain_and_one_not() {
        let mut doc = json!({"components": {"schemas": {"Line": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "allOf": [
                {"if": {"required": ["a"]}, "then": {"required": ["b"]}},
                {"if": {"required": ["b"]}, "then": {"minProperties": 2}, "else": {"maxProperties": 1}},
                {"not": {"required": ["c"]}},
                {"not": {"required": ["d"]}}
            ]
        }}}});
        super::fold_rules(&mut doc);
        let line = &doc["components"]["schemas"]["Line"];
        assert!(line.get("allOf").is_none());
        let second = json!({"if": {"required": ["b"]}, "then": {"minProperties": 2}, "else": {"maxProperties": 1}});
        assert_eq!(line["if"], json!({"required": ["a"]}));
        assert_eq!(
            line["then"],
            json!({"allOf": [{"required": ["b"]}, second]})
        );
        assert_eq!(line["else"], second);
        assert_eq!(
            line["not"],
            json!({"anyOf": [{"required": ["c"]}, {"required": ["d"]}]})
        );
    }

    #[test]
    fn a_member_the_fold_cannot_carry_whole_leaves_the_rules_as_they_are() {
        let rules = json!([
            {"if": {"required": ["a"]}, "then": {"required": ["b"]}, "not": {"required": ["c"]}},
            {"not": {"required": ["d"]}}
        ]);
        let mut doc = json!({"components": {"schemas": {"S": {"type": "object", "allOf": rules}}}});
        super::fold_rules(&mut doc);
        assert_eq!(doc["components"]["schemas"]["S"]["allOf"], rules);
        assert!(doc["components"]["schemas"]["S"].get("not").is_none());
    }

    /// The folded schema accepts and refuses exactly what the `allOf` did, on every object
    /// over the properties the rules name.
    #[test]
    fn folding_changes_no_answer() {
        let rules = json!([
            {"if": {"required": ["a"]}, "then": {"required": ["b"]}},
            {"if": {"required": ["b"]}, "then": {"required": ["c"]}, "else": {"required": ["d"]}},
            {"not": {"required": ["a", "d"]}}
        ]);
        let mut doc = json!({"components": {"schemas": {"S": {"type": "object", "allOf": rules}}}});
        let before = doc["components"]["schemas"]["S"].clone();
        super::fold_rules(&mut doc);
        let after = doc["components"]["schemas"]["S"].clone();
        let (before, after) = (
            jsonschema::validator_for(&before).expect("compiles"),
            jsonschema::validator_for(&after).expect("compiles"),
        );
        for bits in 0..16u8 {
            let object: serde_json::Map<String, serde_json::Value> = ["a", "b", "c", "d"]
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, k)| (k.to_string(), json!(1)))
                .collect();
            let object = serde_json::Value::Object(object);
            assert_eq!(
                before.is_valid(&object),
                after.is_valid(&object),
                "{object}"
            );
        }
    }

    #[test]
    fn conditions_name_every_property_without_constraining_it() {
        let mut doc = json!({"components": {"schemas": {"Line": {
            "type": "object",
            "additionalProperties": false,
            "properties": {"regimen": {"type": "string"}, "drugs": {"type": "array"}},
            "allOf": [{
                "if": {"not": {"required": ["regimen"]}},
                "then": {"required": ["drugs"], "properties": {"drugs": {"minItems": 1}}}
            }]
        }}}});
        super::spell_out_properties(&mut doc);
        let rule = &doc["components"]["schemas"]["Line"]["allOf"][0];
        assert_eq!(
            rule["if"]["not"],
            json!({"required": ["regimen"], "properties": {"regimen": {}, "drugs": {}}})
        );
        assert_eq!(
            rule["then"]["properties"],
            json!({"drugs": {"minItems": 1}, "regimen": {}})
        );
        // The `if` itself names nothing, so it stays as it was.
        assert_eq!(rule["if"].as_object().map(|o| o.len()), Some(1));
    }
}
