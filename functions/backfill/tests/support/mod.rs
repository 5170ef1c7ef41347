//! Test support shared with the backfill benchmark (`examples/bench_backfill.rs`).
#![allow(dead_code)]
pub mod dataset;
pub mod fake;
