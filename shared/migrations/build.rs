//! Embeds `../../migrations` into this crate, so every binary carries the migrations it was built
//! with. Cargo reruns this script when a file in the folder is added, removed or changed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

#[derive(Default)]
struct Files {
    name: Option<String>,
    up: Option<PathBuf>,
    down: Option<PathBuf>,
    schema: Option<PathBuf>,
}

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let dir = manifest_dir.join("../../migrations");
    let schema_dir = dir.join("schema");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed={}", schema_dir.display());

    let mut by_version: BTreeMap<u32, Files> = BTreeMap::new();
    for path in sorted_entries(&dir) {
        println!("cargo:rerun-if-changed={}", path.display());
        let file = file_name(&path);
        let (stem, up) = if let Some(stem) = file.strip_suffix(".up.sql") {
            (stem, true)
        } else if let Some(stem) = file.strip_suffix(".down.sql") {
            (stem, false)
        } else {
            continue;
        };
        let (version, name) = stem
            .split_once('_')
            .and_then(|(v, n)| Some((v.parse::<u32>().ok()?, n)))
            .unwrap_or_else(|| {
                panic!("migration file {file} must be named NNN_name.up.sql / NNN_name.down.sql")
            });
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "migration {file}: the name may only hold letters, digits and underscores"
        );
        let entry = by_version.entry(version).or_default();
        match &entry.name {
            Some(existing) if existing != name => {
                panic!(
                    "two migrations share version {version}: {existing} and {name}; renumber one"
                )
            }
            _ => entry.name = Some(name.to_owned()),
        }
        if up {
            entry.up = Some(path)
        } else {
            entry.down = Some(path)
        }
    }
    for path in sorted_entries(&schema_dir) {
        println!("cargo:rerun-if-changed={}", path.display());
        let file = file_name(&path);
        let Some(version) = file
            .strip_suffix(".txt")
            .and_then(|v| v.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some(entry) = by_version.get_mut(&version) {
            entry.schema = Some(path);
        }
    }

    let mut out = String::from("&[\n");
    for (version, files) in &by_version {
        let name = files.name.as_deref().unwrap_or_default();
        let up = files
            .up
            .as_ref()
            .unwrap_or_else(|| panic!("migration {version:03}_{name} has no .up.sql"));
        let down = files
            .down
            .as_ref()
            .unwrap_or_else(|| panic!("migration {version:03}_{name} has no .down.sql"));
        let schema = files.schema.as_ref().map_or_else(
            || "None".to_owned(),
            |p| format!("Some(include_str!({:?}))", abs(p)),
        );
        writeln!(
            out,
            "    EmbeddedMigration {{ version: {version}, name: {name:?}, up: include_str!({:?}), down: include_str!({:?}), schema: {schema} }},",
            abs(up),
            abs(down),
        )
        .expect("write to string");
    }
    out.push(']');
    let out_path =
        PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("embedded_migrations.rs");
    fs::write(out_path, out).expect("write embedded_migrations.rs");
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned()
}

fn abs(path: &Path) -> String {
    path.canonicalize()
        .expect("canonicalize migration path")
        .display()
        .to_string()
}
