//! jsonb read straight into a typed value.

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Jsonb;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// A jsonb column decoded from its bytes into `T`, with no `serde_json::Value` between: a
/// `Value` is a tree of maps allocated, walked and freed again, which was a seventh of the
/// partner inbox's service CPU in a profile (issue 19). `None` when the stored JSON is not a `T`; the reader says
/// what that means.
#[derive(Debug)]
pub struct Typed<T>(pub Option<T>);

impl<T: DeserializeOwned> FromSql<Jsonb, Pg> for Typed<T> {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        decode(value.as_bytes())
    }
}

/// A jsonb column kept as its JSON text, for a reader that passes it on unchanged: no
/// `serde_json::Value` is built to be written out again (the event feed's `data`).
#[derive(diesel::deserialize::FromSqlRow)]
pub struct JsonText(Box<RawValue>);

impl FromSql<Jsonb, Pg> for JsonText {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        text(value.as_bytes())
    }
}

fn text(bytes: &[u8]) -> deserialize::Result<JsonText> {
    let json = std::str::from_utf8(json_of(bytes)?)?;
    Ok(JsonText(RawValue::from_string(json.to_owned())?))
}

impl From<JsonText> for Box<RawValue> {
    fn from(text: JsonText) -> Self {
        text.0
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> deserialize::Result<Typed<T>> {
    Ok(Typed(serde_json::from_slice(json_of(bytes)?).ok()))
}

/// jsonb's binary form is a version byte (1) and the JSON text.
fn json_of(bytes: &[u8]) -> deserialize::Result<&[u8]> {
    match bytes.split_first() {
        Some((1, json)) => Ok(json),
        _ => Err("unsupported jsonb encoding version".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Dose {
        mg: u32,
    }

    #[test]
    fn a_stored_value_decodes_into_its_type_and_any_other_into_none() {
        assert_eq!(
            decode::<Dose>(b"\x01{\"mg\": 5}").expect("decodes").0,
            Some(Dose { mg: 5 })
        );
        assert_eq!(
            decode::<Dose>(b"\x01{\"dose\": 5}").expect("decodes").0,
            None
        );
        assert!(
            decode::<Dose>(b"\x02{\"mg\": 5}").is_err(),
            "an unknown encoding is an error"
        );
        assert!(decode::<Dose>(b"").is_err());
    }

    #[test]
    fn a_stored_value_passes_on_as_its_text() {
        let passed = |bytes: &[u8]| text(bytes).map(|t| Box::<RawValue>::from(t).get().to_owned());
        assert_eq!(passed(b"\x01{\"mg\": 5}").expect("decodes"), "{\"mg\": 5}");
        assert!(
            passed(b"\x02{}").is_err(),
            "an unknown encoding is an error"
        );
        assert!(passed(b"\x01{\"mg\"").is_err(), "not JSON is an error");
    }
}
