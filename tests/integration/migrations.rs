//! The migration engine against a real PostgreSQL: reversibility, locking, failures, drift,
//! and adopting the original service's database.

use std::path::PathBuf;
use std::time::Duration;

use podium_migrations::{
    DownTarget, MigrateError, Migration, MigrationSet, Migrator, Refusal, SchemaFingerprint,
    Settings, State,
};
use podium_testing::TestDb;

use crate::helpers::{exec, fingerprint, history, insert_user, lock_is_held, rows, settings};

use podium_migrations::cutover::ORIGINAL_TABLES as TABLES;

fn embedded() -> Migrator {
    Migrator::embedded(settings())
}

fn snapshot(set: &MigrationSet, version: i64) -> SchemaFingerprint {
    if version == 0 {
        return SchemaFingerprint::empty();
    }
    let migration = set.get(version).expect("known version");
    SchemaFingerprint::parse(migration.schema.as_deref().unwrap_or_else(|| {
        panic!(
            "{} has no schema snapshot: run `make schema`",
            migration.label()
        )
    }))
}

fn assert_schema(live: &SchemaFingerprint, expected: &SchemaFingerprint, when: &str) {
    let diff = SchemaFingerprint::diff(expected, live);
    assert!(
        diff.is_empty(),
        "schema {when} differs from its snapshot (- expected, + live); run `make schema` if the migration changed on purpose:\n{}",
        diff.join("\n")
    );
}

/// With `UPDATE_SCHEMA_SNAPSHOTS=1` (what `make schema` sets), the walk below rewrites
/// `migrations/schema/NNN.txt` instead of comparing against it.
fn blessing() -> bool {
    std::env::var_os("UPDATE_SCHEMA_SNAPSHOTS").is_some()
}

#[tokio::test]
async fn up_then_down_then_up_again_matches_the_schema_snapshot_at_every_step() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let migrator = embedded();
    let set = migrator.set().clone();
    let versions: Vec<i64> = set.iter().map(|m| m.version).collect();
    assert_schema(
        &fingerprint(&mut conn).await,
        &SchemaFingerprint::empty(),
        "of a fresh database",
    );

    for migration in set.iter() {
        let report = migrator
            .up(&mut conn, Some(migration.version))
            .await
            .expect("up one");
        assert_eq!(
            report.steps.iter().map(|s| s.version).collect::<Vec<_>>(),
            [migration.version]
        );
        let live = fingerprint(&mut conn).await;
        if blessing() {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../migrations/schema");
            let text = format!(
                "# Schema after {}. Written by `make schema`; do not edit.\n{live}",
                migration.label()
            );
            std::fs::write(dir.join(format!("{:03}.txt", migration.version)), text)
                .expect("write snapshot");
        } else {
            assert_schema(
                &live,
                &snapshot(&set, migration.version),
                &format!("after {} up", migration.label()),
            );
        }
    }
    if blessing() {
        return;
    }
    assert_eq!(
        history(&mut conn)
            .await
            .iter()
            .map(|h| h.0)
            .collect::<Vec<_>>(),
        versions
    );

    for (i, migration) in set.iter().enumerate().rev() {
        let report = migrator
            .down(&mut conn, DownTarget::Steps(1))
            .await
            .expect("down one");
        assert_eq!(
            report.steps.iter().map(|s| s.version).collect::<Vec<_>>(),
            [migration.version]
        );
        let before = if i == 0 { 0 } else { versions[i - 1] };
        assert_schema(
            &fingerprint(&mut conn).await,
            &snapshot(&set, before),
            &format!("after {} down", migration.label()),
        );
        assert_eq!(report.current_version, before);
    }
    assert!(history(&mut conn).await.is_empty());

    let report = migrator.up(&mut conn, None).await.expect("up all again");
    assert_eq!(report.steps.len(), versions.len());
    assert_schema(
        &fingerprint(&mut conn).await,
        &snapshot(&set, set.latest_version()),
        "after up all again",
    );
    let verified = migrator.verify(&mut conn).await.expect("verify after up");
    assert!(verified.ok && verified.pending.is_empty(), "{verified:?}");
}

/// Migration 017 sets the application role's planner settings in its database; connections
/// opened after it have them, and its down takes them away again.
#[tokio::test]
async fn the_planner_settings_reach_connections_opened_after_migration_017_and_go_with_its_down() {
    let db = TestDb::new().await;
    let migrator = embedded();
    let mut conn = db.connect().await;
    migrator.up(&mut conn, None).await.expect("up");
    let settings = async || -> (String, String) {
        let mut fresh = db.connect().await;
        sqlx::query_as("SELECT current_setting('random_page_cost'), current_setting('jit')")
            .fetch_one(&mut fresh)
            .await
            .expect("settings")
    };
    assert_eq!(settings().await, ("1.1".to_owned(), "off".to_owned()));
    migrator
        .down(&mut conn, DownTarget::To(16))
        .await
        .expect("down 017");
    assert_eq!(settings().await, ("4".to_owned(), "on".to_owned()));
}

