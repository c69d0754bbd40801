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
