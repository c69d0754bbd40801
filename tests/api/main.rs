//! Integration tests over HTTP against a real PostgreSQL. One binary, one module per area.

mod helpers;

mod discordance;
mod foundation;