#[tokio::test]
async fn status_on_an_empty_database_lists_every_migration_as_pending() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let migrator = embedded();
    let status = migrator.status(&mut conn).await.expect("status");
    assert_eq!(status.current_version, 0);
    assert_eq!(status.migrations.len(), migrator.set().iter().count());
    assert!(
        status
            .migrations
            .iter()
            .all(|m| m.state == State::Pending && m.installed_on.is_none())
    );
    assert!(
        history(&mut conn).await.is_empty(),
        "status must not create the bookkeeping table"
    );

    migrator.up(&mut conn, Some(2)).await.expect("up to 2");
    let status = migrator.status(&mut conn).await.expect("status");
    let states: Vec<(i64, State, Option<bool>)> = status
        .migrations
        .iter()
        .take(3)
        .map(|m| (m.version, m.state, m.checksum_matches))
        .collect();
    assert_eq!(
        states,
        [
            (1, State::Applied, Some(true)),
            (2, State::Applied, Some(true)),
            (3, State::Pending, None)
        ]
    );
    assert!(status.migrations[0].duration_ms.is_some_and(|d| d > 0.0));
}

#[tokio::test]
async fn five_concurrent_up_runs_apply_each_migration_exactly_once() {
    let db = TestDb::new().await;
    let runs = (0..5).map(|_| {
        let url = db.url().clone();
        tokio::spawn(async move {
            let mut conn = podium_data::db::connect(&url, "test")
                .await
                .expect("connect");
            embedded()
                .up(&mut conn, None)
                .await
                .expect("every run succeeds")
        })
    });
    let reports = futures_util::future::join_all(runs).await;
    let mut applied: Vec<i64> = reports
        .into_iter()
        .flat_map(|r| r.expect("task").steps.into_iter().map(|s| s.version))
        .collect();
    applied.sort_unstable();
    let expected: Vec<i64> = embedded().set().iter().map(|m| m.version).collect();
    assert_eq!(
        applied, expected,
        "each migration applied by exactly one run"
    );

    let mut conn = db.connect().await;
    assert_eq!(
        history(&mut conn)
            .await
            .iter()
            .map(|h| h.0)
            .collect::<Vec<_>>(),
        expected
    );
    assert!(!lock_is_held(&mut conn).await);
    embedded().verify(&mut conn).await.expect("verify");
}

#[tokio::test]
async fn a_transactional_migration_is_sent_whole_so_a_begin_atomic_body_is_one_statement() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let set = MigrationSet::embedded()
        .with(Migration::from_sql(
            900,
            "standard_function_body",
            "CREATE FUNCTION podium_answer() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 41;\n  SELECT 42;\nEND;\n\
             CREATE TABLE scratch (id int DEFAULT podium_answer());\n",
            "DROP TABLE scratch;\nDROP FUNCTION podium_answer();\n",
        ))
        .expect("set");
    let migrator = Migrator::new(set, settings());
    migrator.up(&mut conn, None).await.expect("up");
    let answer: i32 = sqlx::query_scalar("SELECT podium_answer()")
        .fetch_one(&mut conn)
        .await
        .expect("the function's last statement answers");
    assert_eq!(answer, 42);
    migrator
        .down(&mut conn, DownTarget::Steps(1))
        .await
        .expect("down");
    let left: Option<String> = sqlx::query_scalar("SELECT to_regproc('podium_answer')::text")
        .fetch_one(&mut conn)
        .await
        .expect("lookup");
    assert_eq!(left, None);
}

fn with_failing(version: i64, up: &str) -> Migrator {
    let set = MigrationSet::embedded()
        .with(Migration::from_sql(
            version,
            "deliberately_failing",
            up,
            "DROP TABLE IF EXISTS scratch;",
        ))
        .expect("set");
    Migrator::new(set, settings())
}

