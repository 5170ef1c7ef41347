//! The cut-over both ways against a real PostgreSQL: the original's database adopted, written
//! through our API and handed back (`unadopt`) with exactly the schema its Alembic builds; ours
//! handed back and adopted again from the archive; dry runs; refusals that change nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use axum::http::{Method, StatusCode};
use podium_migrations::{
    ALEMBIC_MARKER, AdoptOptions, Archive, MigrateError, Migration, MigrationSet, Migrator,
    Refusal, SchemaFingerprint, UnadoptOptions, UnadoptReport,
};
use podium_testing::TestDb;
use serde_json::{Value, json};
use sqlx::PgConnection;

use crate::helpers::{TestApp, access_token};
use crate::helpers::{exec, fingerprint, lock_is_held, settings};

/// The original's schema at its head, as its Alembic leaves it (Appendix A).
pub const ORIGINAL: &str = include_str!("../../shared/migrations/src/original_e5f6a7b8c9d0.sql");

/// Rows in every table of the original's schema with the awkward values real data has: unicode
/// in every text column, every length at its maximum, NULL wherever allowed, a soft-deleted
/// event, a superadmin, referrals, collaborators, votes.
pub const AWKWARD_ROWS: &str = "
INSERT INTO users VALUES
  ('11111111-1111-4111-8111-111111111111', 'orga@example.com', '✨ Ōrgå 漢字 👩🏽‍💻', repeat('é', 50), repeat('ß', 50),
   '+49 (0) 30 ☎ 12', repeat('街', 255), 'Hinterhaus, 2. OG', repeat('ü', 100), 'Zürich', 'A1B 2C3', 'Österreich',
   '2008-02-29', true),
  ('22222222-2222-4222-8222-222222222222', repeat('h', 243) || '@example.com', '', '', '', '', '', '', '', '', '', '', NULL, false),
  ('33333333-3333-4333-8333-333333333333', 'mate@example.com', 'Team M.', 'Team', 'Mate', '', '', '', '', '', '', 'DE', NULL, false);
INSERT INTO events (id, name, slug, description, demo_links_optional, feature_flags_csv, owner_id, phase,
                    repo_validation, demo_validation, custom_validator, deleted_at, require_ysws_pii) VALUES
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', repeat('Café ', 51), repeat('s', 50), E'Line one\\nline \"two\" ''quoted'' 🎉',
   true, 'flagship, beta', '11111111-1111-4111-8111-111111111111', 'voting', 'github', 'itch', NULL, NULL, false),
  ('abababab-abab-4bab-8bab-abababababab', 'Old', 'old-I4fd_Q', '', false, repeat('f', 500),
   '11111111-1111-4111-8111-111111111111', 'closed', 'custom', 'custom', repeat('v', 50), '2026-04-01 12:00:00.123456+00', true),
  ('acacacac-acac-4cac-8cac-acacacacacac', '草稿', 'draft-x', '', false, '', '33333333-3333-4333-8333-333333333333',
   'draft', 'none', 'none', NULL, NULL, false);
INSERT INTO event_attendees (event_id, user_id, id) VALUES
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '22222222-2222-4222-8222-222222222222', 'a1a1a1a1-0000-4000-8000-000000000001'),
  ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', '33333333-3333-4333-8333-333333333333', 'a1a1a1a1-0000-4000-8000-000000000002'),
  ('abababab-abab-4bab-8bab-abababababab', '22222222-2222-4222-8222-222222222222', 'a1a1a1a1-0000-4000-8000-000000000003');
