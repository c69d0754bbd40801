//! Hand-written SQL that diesel's builder cannot say (a CTE, several reads in one statement),
//! still prepared once per connection: `sql_query` is never cached, so each statement here is
//! a type of its own with a static query id, and its text is walked with its binds.

use diesel::pg::Pg;
use diesel::query_builder::AstPass;

/// Pushes `sql` with a bind at each parameter. Each of `$1`..`$9` appears once, in order:
/// `bind(n, out)` pushes the n-th (diesel numbers the binds itself, in push order).
pub(super) fn walk<'b>(
    sql: &'static str,
    out: &mut AstPass<'_, 'b, Pg>,
    mut bind: impl FnMut(char, &mut AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()>,
) -> diesel::QueryResult<()> {
    let mut pieces = sql.split('$');
    out.push_sql(pieces.next().unwrap_or_default());
    for (piece, expected) in pieces.zip('1'..='9') {
        let n = piece.chars().next().unwrap_or_default();
        debug_assert_eq!(n, expected, "parameter ${n} out of order");
        bind(n, out)?;
        out.push_sql(&piece[1..]);
    }
    Ok(())
}

/// Marks a statement type whose text never changes and whose rows are read by name
/// (`QueryableByName`): diesel prepares it once per connection.
macro_rules! prepared_once {
    // A statement that borrows none of its binds.
    (owned $statement:ident) => {
        impl diesel::query_builder::QueryId for $statement {
            type QueryId = $statement;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl diesel::query_builder::Query for $statement {
            type SqlType = diesel::sql_types::Untyped;
        }
    };
    ($statement:ident) => {
        impl diesel::query_builder::QueryId for $statement<'_> {
            type QueryId = $statement<'static>;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl diesel::query_builder::Query for $statement<'_> {
            type SqlType = diesel::sql_types::Untyped;
        }
    };
}
pub(super) use prepared_once;