#[tokio::test]
async fn a_failing_migration_rolls_back_completely_and_leaves_schema_history_and_lock_as_before() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    embedded().up(&mut conn, None).await.expect("up");
    insert_user(&mut conn, "a@example.com").await;
    let schema_before = fingerprint(&mut conn).await;
    let history_before = history(&mut conn).await;
    let rows_before = rows(&mut conn, "users").await;

    let failing = with_failing(
        900,
        "CREATE TABLE scratch (id int);\nUPDATE users SET first_name = 'changed';\n\nINSERT INTO scratch VALUES ('not a number');\n",
    );
    let err = failing
        .up(&mut conn, None)
        .await
        .expect_err("the migration fails");
    let message = err.to_string();
    assert!(
        matches!(&err, MigrateError::Failed(f) if f.line == Some(4) && f.statement_index.is_none()),
        "{message}"
    );
    assert!(
        message
            .starts_with("migration 900_deliberately_failing (up) failed at line 4 of its file: "),
        "{message}"
    );
    assert!(
        message.contains("invalid input syntax for type integer"),
        "{message}"
    );
    assert!(
        message.contains("\nat: INSERT INTO scratch VALUES ('not a number');\n"),
        "{message}"
    );
    assert!(message.contains("rolled back completely"), "{message}");

    assert_eq!(
        fingerprint(&mut conn).await,
        schema_before,
        "no trace of the failed migration's DDL"
    );
    assert_eq!(
        history(&mut conn).await,
        history_before,
        "recorded version unchanged"
    );
    assert_eq!(
        rows(&mut conn, "users").await,
        rows_before,
        "its data change rolled back too"
    );
    assert!(!lock_is_held(&mut conn).await, "the lock is released");
    // The same connection is still usable, and another run can take the lock at once.
    let quick = Migrator::embedded(Settings {
        lock_wait: Duration::ZERO,
        ..settings()
    });
    assert!(
        quick
            .up(&mut conn, None)
            .await
            .expect("lock free")
            .steps
            .is_empty()
    );
}

#[tokio::test]
async fn a_failing_migration_outside_a_transaction_is_recorded_as_failed_and_blocks_up_until_repaired()
 {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let failing = with_failing(
        900,
        "-- no-transaction\nCREATE TABLE scratch (id int);\nSELECT 1/0;\n",
    );
    let err = failing.up(&mut conn, None).await.expect_err("fails");
    assert!(err.to_string().contains("division by zero"), "{err}");
    assert!(err.to_string().contains("outside a transaction"), "{err}");
    // Everything before it applied; the failed one is recorded as such, and blocks further runs.
    let status = failing.status(&mut conn).await.expect("status");
    let last = status.migrations.last().expect("listed");
    assert_eq!((last.version, last.state), (900, State::Failed));
    let refused = failing
        .up(&mut conn, None)
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        refused.contains("migration 900_deliberately_failing did not finish"),
        "{refused}"
    );
    assert!(
        refused.contains("DELETE FROM _sqlx_migrations WHERE version = 900"),
        "{refused}"
    );
    assert!(!lock_is_held(&mut conn).await);
}

#[tokio::test]
async fn a_no_transaction_migration_builds_its_index_concurrently() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let set = MigrationSet::embedded();
    let no_tx: Vec<&Migration> = set.iter().filter(|m| m.up.no_transaction).collect();
    assert!(
        !no_tx.is_empty(),
        "the embedded set exercises the directive"
    );
    assert!(no_tx[0].up.sql.contains("CREATE INDEX CONCURRENTLY"));
    embedded()
        .up(&mut conn, None)
        .await
        .expect("CREATE INDEX CONCURRENTLY runs outside a transaction");
    let valid: bool = sqlx::query_scalar(
        "SELECT bool_and(indisvalid) FROM pg_index WHERE indexrelid = 'ix_projects_event_id'::regclass",
    )
    .fetch_one(&mut conn)
    .await
    .expect("index exists");
    assert!(valid);
    let status = embedded().status(&mut conn).await.expect("status");
    assert!(status.migrations.iter().all(|m| m.state == State::Applied));
}

#[tokio::test]
async fn an_edited_applied_migration_is_caught_by_verify_and_refused_by_up_and_down() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    embedded().up(&mut conn, None).await.expect("up");
    let edited: Vec<Migration> = MigrationSet::embedded()
        .iter()
        .map(|m| {
            let mut m = m.clone();
            if m.version == 2 {
                m.up.sql = format!("{}\n-- an innocent-looking edit\n", m.up.sql).into();
            }
            m
        })
        .collect();
    let edited = Migrator::new(MigrationSet::new(edited).expect("set"), settings());

    let problems = edited.verify(&mut conn).await.expect_err("verify fails");
    let problems = problems
        .verify_problems()
        .expect("verify problems")
        .join("\n");
    assert!(
        problems.contains("migration 002_url_columns_to_text was applied from a different file"),
        "{problems}"
    );
    let up = edited.up(&mut conn, None).await.expect_err("up refuses");
    assert!(
        matches!(&up, MigrateError::Refused(Refusal::History(problems)) if problems.len() == 1),
        "{up}"
    );
    let up = up.to_string();
    assert!(
        up.contains("002_url_columns_to_text was applied from a different file"),
        "{up}"
    );
    assert!(
        edited.down(&mut conn, DownTarget::Steps(1)).await.is_err(),
        "down refuses too"
    );
    let status = edited.status(&mut conn).await.expect("status");
    assert_eq!(status.migrations[1].checksum_matches, Some(false));
    assert_eq!(
        history(&mut conn).await.len(),
        MigrationSet::embedded().iter().count(),
        "nothing changed"
    );
}

