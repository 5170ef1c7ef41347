//! The backfill against a real PostgreSQL (a fresh database per test) and a fake Airtable in the
//! test process that pages, rate-limits with 429 and serves a generated data set with every kind
//! of mess.

mod support;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use backfill::report::Report;
use backfill::{BackfillError, From, Options, progress, run};
use podium_runtime::Vars;
use podium_testing::TestDb;
use podium_testing::lambda::LambdaProcess;
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, PgConnection};
use support::dataset::{self, Dataset};
use support::fake::{self, FakeAirtable};

fn vars(db: &TestDb, extra: Vec<(String, String)>) -> Vars {
    let mut pairs = vec![(
        "PODIUM_DATABASE_URL".to_owned(),
        db.url().expose().to_owned(),
    )];
    pairs.extend(extra);
    Vars::from_pairs(pairs)
}

async fn import(
    db: &TestDb,
    airtable: &FakeAirtable,
    dry_run: bool,
) -> Result<Report, BackfillError> {
    let options = Options {
        from: From::Airtable,
        dry_run,
    };
    run(
        &options,
        &vars(db, airtable.env()),
        &mut progress::Log::default(),
    )
    .await
}

/// Every row the import writes, in a stable order, as JSON text (ids included: they derive
/// from the record ids, so equal databases give equal text).
async fn dump(conn: &mut PgConnection) -> String {
    let mut out = String::new();
    for (table, order) in [
        ("users", "id"),
        ("events", "id"),
        ("projects", "id"),
        ("referrals", "id"),
        ("votes", "id"),
        ("event_attendees", "event_id, user_id"),
        ("project_collaborators", "project_id, user_id"),
    ] {
        let columns = if table.ends_with("attendees") {
            "event_id, user_id"
        } else if table.ends_with("collaborators") {
            "project_id, user_id"
        } else {
            "*"
        };
        let rows: String = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT coalesce(json_agg(t), '[]')::text FROM (SELECT {columns} FROM {table} ORDER BY {order}) t"
        )))
        .fetch_one(&mut *conn)
        .await
        .expect("dump");
        out.push_str(table);
        out.push_str(&rows);
        out.push('\n');
    }
    out
}

async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(AssertSqlSafe(sql.to_owned()))
        .fetch_one(conn)
        .await
        .expect("count")
}

fn problem_counts(report: &Report) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for p in &report.problems {
        let kind = serde_json::to_value(p.kind).expect("kind");
        *counts
            .entry(kind.as_str().unwrap_or_default().to_owned())
            .or_default() += p.count;
    }
    counts
}

fn assert_matches_dataset(report: &Report, data: &Dataset) {
    for line in &report.lines {
        let expected = data.lines[line.name];
        assert_eq!(line.source, expected.source, "source of {}", line.name);
        assert_eq!(
            line.in_database, expected.in_database,
            "in database: {line:?}"
        );
        assert_eq!(line.unexplained, 0, "{line:?}");
    }
    let expected: BTreeMap<String, usize> = data
        .problems
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    assert_eq!(problem_counts(report), expected);
    assert!(report.ok);
}

