//! Unit tests of the import steps.