#[tokio::test]
async fn verify_fails_on_a_version_the_binary_lacks_and_on_schema_drift() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    embedded().up(&mut conn, None).await.expect("up");
    assert!(embedded().verify(&mut conn).await.is_ok());

    exec(&mut conn, "CREATE INDEX ix_users_first_name ON users (first_name); ALTER TABLE events ALTER COLUMN description DROP NOT NULL").await;
    let drift = embedded()
        .verify(&mut conn)
        .await
        .expect_err("drift")
        .to_string();
    assert!(
        drift.contains("the live schema differs from what the migrations up to version"),
        "{drift}"
    );
    assert!(drift.contains("+ index users.ix_users_first_name CREATE INDEX ix_users_first_name ON users USING btree (first_name)"), "{drift}");
    assert!(
        drift.contains("- column events.005 description character varying not null"),
        "{drift}"
    );
    assert!(
        drift.contains("+ column events.005 description character varying null"),
        "{drift}"
    );
    exec(
        &mut conn,
        "DROP INDEX ix_users_first_name; ALTER TABLE events ALTER COLUMN description SET NOT NULL",
    )
    .await;
    assert!(embedded().verify(&mut conn).await.is_ok());

    let newer = MigrationSet::embedded()
        .with(Migration::from_sql(
            950,
            "from_the_future",
            "CREATE TABLE future (id int);",
            "DROP TABLE future;",
        ))
        .expect("set");
    Migrator::new(newer, settings())
        .up(&mut conn, None)
        .await
        .expect("a newer binary applies 950");
    let unknown = embedded()
        .verify(&mut conn)
        .await
        .expect_err("unknown version")
        .to_string();
    assert!(
        unknown.contains(
            "the database has version 950 (from the future), which this binary does not know"
        ),
        "{unknown}"
    );
    let refused = embedded()
        .up(&mut conn, None)
        .await
        .expect_err("up refuses")
        .to_string();
    assert!(refused.contains("version 950"), "{refused}");
    let status = embedded().status(&mut conn).await.expect("status");
    assert_eq!(
        status.migrations.last().map(|m| (m.version, m.state)),
        Some((950, State::Unknown))
    );
}

#[tokio::test]
async fn a_second_run_waits_a_bounded_time_for_the_lock_then_fails_clearly() {
    let db = TestDb::new().await;
    let mut holder = db.connect().await;
    podium_migrations::acquire_lock(&mut holder, Duration::ZERO)
        .await
        .expect("hold the lock");
    let holder_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut holder)
        .await
        .expect("pid");

    let mut conn = db.connect().await;
    let waiting = Migrator::embedded(Settings {
        lock_wait: Duration::from_millis(300),
        ..settings()
    });
    let started = std::time::Instant::now();
    let err = waiting.up(&mut conn, None).await.expect_err("gives up");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(
        matches!(err, MigrateError::LockTimeout { holder: Some(pid), .. } if pid == holder_pid),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "another migration run holds the migration lock (PostgreSQL backend pid {holder_pid}); gave up after \
             waiting 300ms (set PODIUM_MIGRATE_LOCK_WAIT or --lock-wait to wait longer)"
        )
    );
    assert!(history(&mut conn).await.is_empty(), "nothing applied");
    drop(holder);
}

#[tokio::test]
async fn a_holder_killed_mid_migration_leaves_no_lock_and_no_partial_migration() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    embedded().up(&mut conn, None).await.expect("up");
    let schema_before = fingerprint(&mut conn).await;
    let slow = with_failing(
        900,
        "CREATE TABLE scratch (id int);\nSELECT pg_sleep(30);\n",
    );
    let url = db.url().clone();
    let run = tokio::spawn(async move {
        let mut conn = podium_data::db::connect(&url, "doomed-migrate")
            .await
            .expect("connect");
        slow.up(&mut conn, None).await
    });
    // Wait until the run sits in pg_sleep (the file is sent whole: its query is the file),
    // holding the lock, then kill its backend (a crash).
    let mut killed = false;
    for _ in 0..100 {
        killed = sqlx::query_scalar(
            "SELECT coalesce(bool_or(pg_terminate_backend(pid)), false) FROM pg_stat_activity
             WHERE application_name = 'doomed-migrate' AND query LIKE '%SELECT pg_sleep(30)%'",
        )
        .fetch_one(&mut conn)
        .await
        .expect("terminate");
        if killed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(killed, "the slow migration was seen running");
    assert!(run.await.expect("task").is_err());
    assert!(
        !lock_is_held(&mut conn).await,
        "the lock died with its holder"
    );
    assert_eq!(
        fingerprint(&mut conn).await,
        schema_before,
        "the half-run migration left nothing"
    );
    let quick = Migrator::embedded(Settings {
        lock_wait: Duration::ZERO,
        ..settings()
    });
    quick
        .verify(&mut conn)
        .await
        .expect("history and schema intact");
}

