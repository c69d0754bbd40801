//! jsonb read straight into a typed value.

use diesel::deserialize::{self, FromSql};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Jsonb;
use serde::de::DeserializeOwned;

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

/// jsonb's binary form is a version byte (1) and the JSON text.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> deserialize::Result<Typed<T>> {
    match bytes.split_first() {
        Some((1, text)) => Ok(Typed(serde_json::from_slice(text).ok())),
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
}
