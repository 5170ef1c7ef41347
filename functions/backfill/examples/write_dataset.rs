//! Writes the real-scale data set of the backfill tests (contract section 4.1: 3365 users, 217
//! events, 767 projects, …) as an Airtable CSV export into a directory, for benchmarks that need
//! a database of that size (`bench/rehearsal.sh` imports it, hands it to the original's schema
//! and rehearses the cut-over on its dump).
//!
//!   cargo run -p backfill --example write_dataset -- DIR

#![allow(clippy::print_stdout, clippy::unwrap_used, dead_code)]

#[path = "../tests/support/dataset.rs"]
mod dataset;

fn main() {
    let dir = std::env::args_os()
        .nth(1)
        .expect("usage: write_dataset DIR");
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    dataset::write_csv(&dataset::generate(dataset::PRODUCTION), &dir);
    println!("{}", dir.display());
}