#[tokio::test]
async fn a_full_import_stores_every_clean_record_and_reports_every_problem_by_kind() {
    let db = TestDb::migrated().await;
    let data = dataset::generate(dataset::TEST);
    let airtable = FakeAirtable::start(&data.tables).await;
    airtable.inject_429(&[2, 7]);
    let started = Instant::now();

    let report = import(&db, &airtable, false).await.expect("import");

    assert_matches_dataset(&report, &data);
    let line = |name: &str| {
        report
            .lines
            .iter()
            .find(|l| l.name == name)
            .cloned()
            .expect("line")
    };
    assert_eq!(
        line("users").inserted,
        data.lines["users"].in_database as u64
    );
    assert_eq!(
        line("users").merged,
        data.problems["duplicate_email"] as u64
    );
    // Paging through the offset token, 100 records a page: 3 + 1 + 2 + 1 + 3 pages, plus the
    // two answered 429 and retried.
    assert_eq!(airtable.requests(), 12);
    assert_eq!(airtable.page_sizes(), [Some("100".to_owned())].into());
    assert_eq!(report.throttled, 2);
    assert_eq!(airtable.answered_429(), 2);
    // At most 5 requests a second: 10 paced requests cannot take less than 9 intervals.
    assert!(
        airtable.busiest_second() <= 5,
        "{}",
        airtable.busiest_second()
    );
    assert!(started.elapsed() >= Duration::from_millis(9 * 200));

    let mut conn = db.connect().await;
    let total = |table: &str| format!("SELECT count(*) FROM {table}");
    assert_eq!(
        count(&mut conn, &total("users")).await,
        data.lines["users"].in_database
    );
    assert_eq!(
        count(&mut conn, &total("votes")).await,
        data.lines["votes"].in_database
    );
    assert_eq!(
        count(&mut conn, &total("event_attendees")).await,
        data.lines["event_attendees"].in_database
    );
    // When an imported vote was cast or an attendee joined is not known: never the import's time.
    assert_eq!(
        count(
            &mut conn,
            "SELECT (SELECT count(cast_at) FROM votes) + (SELECT count(joined_at) FROM event_attendees)"
        )
        .await,
        0
    );
    // Mixed-case emails are stored trimmed and lower-cased; the duplicate became no second row.
    let (email, city_len, dob): (String, i32, Option<chrono::NaiveDate>) = sqlx::query_as(
        "SELECT email, length(city), dob FROM users WHERE airtable_id = 'recU00011'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("user 11");
    assert_eq!(
        (email.as_str(), city_len, dob),
        ("user11@example.com", 0, None)
    );
    let city: i32 = count(&mut conn, "SELECT max(length(city))::bigint FROM users")
        .await
        .try_into()
        .expect("small");
    assert_eq!(city, 100);
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) FROM users WHERE airtable_id = 'recU00057'"
        )
        .await,
        0,
        "the duplicate of user 56 is not a row"
    );
    // Quality JSON text became an object; invalid text became NULL.
    let quality: Option<Value> = sqlx::query_scalar(
        "SELECT cached_auto_quality FROM projects WHERE airtable_id = 'recP0004'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("project 4");
    assert_eq!(quality, Some(json!({"score": 4})));
    let quality: Option<Value> = sqlx::query_scalar(
        "SELECT cached_auto_quality FROM projects WHERE airtable_id = 'recP0005'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("project 5");
    assert_eq!(quality, None);
    // Both spellings of the feature flags; the duplicate slug got a suffix.
    let flags: Vec<(String, String)> = sqlx::query_as(
        "SELECT airtable_id, feature_flags_csv FROM events WHERE airtable_id IN ('recE0002', 'recE0008', 'recE0004') ORDER BY airtable_id",
    )
    .fetch_all(&mut conn)
    .await
    .expect("flags");
    assert_eq!(
        flags,
        [
            ("recE0002".to_owned(), "alpha,beta".to_owned()),
            ("recE0004".to_owned(), "alpha".to_owned()),
            ("recE0008".to_owned(), "gamma,delta".to_owned())
        ]
    );
    let slug: String = sqlx::query_scalar("SELECT slug FROM events WHERE airtable_id = 'recE0021'")
        .fetch_one(&mut conn)
        .await
        .expect("event 21");
    assert!(slug.starts_with("event-20-") && slug.len() <= 50, "{slug}");
}

/// A request held up on the way (by a busy machine or network) shrinks the gap Airtable sees
/// between it and the requests after it; Airtable then answers 429 and imposes 30 seconds of
/// penalty. The pacing waits on answers, which arrive after Airtable counted their request.
#[tokio::test]
async fn requests_delayed_up_to_80_ms_on_the_way_never_make_airtable_answer_429() {
    let db = TestDb::migrated().await;
    let data = dataset::generate(dataset::TEST);
    let airtable = FakeAirtable::start(&data.tables).await;
    // The first of every six requests is the slowest: the worst case for a window of five.
    airtable.delay_arrivals(&[80, 0, 40, 10, 70, 0, 30, 60, 0, 20, 80, 5]);

    let report = import(&db, &airtable, false).await.expect("import");

    assert_matches_dataset(&report, &data);
    assert_eq!(
        (airtable.answered_429(), report.throttled),
        (0, 0),
        "Airtable saw {} requests within one second",
        airtable.busiest_second()
    );
    assert_eq!(airtable.requests(), 10);
}

/// Delays of hundreds of milliseconds, uneven, both on the way in and on the way back: no margin
/// on send times bounds when Airtable counts a request, but a request sent a second after the
/// answer to the one five before it arrived is counted a second after that one was. In every
/// twelve, a request held 600 ms (or 450 ms) on the way in and answered at once is followed by
/// five quick ones: paced by send times, the fifth of them arrives within Airtable's second of
/// the held one; the slow answers (450 ms, 300 ms) fall on the requests just before.
#[tokio::test]
async fn requests_and_answers_delayed_by_hundreds_of_ms_never_make_airtable_answer_429() {
    let db = TestDb::migrated().await;
    let data = dataset::generate(dataset::TEST);
    let airtable = FakeAirtable::start(&data.tables).await;
    airtable.delay_arrivals(&[600, 0, 20, 0, 10, 0, 450, 10, 0, 30, 0, 5]);
    airtable.delay_responses(&[0, 10, 0, 20, 0, 450, 0, 0, 10, 0, 30, 300]);

    let report = import(&db, &airtable, false).await.expect("import");

    assert_matches_dataset(&report, &data);
    assert_eq!(
        (airtable.answered_429(), report.throttled),
        (0, 0),
        "Airtable saw {} requests within one second",
        airtable.busiest_second()
    );
    assert!(
        airtable.busiest_second() <= 5,
        "{}",
        airtable.busiest_second()
    );
    assert_eq!(airtable.requests(), 10);
    assert_eq!(report.requests, 10);
}

#[tokio::test]
async fn a_second_run_changes_nothing_and_inserts_nothing() {
    let db = TestDb::migrated().await;
    let data = dataset::generate(dataset::TEST);
    let airtable = FakeAirtable::start(&data.tables).await;
    import(&db, &airtable, false).await.expect("first run");
    let mut conn = db.connect().await;
    let before = dump(&mut conn).await;

    let again = import(&db, &airtable, false).await.expect("second run");

    assert_eq!(dump(&mut conn).await, before);
    assert_matches_dataset(&again, &data);
    for line in &again.lines {
        assert_eq!((line.inserted, line.adopted), (0, 0), "{line:?}");
    }
}

#[tokio::test]
async fn a_dry_run_reports_the_import_and_writes_nothing() {
    let db = TestDb::migrated().await;
    let data = dataset::generate(dataset::TEST);
    let airtable = FakeAirtable::start(&data.tables).await;
    let mut conn = db.connect().await;
    let empty = dump(&mut conn).await;

    let report = import(&db, &airtable, true).await.expect("dry run");

    assert!(report.dry_run);
    assert_matches_dataset(&report, &data);
    assert_eq!(dump(&mut conn).await, empty);
    assert_eq!(count(&mut conn, "SELECT count(*) FROM users").await, 0);
}

#[tokio::test]
async fn the_csv_export_gives_the_same_database_as_the_api() {
    let data = dataset::generate(dataset::TEST);
    let from_api = TestDb::migrated().await;
    let airtable = FakeAirtable::start(&data.tables).await;
    import(&from_api, &airtable, false).await.expect("api run");

    let dir = std::env::temp_dir().join(format!("podium-csv-{}", uuid::Uuid::new_v4().simple()));
    dataset::write_csv(&data, &dir);
    let from_csv = TestDb::migrated().await;
    let options = Options {
        from: From::Csv(dir.clone()),
        dry_run: false,
    };
    let report = run(
        &options,
        &vars(&from_csv, Vec::new()),
        &mut progress::Log::default(),
    )
    .await
    .expect("csv run");
    let _ = std::fs::remove_dir_all(&dir);

    assert_eq!(report.source, "csv");
    assert_matches_dataset(&report, &data);
    let (mut api, mut csv) = (from_api.connect().await, from_csv.connect().await);
    assert_eq!(dump(&mut csv).await, dump(&mut api).await);
}

#[tokio::test]
async fn a_run_killed_half_way_then_run_again_ends_like_one_clean_run() {
    let data = dataset::generate(dataset::TEST);
    let clean = TestDb::migrated().await;
    let airtable = FakeAirtable::start(&data.tables).await;
    import(&clean, &airtable, false).await.expect("clean run");

    let db = TestDb::migrated().await;
    let stuck = FakeAirtable::start(&data.tables).await;
    stuck.hang_on("projects", 1);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_backfill"))
        .args(["--from", "airtable"])
        .env_remove("DATABASE_URL")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("PODIUM_DATABASE_URL", db.url().expose())
        .envs(stuck.env())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start backfill");
    tokio::time::timeout(Duration::from_secs(60), stuck.hung())
        .await
        .expect("the run reached the second page of projects");
    child.kill().await.expect("kill");
    let mut conn = db.connect().await;
    let partial = dump(&mut conn).await;
    let projects = count(&mut conn, "SELECT count(*) FROM projects").await;
    assert!(
        projects > 0 && projects < data.lines["projects"].in_database,
        "{projects}"
    );
    assert_eq!(count(&mut conn, "SELECT count(*) FROM votes").await, 0);
    assert_ne!(partial, dump(&mut clean.connect().await).await);

    let resumed = FakeAirtable::start(&data.tables).await;
    let report = import(&db, &resumed, false).await.expect("resumed run");

    assert_matches_dataset(&report, &data);
    assert_eq!(
        dump(&mut conn).await,
        dump(&mut clean.connect().await).await
    );
}

#[tokio::test]
async fn rows_created_through_the_api_are_kept_and_matching_ones_adopted_not_duplicated() {
    let db = TestDb::migrated().await;
    let data = dataset::generate(dataset::TEST);
    let mut conn = db.connect().await;
    // API rows: the owner of user 0's email (signed up again), an event with event 0's slug, a
    // project with project 0's join code, and an unrelated user with a vote of their own.
    let api_user = uuid::Uuid::new_v4();
    let stranger = uuid::Uuid::new_v4();
    let api_event = uuid::Uuid::new_v4();
    let api_project = uuid::Uuid::new_v4();
    let other_event = uuid::Uuid::new_v4();
    let statements = [
        format!(
            "INSERT INTO users (id, email, display_name, first_name, last_name, phone, street_1, street_2, city, state, zip_code, country) VALUES ('{api_user}', 'user0@example.com', 'Signed up', 'Api', '', '', '', '', '', '', '', ''), ('{stranger}', 'stranger@example.com', 'Stranger', 'S', '', '', '', '', '', '', '', '')"
        ),
        format!(
            "INSERT INTO events (id, name, slug, description, join_code, phase, demo_links_optional, ysws_checks_enabled, feature_flags_csv, owner_id) VALUES ('{api_event}', 'API event', 'event-0', 'made in the app', 'APIEV', 'voting', false, false, '', '{api_user}'), ('{other_event}', 'Other', 'api-other', '', 'APIOT', 'voting', false, false, '', '{api_user}')"
        ),
        format!(
            "INSERT INTO projects (id, name, repo, image_url, demo, description, join_code, hours_spent, points, owner_id, event_id) VALUES ('{api_project}', 'API project', '', '', '', '', 'P0000', 1, 7, '{stranger}', '{other_event}')"
        ),
        format!(
            "INSERT INTO votes (id, voter_id, project_id, event_id) VALUES (gen_random_uuid(), '{stranger}', '{api_project}', '{other_event}')"
        ),
    ];
    for sql in &statements {
        sqlx::raw_sql(AssertSqlSafe(sql.clone()))
            .execute(&mut conn)
            .await
            .expect("API rows");
    }
    let api_rows = "SELECT json_agg(t ORDER BY t.id)::text FROM (
        SELECT id, email AS a, display_name AS b, first_name AS c FROM users WHERE id IN ($1, $2)
        UNION ALL SELECT id, name, slug, join_code FROM events WHERE id = $3
        UNION ALL SELECT id, name, join_code, points::text FROM projects WHERE id = $4) t";
    let read_api_rows = async |conn: &mut PgConnection| -> String {
        sqlx::query_scalar(api_rows)
            .bind(api_user)
            .bind(stranger)
            .bind(api_event)
            .bind(api_project)
            .fetch_one(conn)
            .await
            .expect("API rows")
    };
    let before = read_api_rows(&mut conn).await;
    let airtable = FakeAirtable::start(&data.tables).await;

    let report = import(&db, &airtable, false).await.expect("import");

    assert!(report.ok);
    let line = |name: &str| {
        report
            .lines
            .iter()
            .find(|l| l.name == name)
            .cloned()
            .expect("line")
    };
    assert_eq!(
        (
            line("users").adopted,
            line("events").adopted,
            line("projects").adopted
        ),
        (1, 1, 1)
    );
    // Nothing the API wrote changed (adoption only stamps airtable_id) …
    assert_eq!(read_api_rows(&mut conn).await, before);
    let stamps: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT airtable_id FROM users WHERE id = $1 UNION ALL SELECT airtable_id FROM users WHERE id = $2
         UNION ALL SELECT airtable_id FROM events WHERE id = $3 UNION ALL SELECT airtable_id FROM projects WHERE id = $4",
    )
    .bind(api_user)
    .bind(stranger)
    .bind(api_event)
    .bind(api_project)
    .fetch_all(&mut conn)
    .await
    .expect("stamps");
    assert_eq!(
        stamps,
        [
            Some("recU00000".into()),
            None,
            Some("recE0000".into()),
            Some("recP0000".into())
        ]
    );
    // … no duplicates: one user per email, one event per slug, the API's vote kept.
    assert_eq!(
        count(&mut conn, "SELECT count(*) FROM users").await,
        data.lines["users"].in_database + 1
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) FROM events WHERE slug = 'event-0'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &mut conn,
            &format!("SELECT count(*) FROM votes WHERE voter_id = '{stranger}'")
        )
        .await,
        1
    );
    // Votes for the adopted project take the event it has, not the one its record names.
    let project_votes = format!("SELECT count(*) FROM votes WHERE project_id = '{api_project}'");
    assert!(count(&mut conn, &project_votes).await > 1);
    assert_eq!(
        count(
            &mut conn,
            &format!("{project_votes} AND event_id <> '{other_event}'")
        )
        .await,
        0
    );
    // Links of adopted rows point at the API's rows.
    assert!(
        count(
            &mut conn,
            &format!("SELECT count(*) FROM event_attendees WHERE event_id = '{api_event}'")
        )
        .await
            > 0
    );

    let before_second = dump(&mut conn).await;
    import(&db, &airtable, false).await.expect("second run");
    assert_eq!(dump(&mut conn).await, before_second);
}