#[tokio::test]
async fn the_printed_plan_run_as_a_script_builds_the_same_database_as_up() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let migrator = Migrator::new(
        MigrationSet::new(
            MigrationSet::embedded()
                .iter()
                .filter(|m| !m.up.no_transaction)
                .cloned()
                .collect(),
        )
        .expect("set"),
        settings(),
    );
    let plan = migrator.plan_up(&mut conn, Some(4)).await.expect("plan");
    assert!(history(&mut conn).await.is_empty(), "plan runs nothing");
    let script = plan.to_sql();
    assert!(
        script.contains("SET LOCAL lock_timeout = '10s';\nSET LOCAL statement_timeout = '300s';"),
        "{script}"
    );
    assert!(script.contains("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (4, 'cascade deletes', TRUE, decode('"), "{script}");

    exec(&mut conn, &script).await;
    let by_script = (fingerprint(&mut conn).await, history(&mut conn).await);
    let other = TestDb::new().await;
    let mut other_conn = other.connect().await;
    migrator.up(&mut other_conn, Some(4)).await.expect("up");
    assert_eq!(
        by_script,
        (
            fingerprint(&mut other_conn).await,
            history(&mut other_conn).await
        )
    );

    let down = migrator
        .plan_down(&mut conn, DownTarget::To(2))
        .await
        .expect("plan down");
    let versions: Vec<i64> = down.steps.iter().map(|s| s.version).collect();
    assert_eq!(versions, [4, 3]);
    assert!(
        down.to_sql()
            .contains("DELETE FROM _sqlx_migrations WHERE version = 3;")
    );
}

#[tokio::test]
async fn down_to_a_version_reverts_everything_above_it_and_down_to_zero_empties_the_schema() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let migrator = embedded();
    migrator.up(&mut conn, None).await.expect("up");
    let report = migrator
        .down(&mut conn, DownTarget::To(3))
        .await
        .expect("down to 3");
    assert_eq!(report.current_version, 3);
    assert_schema(
        &fingerprint(&mut conn).await,
        &snapshot(migrator.set(), 3),
        "at 3",
    );
    migrator
        .down(&mut conn, DownTarget::To(0))
        .await
        .expect("down to 0");
    assert_schema(
        &fingerprint(&mut conn).await,
        &SchemaFingerprint::empty(),
        "at 0",
    );
    let err = migrator
        .down(&mut conn, DownTarget::To(77))
        .await
        .expect_err("unknown target");
    assert_eq!(err.to_string(), "there is no migration with version 77");
}

#[tokio::test]
async fn a_down_that_would_lose_data_fails_and_keeps_it() {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let migrator = embedded();
    migrator.up(&mut conn, Some(2)).await.expect("up to 2");
    exec(
        &mut conn,
        include_str!("../fixtures/alembic_rows.sql")
            .split("INSERT INTO event_attendees")
            .next()
            .unwrap_or_default(),
    )
    .await;
    let owner = insert_user(&mut conn, "x@example.com").await;
    exec(
        &mut conn,
        &format!(
            "INSERT INTO projects (id, name, repo, image_url, demo, description, join_code, hours_spent, points, owner_id, event_id) \
             VALUES (gen_random_uuid(), 'p', repeat('r', 600), '', '', '', 'LONG', 0, 0, '{owner}', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa')"
        ),
    )
    .await;
    let before = rows(&mut conn, "projects").await;
    let err = migrator
        .down(&mut conn, DownTarget::Steps(1))
        .await
        .expect_err("varchar(500) cannot hold it");
    assert!(
        err.to_string().contains("002_url_columns_to_text (down)"),
        "{err}"
    );
    assert_eq!(rows(&mut conn, "projects").await, before);
    assert_eq!(history(&mut conn).await.len(), 2);
}

async fn original_database(db: &TestDb) -> sqlx::PgConnection {
    let mut conn = db.connect().await;
    exec(
        &mut conn,
        include_str!("../fixtures/alembic_e10bb6a39187.sql"),
    )
    .await;
    exec(&mut conn, include_str!("../fixtures/alembic_rows.sql")).await;
    conn
}

