//! Compiles the workspace's router table into the gateway (see `src/router_table.rs`).

use std::path::PathBuf;

#[path = "src/router_table.rs"]
mod router_table;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let manifest = dir.join("../../Cargo.toml");
    println!("cargo::rerun-if-changed={}", manifest.display());
    let text = std::fs::read_to_string(&manifest)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", manifest.display()));
    let table = router_table::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let entries: String = table
        .iter()
        .map(|(path, function)| format!("    ({path:?}, {function:?}),\n"))
        .collect();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    std::fs::write(out.join("router_table.rs"), format!("&[\n{entries}]\n"))
        .expect("write the router table");
}
