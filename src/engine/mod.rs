//! The transfer engine: the logic behind backup, restore and maintenance operations, starting with prune selection.

pub mod prune;