INSERT INTO projects VALUES
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', repeat('ロボット', 63) || 'abc', 'https://github.com/x/' || repeat('long', 500),
   'https://cdn.hackclub.com/019dca36/image.png', '', repeat('Ω', 2000), repeat('J', 20), -3,
   '22222222-2222-4222-8222-222222222222', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'warning', 'Repository URL must be a GitHub URL ✗'),
  ('cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'Other', '', '', '', '', 'PJ02', 0,
   '33333333-3333-4333-8333-333333333333', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'valid', ''),
  ('cdcdcdcd-cdcd-4dcd-8dcd-cdcdcdcdcdcd', 'Archived one', '', '', '', '', 'PJ03', 2147483647,
   '22222222-2222-4222-8222-222222222222', 'abababab-abab-4bab-8bab-abababababab', 'pending', '');
INSERT INTO project_collaborators (project_id, user_id, id) VALUES
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', '33333333-3333-4333-8333-333333333333', 'c1c1c1c1-0000-4000-8000-000000000001');
INSERT INTO referrals VALUES
  ('dddddddd-dddd-4ddd-8ddd-dddddddddddd', 'Joined from link 🔗 «friend»', '22222222-2222-4222-8222-222222222222', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
INSERT INTO votes VALUES
  ('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', '22222222-2222-4222-8222-222222222222', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'),
  ('efefefef-efef-4fef-8fef-efefefefefef', '11111111-1111-4111-8111-111111111111', 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa');
";

fn migrator() -> Migrator {
    Migrator::embedded(settings())
}

/// A database as the original's own Alembic leaves it at its head, with the awkward rows.
pub async fn original_database() -> (TestDb, PgConnection) {
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    exec(&mut conn, ORIGINAL).await;
    exec(&mut conn, AWKWARD_ROWS).await;
    (db, conn)
}

/// Every row of every table (bookkeeping included), as JSON per table, in a stable order.
pub async fn snapshot(conn: &mut PgConnection) -> BTreeMap<String, String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("tables");
    let mut out = BTreeMap::new();
    for table in tables {
        let rows: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT coalesce(json_agg(x ORDER BY x::text), '[]')::text FROM (SELECT to_jsonb(t) x FROM \"{table}\" t) s"
        )))
        .fetch_one(&mut *conn)
        .await
        .expect("rows");
        out.insert(table, rows);
    }
    out
}

/// The rows of one table of a snapshot, each as its JSON text.
fn row_set(snapshot: &BTreeMap<String, String>, table: &str) -> BTreeSet<String> {
    let rows: Vec<Value> = serde_json::from_str(&snapshot[table]).expect("json");
    rows.iter().map(Value::to_string).collect()
}

/// `pg_dump --schema-only` of a database, without what differs between any two dumps (the
/// `\restrict` key newer pg_dump writes).
pub fn schema_dump(db: &TestDb) -> String {
    let output = std::process::Command::new(pg_dump())
        .args(["--schema-only", "--no-owner", "--no-privileges", "-d"])
        .arg(db.url().expose())
        .output()
        .expect("run pg_dump");
    assert!(
        output.status.success(),
        "pg_dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn pg_dump() -> PathBuf {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin/pg_dump"))
        .filter(|p| p.exists())
        .collect();
    candidates.sort_by_key(|p| {
        p.components()
            .nth(4)
            .and_then(|c| c.as_os_str().to_str()?.parse::<u32>().ok())
            .unwrap_or(0)
    });
    candidates.pop().unwrap_or_else(|| PathBuf::from("pg_dump"))
}

/// A fresh path for an archive in a scratch directory of this test.
fn archive_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("podium-cutover-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(name)
}

/// `unadopt` with a new archive at `path`, by `migrator`.
async fn unadopt_with(
    migrator: &Migrator,
    conn: &mut PgConnection,
    path: &Path,
) -> Result<UnadoptReport, MigrateError> {
    let mut file = std::fs::File::create_new(path).expect("new archive");
    let options = UnadoptOptions {
        dry_run: false,
        archive: Some(&mut file),
    };
    migrator.unadopt(conn, options).await
}

async fn unadopt_into(conn: &mut PgConnection, path: &Path) -> UnadoptReport {
    unadopt_with(&migrator(), conn, path)
        .await
        .expect("unadopt")
}