#[tokio::test]
async fn a_difference_nobody_explains_fails_the_verification() {
    let db = TestDb::migrated().await;
    let data = dataset::generate(dataset::TEST);
    let airtable = FakeAirtable::start(&data.tables).await;
    let mut conn = db.connect().await;
    // Someone deletes a referral while the votes are imported.
    sqlx::raw_sql(
        "CREATE FUNCTION lose_a_referral() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN DELETE FROM referrals WHERE airtable_id = 'recR00001'; RETURN NULL; END $$;
         CREATE TRIGGER lose_a_referral AFTER INSERT ON votes FOR EACH STATEMENT EXECUTE FUNCTION lose_a_referral();",
    )
    .execute(&mut conn)
    .await
    .expect("trigger");

    let failed = import(&db, &airtable, false).await;

    let Err(BackfillError::Unverified(report)) = failed else {
        panic!("expected a failed verification, got {failed:?}");
    };
    assert!(!report.ok);
    let referrals = report
        .lines
        .iter()
        .find(|l| l.name == "referrals")
        .expect("line");
    assert_eq!(referrals.unexplained, 1);
    assert_eq!(
        BackfillError::Unverified(report).to_string(),
        "verification failed: the database differs from the source beyond the reported problems (referrals -1)"
    );
}

#[tokio::test]
async fn airtable_refusals_stop_the_run_with_a_clear_message_and_never_show_the_token() {
    let db = TestDb::migrated().await;
    let data = dataset::generate(dataset::TEST);
    let airtable = FakeAirtable::start(&data.tables).await;
    let run_with = async |change: (&str, &str)| -> String {
        let mut env = airtable.env();
        env.retain(|(k, _)| k != change.0);
        env.push((change.0.to_owned(), change.1.to_owned()));
        let options = Options {
            from: From::Airtable,
            dry_run: false,
        };
        let err = run(&options, &vars(&db, env), &mut progress::Log::default())
            .await
            .expect_err("refused");
        let text = format!("{err} {err:?}");
        assert!(
            !text.contains(fake::TOKEN) && !text.contains("wrong-token"),
            "{text}"
        );
        err.to_string()
    };

    assert_eq!(
        run_with(("PODIUM_AIRTABLE_TOKEN", "wrong-token")).await,
        "Airtable answered 401 Unauthorized for the users table: PODIUM_AIRTABLE_TOKEN is missing, wrong or expired"
    );
    assert_eq!(
        run_with(("PODIUM_AIRTABLE_VOTES_TABLE_ID", "tblNOSUCH")).await,
        format!(
            "Airtable answered 404 Not Found for the votes table: no such base or table; check PODIUM_AIRTABLE_BASE_ID ({}) and PODIUM_AIRTABLE_VOTES_TABLE_ID (tblNOSUCH)",
            fake::BASE
        )
    );
    assert_eq!(
        run_with(("PODIUM_AIRTABLE_BASE_ID", "")).await,
        "PODIUM_AIRTABLE_BASE_ID is not set"
    );
    airtable.always_429();
    assert_eq!(
        run_with(("PODIUM_AIRTABLE_RETRY_WAIT", "0.01")).await,
        "Airtable still refused a page of the users table after 5 retries (rate limit, server or network errors)"
    );
}