#[tokio::test]
async fn adopt_takes_over_the_original_database_keeping_every_row_then_up_applies_ours() {
    let db = TestDb::new().await;
    let mut conn = original_database(&db).await;
    let mut before = Vec::new();
    for table in TABLES {
        before.push(rows(&mut conn, table).await);
    }
    assert!(before.iter().all(|r| r != "[]"), "every table holds rows");

    let migrator = embedded();
    let report = migrator.adopt(&mut conn).await.expect("adopt");
    assert_eq!(
        (
            report.alembic_revision.as_str(),
            report.marked_applied.as_slice()
        ),
        ("e10bb6a39187", &[1, 2, 3][..])
    );
    assert_eq!(
        report.pending,
        migrator
            .set()
            .iter()
            .map(|m| m.version)
            .filter(|v| *v > 3)
            .collect::<Vec<_>>()
    );
    let recorded = history(&mut conn).await;
    assert_eq!(recorded.iter().map(|h| h.0).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(recorded.iter().all(|h| h.1));

    // Every row as it was, through our migrations up to 006 (the December 2025 schema).
    migrator
        .up(&mut conn, Some(6))
        .await
        .expect("up after adopt");
    for (table, rows_before) in TABLES.iter().zip(&before) {
        assert_eq!(
            &rows(&mut conn, table).await,
            rows_before,
            "rows of {table} kept"
        );
    }
    // 007: the event's flags (votable, no leaderboard) become the voting phase.
    migrator.up(&mut conn, None).await.expect("up to the head");
    migrator
        .verify(&mut conn)
        .await
        .expect("verify after adopt and up");
    let phase: (String, bool) = sqlx::query_as("SELECT phase, live_leaderboard FROM events")
        .fetch_one(&mut conn)
        .await
        .expect("phase");
    assert_eq!(phase, ("voting".to_owned(), false));
    // Our cascade now holds on the adopted data.
    exec(&mut conn, "DELETE FROM events").await;
    for table in [
        "projects",
        "votes",
        "referrals",
        "event_attendees",
        "project_collaborators",
    ] {
        assert_eq!(rows(&mut conn, table).await, "[]", "{table} cascaded");
    }
    let again = migrator
        .adopt(&mut conn)
        .await
        .expect_err("adopting twice is refused")
        .to_string();
    assert!(
        again.contains("already managed by podium-migrate"),
        "{again}"
    );
}

#[tokio::test]
async fn adopt_refuses_a_database_whose_schema_differs_and_changes_nothing() {
    let db = TestDb::new().await;
    let mut conn = original_database(&db).await;
    exec(
        &mut conn,
        "ALTER TABLE users ADD COLUMN nickname text; DROP INDEX ix_projects_points",
    )
    .await;
    let schema_before = fingerprint(&mut conn).await;
    let err = embedded().adopt(&mut conn).await.expect_err("refused");
    assert!(
        matches!(&err, MigrateError::Refused(Refusal::SchemaDrift { revision, .. }) if revision == "e10bb6a39187"),
        "{err}"
    );
    let err = err.to_string();
    assert!(
        err.starts_with(
            "refusing to adopt: alembic_version says e10bb6a39187, but the schema differs"
        ),
        "{err}"
    );
    assert!(
        err.contains("+ column users.015 nickname text null"),
        "{err}"
    );
    assert!(err.contains("- index projects.ix_projects_points CREATE INDEX ix_projects_points ON projects USING btree (points)"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(
        history(&mut conn).await.is_empty(),
        "no bookkeeping table created"
    );
    assert_eq!(fingerprint(&mut conn).await, schema_before);
    assert!(!lock_is_held(&mut conn).await);
}

#[tokio::test]
async fn adopt_refuses_an_unknown_alembic_revision_and_an_empty_database() {
    let db = TestDb::new().await;
    let mut conn = original_database(&db).await;
    exec(
        &mut conn,
        "UPDATE alembic_version SET version_num = 'f00dfeedbeef'",
    )
    .await;
    let err = embedded().adopt(&mut conn).await.expect_err("refused");
    assert!(
        matches!(&err, MigrateError::Refused(Refusal::UnknownRevision { revision }) if revision == "f00dfeedbeef"),
        "{err}"
    );
    let err = err.to_string();
    assert_eq!(
        err,
        "refusing to adopt: alembic_version is at f00dfeedbeef, which podium-migrate does not know \
         (it can adopt eb4f2bdf228a, 68760cdd30c1, e10bb6a39187, e5f6a7b8c9d0); nothing was changed"
    );
    // A revision between the 2025 ones and the April 2026 head is named, with what to do.
    exec(
        &mut conn,
        "UPDATE alembic_version SET version_num = '434e824c2c24'",
    )
    .await;
    let err = embedded().adopt(&mut conn).await.expect_err("refused");
    assert!(
        matches!(&err, MigrateError::Refused(Refusal::UnsupportedRevision { revision }) if revision == "434e824c2c24"),
        "{err}"
    );
    let err = err.to_string();
    assert_eq!(
        err,
        "refusing to adopt: alembic_version is at 434e824c2c24, between the revisions podium-migrate \
         can adopt (eb4f2bdf228a, 68760cdd30c1, e10bb6a39187, e5f6a7b8c9d0); upgrade it to e5f6a7b8c9d0 \
         with the original's Alembic first; nothing was changed"
    );
    assert!(history(&mut conn).await.is_empty());

    let empty = TestDb::new().await;
    let mut empty_conn = empty.connect().await;
    let err = embedded()
        .adopt(&mut empty_conn)
        .await
        .expect_err("refused")
        .to_string();
    assert!(err.contains("there is no alembic_version table"), "{err}");
}

/// A database at the original's April 2026 head, with rows in every table.
async fn april_2026_database(db: &TestDb) -> sqlx::PgConnection {
    let mut conn = db.connect().await;
    exec(&mut conn, crate::cutover::ORIGINAL).await;
    let snapshot = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/migrations/src/alembic_e5f6a7b8c9d0.txt"
    );
    if blessing() {
        std::fs::write(snapshot, fingerprint(&mut conn).await.to_string()).expect("write snapshot");
    }
    exec(
        &mut conn,
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country, dob, is_superadmin) VALUES
           ('11111111-1111-4111-8111-111111111111', 'orga@example.com', 'Orga N.', 'Orga', 'Nizer', '+1 555', '1 Main St', '', 'Burlington', 'VT', '05401', 'US', '1990-02-03', true),
           ('22222222-2222-4222-8222-222222222222', 'hacker@example.com', 'Hack', 'Hack', '', '', '', '', '', '', '', '', NULL, false),
           ('33333333-3333-4333-8333-333333333333', 'mate@example.com', 'Team M.', 'Team', 'Mate', '', '', '', '', '', '', 'DE', NULL, false);
         INSERT INTO events (id, name, slug, description, demo_links_optional, feature_flags_csv, owner_id, phase, repo_validation, demo_validation, custom_validator, deleted_at, require_ysws_pii) VALUES
           ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'Café Hack', 'cafe-hack-wAWMCw', 'It''s a hack', true, 'flagship', '11111111-1111-4111-8111-111111111111', 'voting', 'github', 'itch', NULL, NULL, true),
           ('abababab-abab-4bab-8bab-abababababab', 'Old', 'old-I4fd_Q', '', false, '', '11111111-1111-4111-8111-111111111111', 'closed', 'custom', 'custom', 'sleepover', '2026-04-01 12:00:00+00', false);
         INSERT INTO event_attendees (event_id, user_id) VALUES
           ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '22222222-2222-4222-8222-222222222222'),
           ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '33333333-3333-4333-8333-333333333333');
         INSERT INTO projects (id, name, repo, image_url, demo, description, join_code, hours_spent, owner_id, event_id, validation_status, validation_message) VALUES
           ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'Robot', 'https://github.com/x/y', 'https://cdn.hackclub.com/019dca36-2c32-7627-9db0-e574d55fba28/image.png', '', '', 'kw7n', 3, '22222222-2222-4222-8222-222222222222', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'warning', 'Repository URL must be a GitHub URL (e.g. github.com/owner/repo).'),
           ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'Other', '', '', '', '', 'PJ02', 0, '33333333-3333-4333-8333-333333333333', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'valid', '');
         INSERT INTO project_collaborators (project_id, user_id) VALUES
           ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', '33333333-3333-4333-8333-333333333333');
         INSERT INTO referrals (id, content, user_id, event_id) VALUES
           ('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'Joined from link', '22222222-2222-4222-8222-222222222222', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
         INSERT INTO votes (id, voter_id, project_id, event_id) VALUES
           ('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', '22222222-2222-4222-8222-222222222222', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'),
           ('efefefef-efef-4fef-8fef-efefefefefef', '11111111-1111-4111-8111-111111111111', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');",
    )
    .await;
    conn
}

/// Every row of `table`, as JSON, with only the given columns (the ones both schemas have).
async fn columns(conn: &mut sqlx::PgConnection, table: &str, columns: &str) -> String {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT coalesce(json_agg(t ORDER BY t.id), '[]')::text FROM (SELECT {columns} FROM {table}) t"
    )))
    .fetch_one(conn)
    .await
    .expect("read rows")
}