fn read_archive(path: &Path) -> Archive {
    Archive::read(std::io::BufReader::new(
        std::fs::File::open(path).expect("open archive"),
    ))
    .expect("read archive")
}

async fn alembic_version(conn: &mut PgConnection) -> Vec<String> {
    sqlx::query_scalar("SELECT version_num::text FROM alembic_version")
        .fetch_all(conn)
        .await
        .expect("alembic_version")
}

#[tokio::test]
async fn a_database_adopted_written_through_our_api_and_handed_back_is_the_original_plus_exactly_those_writes()
 {
    let (db, mut conn) = original_database().await;
    let before = snapshot(&mut conn).await;
    let reference = TestDb::new().await;
    exec(&mut reference.connect().await, ORIGINAL).await;

    let report = migrator().adopt(&mut conn).await.expect("adopt");
    assert_eq!(report.rows["votes"], 2);
    assert_eq!(alembic_version(&mut conn).await, [ALEMBIC_MARKER]);
    let code: String = sqlx::query_scalar(
        "SELECT join_code FROM events WHERE id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("code");
    drop(conn);

    // The operator's next step, then the product in use: a signup, an event, a join, a
    // project, a vote, through the real routes.
    let t = TestApp::over(db).await;
    let (newcomer, newcomer_id) = t.person("new.comer@example.com").await;
    let orga = access_token("orga@example.com");
    let (event, _) = t.event(&orga, "Made on ours ✓").await;
    t.attend(&newcomer, &code).await;
    let (project, _) = t
        .project(
            &newcomer,
            "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa".parse().expect("id"),
            "Newcomer's",
        )
        .await;
    let mate = access_token("mate@example.com");
    let (status, body) = t
        .call(
            t.events(),
            Method::POST,
            "/events/vote",
            Some(json!({"event": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "projects": [project]})),
            Some(&mate),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let mut conn = t.db.connect().await;
    let path = archive_path("archive.jsonl");
    let report = unadopt_into(&mut conn, &path).await;
    assert_eq!(report.alembic_revision, "e5f6a7b8c9d0");
    assert_eq!(alembic_version(&mut conn).await, ["e5f6a7b8c9d0"]);
    assert_eq!(
        schema_dump(&t.db),
        schema_dump(&reference),
        "the schema is the original's, to the letter"
    );

    let after = snapshot(&mut conn).await;
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "the original's tables and no others"
    );
    let mut added: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for table in before.keys().filter(|t| *t != "alembic_version") {
        let (old, new) = (row_set(&before, table), row_set(&after, table));
        assert!(
            old.is_subset(&new),
            "every row of {table} kept as it was: missing {:?}",
            old.difference(&new).collect::<Vec<_>>()
        );
        added.insert(
            table,
            new.difference(&old)
                .map(|r| serde_json::from_str(r).expect("json"))
                .collect(),
        );
    }
    let ids = |table: &str, key: &str| -> BTreeSet<String> {
        added[table]
            .iter()
            .map(|r| r[key].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        ids("users", "email"),
        BTreeSet::from(["new.comer@example.com".to_owned()])
    );
    assert_eq!(ids("events", "id"), BTreeSet::from([event.to_string()]));
    assert_eq!(ids("projects", "id"), BTreeSet::from([project.to_string()]));
    assert_eq!(
        added["votes"]
            .iter()
            .map(|v| (
                v["voter_id"].as_str().unwrap_or_default(),
                v["project_id"].as_str().unwrap_or_default()
            ))
            .collect::<Vec<_>>(),
        [(
            "33333333-3333-4333-8333-333333333333",
            project.to_string().as_str()
        )]
    );
    assert!(
        added["event_attendees"]
            .iter()
            .any(|a| a["user_id"] == json!(newcomer_id)
                && a["event_id"] == json!("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa")),
        "{:?}",
        added["event_attendees"]
    );
    assert!(added["project_collaborators"].is_empty() && added["referrals"].len() <= 1);

    // What the original has no place for went to the archive: our own tables and columns.
    let archive = read_archive(&path);
    assert_eq!(
        archive.header.schema_version,
        migrator().set().latest_version()
    );
    let counts = archive.counts();
    assert_eq!(counts["events"], 4, "every event's join code");
    assert_eq!(counts["projects"], 4, "every project's points");
    assert_eq!(
        counts["_sqlx_migrations"],
        migrator().set().iter().count() as u64,
        "when each migration first ran"
    );
    let written: BTreeMap<String, u64> = report
        .archived
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(written, counts);
    assert!(!lock_is_held(&mut conn).await);
}

/// Our own data in every table and column the original lacks.
const OURS_ROWS: &str = "
UPDATE users SET airtable_id = 'recUser' || substr(md5(email), 1, 9);
UPDATE events SET airtable_id = 'recEvent000000001', ysws_checks_enabled = true, live_leaderboard = true
  WHERE id = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
UPDATE projects SET airtable_id = 'recProj' || substr(md5(id::text), 1, 9), cached_auto_quality = '{\"valid\": true, \"notes\": [\"ünï\"]}';
UPDATE votes SET airtable_id = 'recVote000000001' WHERE id = 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee';
UPDATE referrals SET airtable_id = 'recRef0000000001';
UPDATE votes SET cast_at = '2026-04-18 12:05:00.123456+00' WHERE id = 'efefefef-efef-4fef-8fef-efefefefefef';
UPDATE event_attendees SET joined_at = '2026-04-18 11:58:30.5+00' WHERE id = 'a1a1a1a1-0000-4000-8000-000000000002';
INSERT INTO audit_log (actor_id, actor, action, event_id, subject_user_id, before, after) VALUES
  ('11111111-1111-4111-8111-111111111111', 'orga@example.com', 'event.update', 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', NULL,
   '{\"phase\": \"submission\"}', '{\"phase\": \"voting\", \"name\": \"Café ✓\"}'),
  (NULL, 'command line', 'user.grant_superadmin', NULL, '11111111-1111-4111-8111-111111111111', NULL, NULL);
INSERT INTO rate_limit_hits (bucket, hit_at) VALUES ('signup:203.0.113.0/24', '2026-11-30 10:00:00.654321+00'), ('validate:x', now());
INSERT INTO login_requests (email, requested_at) VALUES ('orga@example.com', '2026-11-29 08:00:00+00');
INSERT INTO magic_link_redemptions (token_sha256, email, expires_at) VALUES
  (sha256('a token'), 'orga@example.com', '2026-12-01 00:00:00+00');
INSERT INTO validation_jobs (project_id, generation, attempts, last_error) VALUES
  ('bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 3, 2, 'GitHub answered 502 ✗');
";

/// A database of ours at the head, with the awkward rows and our own data everywhere.
pub async fn ours_database() -> (TestDb, PgConnection) {
    let (db, mut conn) = original_database().await;
    migrator().adopt(&mut conn).await.expect("adopt");
    migrator().up(&mut conn, None).await.expect("up");
    exec(&mut conn, OURS_ROWS).await;
    (db, conn)
}

#[tokio::test]
async fn adopting_leaves_when_votes_were_cast_and_attendees_joined_unknown_and_new_rows_get_a_time()
{
    let (_db, mut conn) = original_database().await;
    migrator().adopt(&mut conn).await.expect("adopt");
    migrator().up(&mut conn, None).await.expect("up");
    let known: (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(cast_at) FROM votes), (SELECT count(joined_at) FROM event_attendees)",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(known, (0, 0), "the original's rows have no times");
    exec(
        &mut conn,
        "INSERT INTO event_attendees (event_id, user_id) VALUES
           ('acacacac-acac-4cac-8cac-acacacacacac', '22222222-2222-4222-8222-222222222222')",
    )
    .await;
    let fresh: bool = sqlx::query_scalar(
        "SELECT joined_at > now() - interval '1 minute' FROM event_attendees
         WHERE event_id = 'acacacac-acac-4cac-8cac-acacacacacac'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("joined_at");
    assert!(fresh, "a new attendee gets the time they joined");
}

#[tokio::test]
async fn ours_handed_back_and_adopted_again_from_its_archive_is_ours_again_twice_in_a_row() {
    let (_db, mut conn) = ours_database().await;
    let mut ours = snapshot(&mut conn).await;
    ours.remove("alembic_version");
    for round in 1..=2 {
        let path = archive_path("archive.jsonl");
        unadopt_into(&mut conn, &path).await;
        assert!(
            !snapshot(&mut conn).await.contains_key("audit_log"),
            "round {round}: our own tables are gone from the original's database"
        );
        let options = AdoptOptions {
            dry_run: false,
            archive: Some(read_archive(&path)),
        };
        let report = migrator()
            .adopt_with(&mut conn, options)
            .await
            .expect("adopt from the archive");
        assert!(
            report.pending.is_empty(),
            "round {round}: {:?}",
            report.pending
        );
        assert!(
            report.changes.is_empty(),
            "round {round}: {:?}",
            report.changes
        );
        let restored = report.restored.expect("restored");
        assert!(
            restored.not_restored.values().all(|n| *n == 0),
            "round {round}: {restored:?}"
        );
        migrator().verify(&mut conn).await.expect("verify");
        let mut again = snapshot(&mut conn).await;
        assert_eq!(
            again.remove("alembic_version").as_deref(),
            Some(format!("[{{\"version_num\": \"{ALEMBIC_MARKER}\"}}]").as_str())
        );
        for (table, rows) in &ours {
            assert_eq!(&again[table], rows, "round {round}: {table} is ours again");
        }
        assert_eq!(again.len(), ours.len());
    }
    // Identity sequences go on past the restored rows.
    exec(
        &mut conn,
        "INSERT INTO login_requests (email) VALUES ('next@example.com')",
    )
    .await;
}

#[tokio::test]
async fn archived_rows_whose_row_is_gone_from_the_originals_data_are_left_out_or_unlinked() {
    let (_db, mut conn) = ours_database().await;
    let path = archive_path("archive.jsonl");
    unadopt_into(&mut conn, &path).await;
    // Meanwhile, on the original: the project with a validation job and the audited actor go.
    exec(
        &mut conn,
        "DELETE FROM project_collaborators WHERE project_id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
         DELETE FROM projects WHERE id = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
         UPDATE events SET owner_id = '33333333-3333-4333-8333-333333333333';
         DELETE FROM votes WHERE voter_id = '11111111-1111-4111-8111-111111111111';
         DELETE FROM users WHERE id = '11111111-1111-4111-8111-111111111111';",
    )
    .await;
    let options = AdoptOptions {
        dry_run: false,
        archive: Some(read_archive(&path)),
    };
    let report = migrator()
        .adopt_with(&mut conn, options)
        .await
        .expect("adopt");
    let restored = report.restored.expect("restored");
    assert_eq!(restored.not_restored["validation_jobs"], 1);
    assert_eq!(restored.not_restored["projects"], 1);
    assert_eq!(restored.not_restored["users"], 1);
    assert_eq!(
        restored.restored["audit_log"], 2,
        "kept, with the actor emptied"
    );
    let actors: Vec<Option<String>> =
        sqlx::query_scalar("SELECT actor_id::text FROM audit_log ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .expect("audit");
    assert_eq!(actors, [None, None]);
    // Points are the votes the original kept: Other lost the organizer's.
    let points: i32 = sqlx::query_scalar(
        "SELECT points FROM projects WHERE id = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("points");
    assert_eq!(points, 1);
    assert!(
        report.changes.iter().any(|c| c.column == "points"
            && c.row == "cccccccc-cccc-4ccc-8ccc-cccccccccccc"
            && c.from.as_deref() == Some("2")
            && c.to.as_deref() == Some("1")),
        "{:?}",
        report.changes
    );
    migrator().verify(&mut conn).await.expect("verify");
}

#[tokio::test]
async fn dry_runs_report_what_would_happen_and_change_nothing() {
    let (_db, mut conn) = ours_database().await;
    // A stored count the original would show differently (it counts the votes).
    exec(
        &mut conn,
        "UPDATE projects SET points = 5 WHERE id = 'cdcdcdcd-cdcd-4dcd-8dcd-cdcdcdcdcdcd'",
    )
    .await;
    let (schema, rows) = (fingerprint(&mut conn).await, snapshot(&mut conn).await);
    let report = migrator()
        .unadopt(
            &mut conn,
            UnadoptOptions {
                dry_run: true,
                archive: None,
            },
        )
        .await
        .expect("dry run");
    assert!(report.dry_run && report.refusals.is_empty(), "{report:?}");
    assert_eq!(report.rows["events"], 3);
    assert_eq!(report.rows["votes"], 2);
    assert_eq!(report.archived["audit_log"], 2);
    assert_eq!(report.archived["events"], 3);
    assert_eq!(report.archived_values["users.airtable_id"], 3);
    assert_eq!(report.archived_values["events.live_leaderboard"], 1);
    assert_eq!(report.archived_values["events.join_code"], 3);
    assert_eq!(
        report
            .changes
            .iter()
            .map(|c| (c.row.as_str(), c.from.as_deref(), c.to.as_deref()))
            .collect::<Vec<_>>(),
        [("cdcdcdcd-cdcd-4dcd-8dcd-cdcdcdcdcdcd", Some("5"), Some("0"))]
    );
    assert_eq!(fingerprint(&mut conn).await, schema);
    assert_eq!(snapshot(&mut conn).await, rows);
    assert!(!lock_is_held(&mut conn).await);

    let (_db, mut conn) = original_database().await;
    let rows = snapshot(&mut conn).await;
    let report = migrator()
        .adopt_with(
            &mut conn,
            AdoptOptions {
                dry_run: true,
                archive: None,
            },
        )
        .await
        .expect("dry run");
    assert!(report.dry_run && report.refusals.is_empty(), "{report:?}");
    assert_eq!(report.marked_applied, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(report.rows["projects"], 3);
    let drawn: Vec<&str> = report
        .changes
        .iter()
        .filter(|c| c.column == "join_code" && c.from.is_none())
        .map(|c| c.row.as_str())
        .collect();
    assert_eq!(
        drawn,
        [
            "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
            "abababab-abab-4bab-8bab-abababababab",
            "acacacac-acac-4cac-8cac-acacacacacac"
        ]
    );
    assert_eq!(snapshot(&mut conn).await, rows, "still the original's");
}

#[tokio::test]
async fn unadopt_refuses_changing_nothing_a_database_not_at_the_head_drifted_or_locked() {
    let db = TestDb::migrated().await;
    let mut conn = db.connect().await;
    let unadopt =
        async |conn: &mut PgConnection, path: &Path| unadopt_with(&migrator(), conn, path).await;

    migrator()
        .down(&mut conn, podium_migrations::DownTarget::Steps(1))
        .await
        .expect("down");
    let before = fingerprint(&mut conn).await;
    let err = unadopt(&mut conn, &archive_path("a"))
        .await
        .expect_err("refused");
    let text = err.to_string();
    assert!(
        matches!(err, MigrateError::Refused(Refusal::NotAtHead(_)))
            && text
                .starts_with("refusing to unadopt: the database is not at podium-migrate's head")
            && text.contains("run `migrate up` first"),
        "{text}"
    );
    assert_eq!(fingerprint(&mut conn).await, before);
    migrator().up(&mut conn, None).await.expect("up");

    exec(&mut conn, "ALTER TABLE events ADD COLUMN extra text").await;
    let text = unadopt(&mut conn, &archive_path("a"))
        .await
        .expect_err("refused")
        .to_string();
    assert!(
        text.contains("+ column events.018 extra text null"),
        "{text}"
    );
    exec(&mut conn, "ALTER TABLE events DROP COLUMN extra").await;

    let mut holder = db.connect().await;
    podium_migrations::acquire_lock(&mut holder, std::time::Duration::from_secs(1))
        .await
        .expect("lock");
    let impatient = Migrator::embedded(podium_migrations::Settings {
        lock_wait: std::time::Duration::from_millis(200),
        ..settings()
    });
    let err = unadopt_with(&impatient, &mut conn, &archive_path("a"))
        .await
        .expect_err("locked");
    assert!(matches!(err, MigrateError::LockTimeout { .. }), "{err}");
    drop(holder);
    migrator().verify(&mut conn).await.expect("still ours");
}

#[tokio::test]
async fn unadopt_refuses_values_the_originals_columns_cannot_hold_naming_table_row_and_column() {
    // A later migration of ours that widens a column and frees a value set the original keeps:
    // the conversion must then check every row against the original's columns.
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    let latest = MigrationSet::embedded().latest_version();
    let mut wider = Migration::from_sql(
        latest + 1,
        "wider_names",
        "ALTER TABLE events ALTER COLUMN name TYPE character varying(300);
         ALTER TABLE events DROP CONSTRAINT events_phase_check;",
        "ALTER TABLE events ALTER COLUMN name TYPE character varying(255);",
    );
    let plain = Migrator::new(MigrationSet::embedded(), settings());
    plain.up(&mut conn, None).await.expect("up");
    exec(
        &mut conn,
        "ALTER TABLE events ALTER COLUMN name TYPE character varying(300);
         ALTER TABLE events DROP CONSTRAINT events_phase_check;",
    )
    .await;
    wider.schema = Some(
        SchemaFingerprint::read(&mut conn)
            .await
            .expect("fp")
            .to_string()
            .into(),
    );
    exec(
        &mut conn,
        "ALTER TABLE events ALTER COLUMN name TYPE character varying(255);
         ALTER TABLE events ADD CONSTRAINT events_phase_check CHECK (phase IN ('draft', 'submission', 'voting', 'closed'));",
    )
    .await;
    let later = Migrator::new(
        MigrationSet::embedded().with(wider).expect("set"),
        settings(),
    );
    later
        .up(&mut conn, None)
        .await
        .expect("up to the later one");
    exec(
        &mut conn,
        "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country)
           VALUES ('11111111-1111-4111-8111-111111111111', 'o@example.com', '', '', '', '', '', '', '', '', '', '');
         INSERT INTO events (id, name, slug, description, join_code, demo_links_optional, ysws_checks_enabled, feature_flags_csv, owner_id, phase)
           VALUES ('aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', repeat('n', 300), 'long', '', 'AAAA', false, false, '', '11111111-1111-4111-8111-111111111111', 'judging');",
    )
    .await;
    let before = snapshot(&mut conn).await;
    let report = later
        .unadopt(
            &mut conn,
            UnadoptOptions {
                dry_run: true,
                archive: None,
            },
        )
        .await
        .expect("dry run reports");
    let refusal = report.refusals.join("\n");
    assert!(
        refusal.contains("events row aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa, column name:")
            && refusal.contains("holds more than 255 characters")
            && refusal.contains("events row aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa, column phase: 'judging' is a value the original does not know"),
        "{refusal}"
    );
    let err = unadopt_with(&later, &mut conn, &archive_path("a"))
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, MigrateError::Refused(Refusal::ValuesDoNotFit { command: "unadopt to", values, .. }) if values.len() == 2),
        "{err}"
    );
    let err = err.to_string();
    assert!(
        err.starts_with("refusing to unadopt to e5f6a7b8c9d0: 2 value(s) do not fit"),
        "{err}"
    );
    assert_eq!(snapshot(&mut conn).await, before, "nothing changed");
}

#[tokio::test]
async fn adopt_marks_the_database_ours_so_the_originals_alembic_refuses_it_and_unadopt_puts_the_revision_back()
 {
    // The marker is no revision of the original's (its Alembic then stops with "Can't locate
    // revision identified by …"), fits alembic_version, and says who holds the database.
    assert!(ALEMBIC_MARKER.len() <= 32 && ALEMBIC_MARKER.contains("podium_rs"));
    assert!(
        !podium_migrations::ALEMBIC_REVISIONS
            .iter()
            .any(|(r, _)| *r == ALEMBIC_MARKER)
    );
    let db = TestDb::new().await;
    let mut conn = db.connect().await;
    exec(
        &mut conn,
        include_str!("../fixtures/alembic_e10bb6a39187.sql"),
    )
    .await;
    migrator().adopt(&mut conn).await.expect("adopt");
    assert_eq!(alembic_version(&mut conn).await, [ALEMBIC_MARKER]);
    migrator().up(&mut conn, None).await.expect("up");
    unadopt_into(&mut conn, &archive_path("a")).await;
    assert_eq!(alembic_version(&mut conn).await, ["e5f6a7b8c9d0"]);

    // A database that started on ours (no alembic_version at all) is handed back the same way.
    let fresh = TestDb::migrated().await;
    let mut conn = fresh.connect().await;
    unadopt_into(&mut conn, &archive_path("a")).await;
    assert_eq!(alembic_version(&mut conn).await, ["e5f6a7b8c9d0"]);
    let reference = TestDb::new().await;
    exec(&mut reference.connect().await, ORIGINAL).await;
    assert_eq!(schema_dump(&fresh), schema_dump(&reference));
}

#[tokio::test]
async fn a_database_restored_from_a_dump_of_ours_verifies_clean_and_can_be_handed_back() {
    // PostgreSQL prints the IN-list CHECK constraints of a restored database differently from
    // the ones the migrations made; verify (and so unadopt) must not take that for drift.
    let (db, conn) = ours_database().await;
    drop(conn);
    let copy = TestDb::new().await;
    let dump = std::process::Command::new(pg_dump())
        .args(["--no-owner", "-d"])
        .arg(db.url().expose())
        .output()
        .expect("pg_dump");
    assert!(dump.status.success());
    let psql = pg_dump().with_file_name("psql");
    let mut restore = std::process::Command::new(if psql.exists() { psql } else { "psql".into() })
        .args(["-q", "-X", "-v", "ON_ERROR_STOP=1", "-d"])
        .arg(copy.url().expose())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("psql");
    use std::io::Write as _;
    restore
        .stdin
        .take()
        .expect("stdin")
        .write_all(&dump.stdout)
        .expect("restore");
    assert!(restore.wait().expect("psql").success());
    let mut conn = copy.connect().await;
    migrator()
        .verify(&mut conn)
        .await
        .expect("verify a restored copy");
    unadopt_into(&mut conn, &archive_path("a")).await;
}

#[test]
fn the_values_adopt_accepts_for_the_original_s_enum_columns_are_our_enums_names() {
    let known = |table: &str, column: &str| -> Vec<&str> {
        let (_, _, values) = podium_migrations::cutover::KNOWN_VALUES
            .iter()
            .find(|(t, c, _)| *t == table && *c == column)
            .expect("listed");
        values.to_vec()
    };
    assert_eq!(known("events", "phase"), podium_data::Phase::NAMES);
    assert_eq!(
        known("events", "repo_validation"),
        podium_data::RepoValidation::NAMES
    );
    assert_eq!(
        known("events", "demo_validation"),
        podium_data::DemoValidation::NAMES
    );
}