#[tokio::test]
async fn another_run_in_progress_is_refused() {
    let db = TestDb::migrated().await;
    let data = dataset::generate(dataset::TEST);
    let airtable = FakeAirtable::start(&data.tables).await;
    let mut holder = db.connect().await;
    assert!(
        podium_data::import::try_lock(&mut holder)
            .await
            .expect("lock")
    );

    let refused = import(&db, &airtable, false).await.expect_err("locked");

    assert_eq!(
        refused.to_string(),
        "another backfill is running against this database"
    );
    assert_eq!(airtable.requests(), 0);
}

#[tokio::test]
async fn the_lambda_takes_the_options_as_json_and_answers_the_report() {
    let db = TestDb::migrated().await;
    let data = dataset::generate(dataset::TEST);
    let airtable = FakeAirtable::start(&data.tables).await;
    let mut env: Vec<(String, String)> = airtable.env();
    env.push(("PODIUM_DATABASE_URL".into(), db.url().expose().to_owned()));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut lambda = LambdaProcess::start(env!("CARGO_BIN_EXE_backfill"), &env).await;

    let dry = lambda
        .invoke(json!({"from": "airtable", "dry_run": true}))
        .await;
    assert_eq!(dry.kind, "response", "{:?}", dry.body);
    assert_eq!(dry.body["dry_run"], true);
    assert_eq!(
        count(&mut db.connect().await, "SELECT count(*) FROM users").await,
        0
    );

    let done = lambda.invoke(json!({"from": "airtable"})).await;
    assert_eq!(done.kind, "response", "{:?}", done.body);
    assert_eq!(done.body["ok"], true);
    let users = done.body["lines"]
        .as_array()
        .and_then(|l| l.iter().find(|l| l["name"] == "users"))
        .expect("users line");
    assert_eq!(users["in_database"], data.lines["users"].in_database);

    let bad = lambda.invoke(json!({"from": "csv"})).await;
    assert_eq!(bad.kind, "error");
    assert!(
        bad.body.to_string().contains("csv needs `dir`"),
        "{}",
        bad.body
    );
    let logs = lambda.stop();
    assert!(!logs.contains(fake::TOKEN), "the token leaked: {logs}");
}