#[tokio::test]
async fn adopt_converts_the_originals_april_2026_database_keeping_every_row() {
    let db = TestDb::new().await;
    let mut conn = april_2026_database(&db).await;
    let kept = [
        (
            "users",
            "id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country, dob, is_superadmin",
        ),
        (
            "events",
            "id, name, slug, description, demo_links_optional, feature_flags_csv, owner_id, phase, repo_validation, demo_validation, custom_validator, deleted_at, require_ysws_pii",
        ),
        ("event_attendees", "id, event_id, user_id"),
        (
            "projects",
            "id, name, repo, image_url, demo, description, join_code, hours_spent, owner_id, event_id, validation_status, validation_message",
        ),
        ("project_collaborators", "id, project_id, user_id"),
        ("referrals", "id, content, user_id, event_id"),
        ("votes", "id, voter_id, project_id, event_id"),
    ];
    let mut before = Vec::new();
    for (table, cols) in kept {
        before.push(columns(&mut conn, table, cols).await);
    }
    let migrator = embedded();
    let report = migrator.adopt(&mut conn).await.expect("adopt");
    assert_eq!(
        (
            report.alembic_revision.as_str(),
            report.marked_applied.as_slice()
        ),
        ("e5f6a7b8c9d0", &[1, 2, 3, 4, 5, 6, 7, 8][..])
    );
    migrator
        .verify(&mut conn)
        .await
        .expect("verify clean after adopt");
    for ((table, cols), rows_before) in kept.iter().zip(&before) {
        assert_eq!(
            &columns(&mut conn, table, cols).await,
            rows_before,
            "rows of {table} kept"
        );
    }
    let codes: Vec<String> = sqlx::query_scalar("SELECT join_code FROM events ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .expect("codes");
    assert_eq!(codes.len(), 2);
    assert_ne!(codes[0], codes[1]);
    assert!(
        codes.iter().all(|c| c.len() == 4
            && c.chars().all(|ch| ch.is_ascii_uppercase()
                || ch.is_ascii_digit()
                || ch == '-'
                || ch == '_')),
        "{codes:?}"
    );
    let points: Vec<(String, i32)> =
        sqlx::query_as("SELECT name, points FROM projects ORDER BY name")
            .fetch_all(&mut conn)
            .await
            .expect("points");
    assert_eq!(points, [("Other".to_owned(), 2), ("Robot".to_owned(), 0)]);
    let stamped: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM users WHERE airtable_id IS NOT NULL)
              + (SELECT count(*) FROM events WHERE airtable_id IS NOT NULL)
              + (SELECT count(*) FROM projects WHERE airtable_id IS NOT NULL OR cached_auto_quality IS NOT NULL)",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(stamped, 0);
    // Ours from here: the cascade holds, and the next migrations (if any) apply.
    migrator.up(&mut conn, None).await.expect("up");
    exec(&mut conn, "DELETE FROM events").await;
    assert_eq!(rows(&mut conn, "votes").await, "[]");
}

