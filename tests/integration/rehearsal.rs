//! `scripts/rehearse-cutover`, run as an operator runs it on last night's backup: a dump of a
//! database the original's own migrations built, with rows in every table.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::cutover::{original_database, ours_database, pg_dump};
use podium_testing::TestDb;

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/rehearse-cutover")
}

/// The script as a person starts it: none of the variables this test run's cargo and nextest set.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(script());
    command.args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("NEXTEST")
            || name.starts_with("CARGO_PKG")
            || name.starts_with("CARGO_MANIFEST")
            || name.starts_with("CARGO_CRATE")
            || name.starts_with("CARGO_BIN")
            || name.starts_with("CARGO_PRIMARY")
            || name == "DATABASE_URL"
            || name.starts_with("RUST_TEST")
        {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command.output().expect("run scripts/rehearse-cutover")
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("podium-rehearsal-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("scratch");
    dir
}

/// A custom-format dump of `db`, as an operator takes it.
fn dump(db: &TestDb) -> PathBuf {
    let dump = scratch().join("live.dump");
    let dumped = Command::new(pg_dump())
        .args(["-Fc", "-f"])
        .arg(&dump)
        .arg("-d")
        .arg(db.url().expose())
        .status()
        .expect("pg_dump");
    assert!(dumped.success());
    dump
}

#[tokio::test]
async fn the_rehearsal_passes_on_a_dump_of_the_originals_database_and_reports_every_step() {
    let (db, conn) = original_database().await;
    drop(conn);
    let dump = dump(&db);

    let output = run(&[dump.to_str().expect("path")], &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for step in [
        "restore the dump",
        "adopt --dry-run",
        "adopt ",
        "up ",
        "verify ",
        "journey against the functions",
        "unadopt --dry-run",
        "unadopt ",
    ] {
        assert!(stdout.contains(step), "step {step:?} timed: {stdout}");
    }
    // The journey signed up three people (one through Hack Club) and made an event with two projects; nothing of the
    // dump's rows changed, and the schema is the dump's.
    let users = stdout
        .lines()
        .find(|l| l.starts_with("users "))
        .expect("users line");
    assert_eq!(
        users.split_whitespace().collect::<Vec<_>>(),
        ["users", "3", "6", "3", "0"],
        "{stdout}"
    );
    assert!(
        stdout.contains("No differences: every row of the dump is there as it was"),
        "{stdout}"
    );
}

#[tokio::test]
async fn the_rehearsal_of_the_way_back_takes_a_dump_of_ours_to_the_original_and_back_unchanged() {
    let (db, conn) = ours_database().await;
    drop(conn);
    let dump = dump(&db);
    let output = run(&[dump.to_str().expect("path")], &[("NO_JOURNEY", "1")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("(ours → the original → ours)")
            && stdout.contains("adopt --archive")
            && stdout.contains("No differences: every row of the dump is there as it was"),
        "{stdout}"
    );
}

#[test]
fn the_rehearsals_comparison_names_every_changed_row_and_a_different_schema_and_fails() {
    let (before, after) = (scratch(), scratch());
    for (dir, users, schema) in [
        (
            &before,
            "{\"id\": \"1\", \"email\": \"a@example.com\"}\n{\"id\": \"2\", \"email\": \"b@example.com\"}\n",
            "CREATE TABLE users ();\n",
        ),
        (
            &after,
            "{\"id\": \"1\", \"email\": \"a@example.com\"}\n{\"id\": \"2\", \"email\": \"B@example.com\"}\n{\"id\": \"3\", \"email\": \"c@example.com\"}\n",
            "CREATE TABLE users (x int);\n",
        ),
    ] {
        for table in podium_migrations::cutover::ORIGINAL_TABLES {
            std::fs::write(dir.join(format!("{table}.jsonl")), "").expect("write");
        }
        std::fs::write(dir.join("users.jsonl"), users).expect("write");
        std::fs::write(dir.join("schema.sql"), schema).expect("write");
    }
    let output = run(
        &[
            "--compare",
            before.to_str().expect("path"),
            after.to_str().expect("path"),
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("rows of users missing or changed afterwards")
            && stdout.contains("{\"id\": \"2\", \"email\": \"b@example.com\"}")
            && stdout.contains("the schema afterwards differs")
            && stdout.contains("+CREATE TABLE users (x int);")
            && stdout.contains("DIFFERENCES: 2"),
        "{stdout}"
    );
    let users = stdout
        .lines()
        .find(|l| l.starts_with("users "))
        .expect("line");
    assert_eq!(
        users.split_whitespace().collect::<Vec<_>>(),
        ["users", "2", "3", "2", "1"]
    );
}