#[tokio::test]
async fn adopting_an_april_2026_database_refuses_drift_unfitting_rows_and_intermediate_revisions() {
    let db = TestDb::new().await;
    let mut conn = april_2026_database(&db).await;
    // A row our CHECK constraints refuse (the original stored any phase).
    exec(
        &mut conn,
        "UPDATE events SET phase = 'bogus' WHERE slug = 'old-I4fd_Q'",
    )
    .await;
    let schema_before = fingerprint(&mut conn).await;
    let err = embedded().adopt(&mut conn).await.expect_err("refused");
    assert!(
        matches!(&err, MigrateError::Refused(Refusal::ValuesDoNotFit { command: "adopt", values, .. }) if values.len() == 1),
        "{err}"
    );
    let err = err.to_string();
    assert!(
        err.starts_with("refusing to adopt e5f6a7b8c9d0: 1 value(s) do not fit our schema; nothing was changed")
            && err.contains("events row abababab-abab-4bab-8bab-abababababab, column phase: 'bogus' is a value our schema does not know"),
        "{err}"
    );
    assert_eq!(
        fingerprint(&mut conn).await,
        schema_before,
        "nothing changed"
    );
    assert!(history(&mut conn).await.is_empty());
    exec(&mut conn, "UPDATE events SET phase = 'closed'").await;

    exec(&mut conn, "ALTER TABLE events ADD COLUMN join_code text").await;
    let err = embedded().adopt(&mut conn).await.expect_err("refused");
    assert!(
        matches!(&err, MigrateError::Refused(Refusal::SchemaDrift { revision, .. }) if revision == "e5f6a7b8c9d0"),
        "{err}"
    );
    let err = err.to_string();
    assert!(
        err.starts_with(
            "refusing to adopt: alembic_version says e5f6a7b8c9d0, but the schema differs"
        ) && err.contains("join_code"),
        "{err}"
    );
    exec(&mut conn, "ALTER TABLE events DROP COLUMN join_code").await;

    exec(
        &mut conn,
        "UPDATE alembic_version SET version_num = 'a1b2c3d4e5f6'",
    )
    .await;
    let err = embedded()
        .adopt(&mut conn)
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        err.contains("a1b2c3d4e5f6") && err.contains("upgrade it to e5f6a7b8c9d0"),
        "{err}"
    );
    assert!(history(&mut conn).await.is_empty());
    assert!(!lock_is_held(&mut conn).await);
}

#[tokio::test]
async fn verify_sees_a_changed_body_of_a_sql_standard_function() {
    // `RETURN …` bodies have no `prosrc`: the fingerprint hashes the parsed body instead, so a
    // function rewritten by hand is drift like any other.
    let db = TestDb::migrated().await;
    let mut conn = db.connect().await;
    embedded().verify(&mut conn).await.expect("clean");
    exec(
        &mut conn,
        "CREATE OR REPLACE FUNCTION max_votes_per_user(project_count bigint) RETURNS bigint
         LANGUAGE sql IMMUTABLE RETURN 99",
    )
    .await;
    let problems = embedded()
        .verify(&mut conn)
        .await
        .expect_err("drift")
        .to_string();
    assert!(
        problems.contains("- function max_votes_per_user(project_count bigint)")
            && problems.contains("+ function max_votes_per_user(project_count bigint)"),
        "{problems}"
    );
}
