//! The operator console (tools/console): the UI driven key by key through ratatui's test
//! backend against a real database (screens read as text), the subcommands' shared operations,
//! the user erasure, the seed and the test-data commands. The run in a real pseudo-terminal is
//! in `console_pty.rs`.

use axum::http::{Method, StatusCode};
use podium_console::ops::Ops;
use podium_console::ui::{App, Status};
use podium_data::audit::Actor;
use podium_data::{EventId, UserId};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;

use crate::helpers::TestApp;

pub const ACTOR: &str = "console:alice@laptop";

fn ops(t: &TestApp) -> Ops {
    Ops {
        pool: t.state.pool.clone(),
        actor: Actor::console("alice", "laptop"),
        series: "test-series".to_owned(),
    }
}

async fn app(t: &TestApp) -> App {
    let mut app = App::new(ops(t), "localhost/podium".to_owned());
    app.refresh().await;
    app
}

/// The screen at 80×24, one string per row.
fn screen(app: &App) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    terminal.draw(|f| app.render(f)).expect("draw");
    podium_console::screen_text(terminal.backend().buffer())
}

fn shows(app: &App, text: &str) -> bool {
    screen(app).iter().any(|row| row.contains(text))
}

async fn press(app: &mut App, code: KeyCode) {
    app.handle_key(KeyEvent::new(code, KeyModifiers::NONE))
        .await;
}

async fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c)).await;
    }
}

fn info(app: &App) -> String {
    match app.status() {
        Status::Info(t) => t.clone(),
        Status::Error(e) => panic!("expected no error, the status says {e}"),
    }
}

fn error(app: &App) -> String {
    match app.status() {
        Status::Error(e) => e.clone(),
        Status::Info(t) => panic!("expected an error, the status says {t}"),
    }
}

/// The audit log through `GET /superadmin/audit`: (actor, action, before, after), newest first.
pub async fn audit(t: &TestApp) -> Vec<(String, String, Value, Value)> {
    let (token, _) = t.superadmin_person("auditor@example.com").await;
    let (status, body) = t
        .call(
            t.superadmin(),
            Method::GET,
            "/superadmin/audit?size=100",
            None,
            Some(&token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().expect("actor").to_owned(),
                e["action"].as_str().expect("action").to_owned(),
                e["before"].clone(),
                e["after"].clone(),
            )
        })
        .collect()
}

async fn event_id(t: &TestApp, slug: &str) -> Option<EventId> {
    sqlx::query_scalar("SELECT id FROM events WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&t.state.pool)
        .await
        .expect("event by slug")
}

#[tokio::test]
async fn the_events_tab_at_80_by_24_shows_phase_series_owner_counts_and_soft_deleted_events_as_such()
 {
    let t = TestApp::new().await;
    let (ada, _) = t.person("ada@example.com").await;
    let (bob, _) = t.person("bob@example.com").await;
    let (jam, code) = t.event(&ada, "Spring Jam").await;
    t.attend(&bob, &code).await;
    t.project(&bob, jam, "Rover").await;
    let (old, _) = t.event(&ada, "Old Fair").await;
    podium_data::superadmin::soft_delete_event(&t.state.pool, &Actor::command_line(), old)
        .await
        .expect("soft delete");
    let app = app(&t).await;
    let rows = screen(&app);
    assert_eq!(rows.len(), 24);
    assert_eq!(
        rows[0],
        " Podium console  localhost/podium · as console:alice@laptop"
    );
    assert!(
        rows[1].contains("Events (2)") && rows[1].contains("Users (2)"),
        "{rows:#?}"
    );
    assert_eq!(rows[2], " / to filter");
    assert!(
        rows[3].starts_with("Name") && rows[3].ends_with(" Att Proj"),
        "{rows:#?}"
    );
    let jam_row = rows
        .iter()
        .find(|r| r.contains("Spring Jam"))
        .expect("jam row");
    for cell in ["spring-jam", "submission", "ada@example.com", "   1    1"] {
        assert!(jam_row.contains(cell), "{cell} missing in {jam_row:?}");
    }
    let old_row = rows
        .iter()
        .find(|r| r.contains("Old Fair"))
        .expect("old row");
    assert!(
        old_row.contains("✗ Old Fair") && old_row.contains("deleted"),
        "{old_row:?}"
    );
    assert_eq!(rows[22], " Loaded 2 events, 2 users.");
    assert!(rows[23].starts_with(" n new a attendees p phase d delete u restore / filter"));
}

#[tokio::test]
async fn the_filter_narrows_as_you_type_and_esc_clears_it() {
    let t = TestApp::new().await;
    let (ada, _) = t.person("ada@example.com").await;
    t.event(&ada, "Spring Jam").await;
    t.event(&ada, "Autumn Hack").await;
    let mut app = app(&t).await;
    press(&mut app, KeyCode::Char('/')).await;
    keys(&mut app, "aut").await;
    assert!(shows(&app, " Filter: aut█"));
    assert!(shows(&app, "Autumn Hack") && !shows(&app, "Spring Jam"));
    press(&mut app, KeyCode::Enter).await;
    assert!(shows(&app, " Filter: aut  (/ change, Esc clear)"));
    press(&mut app, KeyCode::Esc).await;
    assert!(shows(&app, "Autumn Hack") && shows(&app, "Spring Jam"));
    press(&mut app, KeyCode::Tab).await;
    press(&mut app, KeyCode::Char('/')).await;
    keys(&mut app, "nobody").await;
    assert!(!shows(&app, "ada@example.com"));
}

#[tokio::test]
async fn a_new_event_gets_the_slugified_name_the_completed_owner_and_an_audit_row_naming_the_operator()
 {
    let t = TestApp::new().await;
    t.person("organizer@example.com").await;
    let mut app = app(&t).await;
    press(&mut app, KeyCode::Char('n')).await;
    keys(&mut app, "Spring Jam 2027").await;
    assert!(
        shows(&app, "spring-jam-2027"),
        "the slug field shows the default"
    );
    for _ in 0..4 {
        press(&mut app, KeyCode::Down).await;
    }
    keys(&mut app, "orga").await;
    assert!(shows(&app, "›Owner e-mail *  organizer@example.com"));
    press(&mut app, KeyCode::Tab).await;
    press(&mut app, KeyCode::Down).await;
    press(&mut app, KeyCode::Right).await;
    press(&mut app, KeyCode::Enter).await;
    let said = info(&app);
    assert!(
        said.starts_with("Created Spring Jam 2027 (spring-jam-2027), join code "),
        "{said}"
    );
    let row: (String, String, String) = sqlx::query_as(
        "SELECT e.phase, e.feature_flags_csv, u.email FROM events e JOIN users u ON u.id = e.owner_id
         WHERE e.slug = 'spring-jam-2027'",
    )
    .fetch_one(&t.state.pool)
    .await
    .expect("the event");
    assert_eq!(
        row,
        (
            "voting".to_owned(),
            "test-series".to_owned(),
            "organizer@example.com".to_owned()
        )
    );
    let log = audit(&t).await;
    assert_eq!(
        (log[0].0.as_str(), log[0].1.as_str()),
        (ACTOR, "event.create")
    );
    assert_eq!(log[0].3["slug"], "spring-jam-2027");
}

#[tokio::test]
async fn the_form_refuses_a_missing_owner_and_a_taken_slug_in_the_status_line_and_keeps_what_was_typed()
 {
    let t = TestApp::new().await;
    let (ada, _) = t.person("ada@example.com").await;
    t.event(&ada, "Spring Jam").await;
    let mut app = app(&t).await;
    press(&mut app, KeyCode::Char('n')).await;
    keys(&mut app, "Spring Jam").await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(error(&app), "error: the owner's e-mail is required");
    for _ in 0..4 {
        press(&mut app, KeyCode::Down).await;
    }
    keys(&mut app, "nobody@example.com").await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(
        error(&app),
        "error: no user has the e-mail nobody@example.com"
    );
    let owner = "nobody@example.com".len();
    for _ in 0..owner {
        press(&mut app, KeyCode::Backspace).await;
    }
    keys(&mut app, "ada@example.com").await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(
        error(&app),
        "error: an event already has the slug spring-jam"
    );
    assert!(shows(&app, " New event "), "the form stays open");
    press(&mut app, KeyCode::Esc).await;
    assert_eq!(info(&app), "Cancelled; nothing created.");
    assert_eq!(t.scalar("SELECT count(*) FROM events").await, 1);
}

#[tokio::test]
async fn attendees_are_added_by_e_mail_with_completion_removed_with_delete_and_each_change_is_audited()
 {
    let t = TestApp::new().await;
    let (ada, _) = t.person("ada@example.com").await;
    t.person("bob@example.com").await;
    let (jam, _) = t.event(&ada, "Spring Jam").await;
    let mut app = app(&t).await;
    press(&mut app, KeyCode::Char('a')).await;
    assert!(shows(&app, " Attendees of Spring Jam (0) "));
    keys(&mut app, "bo").await;
    press(&mut app, KeyCode::Tab).await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(info(&app), "Added bob@example.com.");
    assert!(shows(&app, " Attendees of Spring Jam (1) "));
    keys(&mut app, "bob@example.com").await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(
        info(&app),
        "bob@example.com already attends; nothing changed."
    );
    for _ in 0.."bob@example.com".len() {
        press(&mut app, KeyCode::Backspace).await;
    }
    keys(&mut app, "carol@example.com").await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(
        error(&app),
        "error: no user has the e-mail carol@example.com"
    );
    press(&mut app, KeyCode::Delete).await;
    assert_eq!(info(&app), "Removed bob@example.com.");
    press(&mut app, KeyCode::Esc).await;
    assert!(app.status() == &Status::Info("Loaded 1 event, 2 users.".to_owned()));
    let attending: i64 =
        sqlx::query_scalar("SELECT count(*) FROM event_attendees WHERE event_id = $1")
            .bind(jam)
            .fetch_one(&t.state.pool)
            .await
            .expect("count");
    assert_eq!(attending, 0);
    let log = audit(&t).await;
    let actions: Vec<(&str, &str)> = log.iter().map(|e| (e.0.as_str(), e.1.as_str())).collect();
    assert_eq!(
        actions[..2],
        [
            (ACTOR, "event.attendee_remove"),
            (ACTOR, "event.attendee_add")
        ]
    );
    assert_eq!(
        log[1].2,
        serde_json::json!({"email": "bob@example.com", "attending": false})
    );
    assert_eq!(
        log[1].3,
        serde_json::json!({"email": "bob@example.com", "attending": true})
    );
}

#[tokio::test]
async fn phase_soft_delete_restore_and_the_two_step_permanent_delete_are_audited_and_a_wrong_slug_deletes_nothing()
 {
    let t = TestApp::new().await;
    let (ada, _) = t.person("ada@example.com").await;
    let (jam, code) = t.event(&ada, "Spring Jam").await;
    let (bob, _) = t.person("bob@example.com").await;
    t.attend(&bob, &code).await;
    t.project(&bob, jam, "Rover").await;
    let mut app = app(&t).await;
    press(&mut app, KeyCode::Char('p')).await;
    assert!(shows(&app, " draft   submission   voting   closed "));
    press(&mut app, KeyCode::Right).await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(info(&app), "Spring Jam is now in voting.");
    press(&mut app, KeyCode::Char('u')).await;
    assert_eq!(error(&app), "error: Spring Jam is not soft-deleted");
    press(&mut app, KeyCode::Char('d')).await;
    assert!(shows(&app, " Soft-delete Spring Jam? "));
    press(&mut app, KeyCode::Char('y')).await;
    assert_eq!(
        info(&app),
        "Soft-deleted: hidden from everyone but its admins (u restores it)."
    );
    assert!(shows(&app, "✗ Spring Jam"));
    press(&mut app, KeyCode::Char('u')).await;
    assert_eq!(info(&app), "Restored Spring Jam.");
    let refused = ops(&t).delete_permanently(jam).await.expect_err("live");
    assert_eq!(
        refused.to_string(),
        "the event is not soft-deleted: soft-delete it first, then delete it for good"
    );
    press(&mut app, KeyCode::Char('d')).await;
    press(&mut app, KeyCode::Char('y')).await;
    press(&mut app, KeyCode::Char('d')).await;
    assert!(shows(&app, " Delete Spring Jam for good? "));
    press(&mut app, KeyCode::Enter).await;
    assert!(shows(&app, "Type the slug, spring-jam, then Enter."));
    keys(&mut app, "spring").await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(
        error(&app),
        "error: type spring-jam exactly to confirm, or Esc"
    );
    assert!(event_id(&t, "spring-jam").await.is_some());
    keys(&mut app, "-jam").await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(
        info(&app),
        "Deleted for good, with its projects, votes and attendees."
    );
    assert!(event_id(&t, "spring-jam").await.is_none());
    assert_eq!(t.scalar("SELECT count(*) FROM projects").await, 0);
    let log = audit(&t).await;
    let actions: Vec<&str> = log
        .iter()
        .filter(|e| e.0 == ACTOR)
        .map(|e| e.1.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "event.delete",
            "event.soft_delete",
            "event.restore",
            "event.soft_delete",
            "event.update"
        ]
    );
    assert_eq!(
        log[0].2["slug"], "spring-jam",
        "the delete keeps the event as it was"
    );
    assert_eq!(log[0].3, Value::Null);
}

#[tokio::test]
async fn superadmin_is_granted_and_revoked_from_the_users_tab_with_a_confirmation_and_audited() {
    let t = TestApp::new().await;
    t.person("bob@example.com").await;
    let mut app = app(&t).await;
    press(&mut app, KeyCode::Tab).await;
    assert!(screen(&app)[3].starts_with("E-mail"));
    press(&mut app, KeyCode::Char('s')).await;
    assert!(shows(&app, " Grant superadmin for bob@example.com? "));
    press(&mut app, KeyCode::Char('n')).await;
    assert_eq!(info(&app), "Cancelled; nothing changed.");
    press(&mut app, KeyCode::Char('s')).await;
    press(&mut app, KeyCode::Char('y')).await;
    assert_eq!(info(&app), "bob@example.com is now a superadmin.");
    assert!(
        screen(&app)
            .iter()
            .any(|r| r.starts_with("bob@example.com") && r.contains(" ✓ "))
    );
    press(&mut app, KeyCode::Char('s')).await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(info(&app), "bob@example.com is now not a superadmin.");
    press(&mut app, KeyCode::Char('n')).await;
    assert_eq!(error(&app), "error: n is a key of the Events tab");
    let log = audit(&t).await;
    let mine: Vec<&str> = log
        .iter()
        .filter(|e| e.0 == ACTOR)
        .map(|e| e.1.as_str())
        .collect();
    assert_eq!(mine, ["user.revoke_superadmin", "user.grant_superadmin"]);
}

/// Every row of every table of ours, as text, that holds `needle`: (table, row).
async fn rows_holding(t: &TestApp, needle: &str) -> Vec<(String, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(&t.state.pool)
    .await
    .expect("tables");
    let mut found = Vec::new();
    for table in tables {
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT t::text FROM \"{table}\" t WHERE strpos(lower(t::text), lower($1)) > 0"
        )))
        .bind(needle)
        .fetch_all(&t.state.pool)
        .await
        .expect("scan");
        found.extend(rows.into_iter().map(|r| (table.clone(), r)));
    }
    found
}

/// A victim with a bit of everything, among others: returns (victim id, the project they
/// voted for, a project in the victim's own event, the project that must keep its points).
pub(crate) async fn victim_with_everything(
    t: &TestApp,
) -> (UserId, podium_data::ProjectId, podium_data::ProjectId) {
    let (ada, _) = t.person("ada@example.com").await;
    let (vic, victim) = t.person("victim@example.com").await;
    let (bob, _) = t.person("bob@example.com").await;
    let (cy, _) = t.person("cy@example.com").await;
    // Ada's event: the victim attends (with a referral), owns a project with Cy as its
    // collaborator, collaborates on Bob's, and votes for Cy's.
    let (fair, fair_code) = t.event(&ada, "Science Fair").await;
    for token in [&vic, &bob, &cy] {
        t.attend(token, &fair_code).await;
    }
    sqlx::query("INSERT INTO referrals (id, content, user_id, event_id) VALUES (gen_random_uuid(), 'a friend', $1, $2)")
        .bind(victim)
        .bind(fair)
        .execute(&t.state.pool)
        .await
        .expect("referral");
    let (_, vic_code) = t.project(&vic, fair, "Victim's Robot").await;
    let (_, bob_code) = t.project(&bob, fair, "Bob's Kite").await;
    let (cys, _) = t.project(&cy, fair, "Cy's Garden").await;
    for (token, code) in [(&cy, &vic_code), (&vic, &bob_code)] {
        let (status, body) = t
            .call(
                t.projects(),
                Method::POST,
                &format!("/projects/join?join_code={code}"),
                None,
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    t.set_phase(fair, "voting", false).await;
    let vote = |token: String, event: EventId, project: podium_data::ProjectId| {
        let t = &t;
        async move {
            let (status, body) = t
                .call(
                    t.events(),
                    Method::POST,
                    "/events/vote",
                    Some(serde_json::json!({"event": event, "projects": [project]})),
                    Some(&token),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    vote(vic.clone(), fair, cys).await;
    vote(bob.clone(), fair, cys).await;
    // The victim's own event, with Bob's project in it and Cy's vote for it.
    let (own, own_code) = t.event(&vic, "Victim's Hackathon").await;
    t.attend(&bob, &own_code).await;
    t.attend(&cy, &own_code).await;
    let (inside, _) = t.project(&bob, own, "Inside Job").await;
    t.set_phase(own, "voting", false).await;
    vote(cy.clone(), own, inside).await;
    t.exec("INSERT INTO login_requests (email) VALUES ('victim@example.com')")
        .await;
    sqlx::query(
        "UPDATE users SET first_name = 'Vera', last_name = 'Vanish', display_name = 'Vera Vanish'
         WHERE id = $1",
    )
    .bind(victim)
    .execute(&t.state.pool)
    .await
    .expect("a name of her own");
    // Her sign-in traces: a redeemed magic link, a validation run and a wrong join-code guess.
    podium_data::magic_links::redeem(&t.state.pool, "a-token", "victim@example.com", None)
        .await
        .expect("redeem");
    for bucket in [
        format!("validation:{victim}"),
        format!("join-code:user:{victim}"),
    ] {
        sqlx::query("INSERT INTO rate_limit_hits (bucket) VALUES ($1)")
            .bind(bucket)
            .execute(&t.state.pool)
            .await
            .expect("rate-limit row");
    }
    // An event she once owned, handed to Ada by a superadmin: the audit row's before names her.
    let (gift, _) = t.event(&vic, "Handed Over").await;
    let transfer = podium_data::superadmin::update_event(
        &t.state.pool,
        &Actor::command_line(),
        gift,
        podium_data::events::EventChanges::default(),
        Some("ada@example.com"),
    )
    .await
    .expect("owner transfer");
    assert!(matches!(
        transfer,
        podium_data::superadmin::Updated::Event(_)
    ));
    (victim, cys, inside)
}

#[tokio::test]
async fn deleting_a_user_shows_what_goes_then_leaves_nothing_of_theirs_in_any_table_and_takes_their_votes_back()
 {
    let t = TestApp::new().await;
    let (victim, cys, inside) = victim_with_everything(&t).await;
    let points_before: Vec<(String, i32)> =
        sqlx::query_as("SELECT name, points FROM projects ORDER BY name")
            .fetch_all(&t.state.pool)
            .await
            .expect("points");
    assert_eq!(
        points_before,
        [
            ("Bob's Kite".to_owned(), 0),
            ("Cy's Garden".to_owned(), 2),
            ("Inside Job".to_owned(), 1),
            ("Victim's Robot".to_owned(), 0)
        ]
    );
    let mut app = app(&t).await;
    press(&mut app, KeyCode::Tab).await;
    press(&mut app, KeyCode::Char('/')).await;
    keys(&mut app, "victim").await;
    press(&mut app, KeyCode::Enter).await;
    press(&mut app, KeyCode::Char('d')).await;
    let rows = screen(&app);
    let expected = [
        " Vera Vanish <victim@example.com> and everything that is theirs:",
        "   1 event they own, with all in them:",
        "     Victim's Hackathon (victim-s-hackathon)",
        "       with 1 project, 2 attendees, 1 vote",
        "   1 project they own:",
        "     Victim's Robot in Science Fair: 0 points, 1 collaborator",
        "   1 vote cast (1 taken back from projects that stay):",
        "     for Cy's Garden in Science Fair  −1 point",
        "   1 attendance:",
        "     Science Fair (science-fair)",
        "   1 collaboration:",
        "     Bob's Kite in Science Fair",
        "   1 referral, 4 sign-in traces; their name leaves 1 audit row",
    ];
    for line in expected {
        assert!(
            rows.iter().any(|r| r.contains(line)),
            "{line:?} not on\n{}",
            rows.join("\n")
        );
    }
    keys(&mut app, "victim@example.co").await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(
        error(&app),
        "error: type victim@example.com exactly to confirm, or Esc"
    );
    keys(&mut app, "m").await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(
        info(&app),
        "Deleted victim@example.com: 1 event, 1 project, 1 vote (1 recounted), 1 attendance, 1 collaboration."
    );
    // Nothing names them; their id is left only in the audit row of the deletion itself.
    assert_eq!(rows_holding(&t, "victim@example.com").await, []);
    assert_eq!(rows_holding(&t, "Vanish").await, []);
    assert_eq!(rows_holding(&t, "Victim's").await, []);
    // The redeemed link keeps its row (it must not work twice), without her e-mail.
    assert_eq!(
        t.scalar("SELECT count(*) FROM magic_link_redemptions WHERE email = ''")
            .await,
        1
    );
    let left = rows_holding(&t, &victim.to_string()).await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].0, "audit_log");
    assert!(
        left[0].1.contains("user.delete") && left[0].1.contains(ACTOR),
        "{left:?}"
    );
    // Cy's Garden lost the victim's vote and kept Bob's; the victim's event went with Bob's
    // project in it; Bob's Kite stays, without its collaborator.
    let points_after: Vec<(String, i32)> =
        sqlx::query_as("SELECT name, points FROM projects ORDER BY name")
            .fetch_all(&t.state.pool)
            .await
            .expect("points");
    assert_eq!(
        points_after,
        [("Bob's Kite".to_owned(), 0), ("Cy's Garden".to_owned(), 1)]
    );
    let cys_votes: i64 = sqlx::query_scalar("SELECT count(*) FROM votes WHERE project_id = $1")
        .bind(cys)
        .fetch_one(&t.state.pool)
        .await
        .expect("votes");
    assert_eq!(cys_votes, 1);
    assert!(
        podium_data::projects::find(&t.state.pool, inside)
            .await
            .expect("find")
            .is_none()
    );
    let log = audit(&t).await;
    let deletion = log
        .iter()
        .find(|e| e.1 == "user.delete")
        .expect("the deletion's row");
    assert_eq!(deletion.0, ACTOR);
    assert_eq!(deletion.2["votes"], 1);
    assert_eq!(deletion.2["events"], 1);
}

#[tokio::test]
async fn a_plan_that_changed_before_the_confirmation_deletes_nothing_and_shows_what_would_go_now() {
    let t = TestApp::new().await;
    let (ada, _) = t.person("ada@example.com").await;
    let (vic, _) = t.person("victim@example.com").await;
    let (jam, code) = t.event(&ada, "Spring Jam").await;
    let mut app = app(&t).await;
    press(&mut app, KeyCode::Tab).await;
    press(&mut app, KeyCode::Down).await;
    press(&mut app, KeyCode::Char('d')).await;
    assert!(shows(&app, "   0 attendances:"));
    t.attend(&vic, &code).await;
    keys(&mut app, "victim@example.com").await;
    press(&mut app, KeyCode::Enter).await;
    assert_eq!(
        error(&app),
        "error: what would go changed meanwhile; check it again"
    );
    assert!(
        shows(&app, "     Spring Jam (spring-jam)"),
        "the new plan is shown"
    );
    assert_eq!(
        t.scalar("SELECT count(*) FROM users WHERE email = 'victim@example.com'")
            .await,
        1
    );
    press(&mut app, KeyCode::Esc).await;
    assert_eq!(info(&app), "Cancelled; nothing changed.");
    let _ = jam;
}

#[tokio::test]
async fn a_database_that_does_not_answer_is_an_error_in_the_status_line_not_a_crash() {
    let url: podium_data::DatabaseUrl = "postgres://nobody@127.0.0.1:1/none".parse().expect("url");
    let ops = Ops {
        pool: podium_data::db::lazy_pool(&url, "podium-console-test", 1),
        actor: Actor::console("alice", "laptop"),
        series: String::new(),
    };
    let mut app = App::new(ops, url.describe());
    app.refresh().await;
    assert!(
        error(&app).starts_with("error: database: "),
        "{:?}",
        app.status()
    );
    press(&mut app, KeyCode::Char('d')).await;
    assert_eq!(error(&app), "error: no event is selected");
    press(&mut app, KeyCode::Char('?')).await;
    let rows = screen(&app);
    assert!(rows.iter().any(|r| r.contains(" Keys ")), "{rows:#?}");
    press(&mut app, KeyCode::Char('x')).await;
    press(&mut app, KeyCode::Char('q')).await;
    assert!(app.should_quit());
}

#[tokio::test]
async fn the_seed_fills_a_demo_once_signs_in_through_the_api_and_is_refused_in_production_unless_forced()
 {
    let t = TestApp::new().await;
    let ops = ops(&t);
    let first = podium_console::seed::seed(&ops).await.expect("seed");
    assert_eq!(first.users.len(), 13);
    assert_eq!(
        first.events,
        [
            "demo-kickoff",
            "demo-build-night",
            "demo-voting-day",
            "demo-finals"
        ]
    );
    let counts = "SELECT (SELECT count(*) FROM users) * 1000000 + (SELECT count(*) FROM projects) * 10000
                    + (SELECT count(*) FROM votes) * 100 + (SELECT count(*) FROM project_collaborators)";
    let before = t.scalar(counts).await;
    let again = podium_console::seed::seed(&ops).await.expect("seed again");
    assert!(again.users.is_empty() && again.events.is_empty());
    assert_eq!(t.scalar(counts).await, before);
    // A run killed half way leaves its event marked unfinished: the next run makes it afresh.
    let finals = event_id(&t, "demo-finals").await.expect("finals");
    sqlx::query("UPDATE events SET description = $1 WHERE id = $2")
        .bind(podium_console::seed::UNFINISHED)
        .bind(finals)
        .execute(&t.state.pool)
        .await
        .expect("mark");
    let mended = podium_console::seed::seed(&ops).await.expect("seed mends");
    assert_eq!(mended.events, ["demo-finals"]);
    assert_ne!(event_id(&t, "demo-finals").await, Some(finals));
    assert_eq!(t.scalar(counts).await, before);
    let phases: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT slug, phase, (SELECT count(*) FROM votes v WHERE v.event_id = e.id) FROM events e ORDER BY slug",
    )
    .fetch_all(&t.state.pool)
    .await
    .expect("phases");
    let phases: Vec<(&str, &str, bool)> = phases
        .iter()
        .map(|(s, p, v)| (s.as_str(), p.as_str(), *v > 0))
        .collect();
    assert_eq!(
        phases,
        [
            ("demo-build-night", "submission", false),
            ("demo-finals", "closed", true),
            ("demo-kickoff", "draft", false),
            ("demo-voting-day", "voting", true),
        ]
    );
    assert_eq!(
        t.scalar("SELECT count(*) FROM projects WHERE validation_status = 'warning'")
            .await,
        3
    );
    assert_eq!(t.scalar("SELECT count(*) FROM validation_jobs").await, 0);
    assert_eq!(
        t.scalar("SELECT count(*) FROM users WHERE is_superadmin")
            .await,
        1
    );
    let token = crate::helpers::access_token("ada@example.com");
    let (status, body) = t
        .call(t.events(), Method::GET, "/events/", None, Some(&token))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["owned_events"].as_array().map(Vec::len),
        Some(2),
        "{body}"
    );
    let finals = event_id(&t, "demo-finals").await.expect("finals");
    let grace = crate::helpers::access_token("grace@example.com");
    let (status, board) = t
        .call(
            t.admin(),
            Method::GET,
            &format!("/events/admin/{finals}/leaderboard"),
            None,
            Some(&grace),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{board}");
    let points: i64 = board
        .as_array()
        .expect("projects")
        .iter()
        .filter_map(|p| p["points"].as_i64())
        .sum();
    assert_eq!(points, t.scalar("SELECT count(*) FROM votes v JOIN events e ON e.id = v.event_id WHERE e.slug = 'demo-finals'").await);
    assert!(points > 0);
    let production = podium_runtime::Vars::from_pairs(vec![("PODIUM_ENV", "production")]);
    let refused = podium_console::seed::not_production(&production, false).expect_err("refused");
    assert!(
        refused
            .to_string()
            .starts_with("PODIUM_ENV=production: refused")
    );
    assert!(podium_console::seed::not_production(&production, true).is_ok());
}

#[tokio::test]
async fn the_test_data_commands_list_the_test_users_events_and_remove_them_as_the_cleanup_endpoint_does()
 {
    let t = TestApp::new().await;
    let (ada, _) = t.person("ada@example.com").await;
    let (org, _) = t.person("organizer+e2e1@test.local").await;
    t.event(&ada, "Real Event").await;
    let (_, code) = t.event(&org, "Suite Event").await;
    t.attend(&ada, &code).await;
    let ops = ops(&t);
    let listed: Vec<String> = ops
        .test_events()
        .await
        .expect("list")
        .into_iter()
        .map(|o| o.event.name)
        .collect();
    assert_eq!(listed, ["Suite Event"]);
    let said = ops.clean_test_data().await.expect("cleanup");
    assert_eq!(
        said,
        "Removed 1 test user(s) and 1 test event(s) with everything in them."
    );
    let names: Vec<String> = ops
        .events()
        .await
        .expect("events")
        .into_iter()
        .map(|o| o.event.name)
        .collect();
    assert_eq!(names, ["Real Event"]);
    assert_eq!(t.scalar("SELECT count(*) FROM users").await, 1);
}

#[tokio::test]
async fn the_results_command_writes_the_same_csv_as_the_api_and_a_table_and_refuses_an_unknown_slug()
 {
    use podium_console::cli::{Command, ReportFormat, run};
    use std::process::ExitCode;
    let t = TestApp::new().await;
    let ops = ops(&t);
    podium_console::seed::seed(&ops).await.expect("seed");
    let vars = podium_runtime::Vars::from_pairs(Vec::<(&str, &str)>::new());
    let dir = std::env::temp_dir().join(format!("podium-results-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let command = |format, output: &std::path::Path| Command::Results {
        slug: "demo-voting-day".to_owned(),
        places: 2,
        format,
        output: Some(output.to_owned()),
    };
    let csv = dir.join("results.csv");
    assert_eq!(
        run(&ops, command(ReportFormat::Csv, &csv), false, &vars).await,
        ExitCode::SUCCESS
    );
    let event = event_id(&t, "demo-voting-day").await.expect("event");
    let (root, _) = t.superadmin_person("results-reader@example.com").await;
    let (status, api) = t
        .call(
            t.admin(),
            Method::GET,
            &format!("/events/admin/{event}/results?format=csv&places=2"),
            None,
            Some(&root),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let written = std::fs::read_to_string(&csv).expect("csv");
    assert_eq!(
        Value::String(written.clone()),
        api,
        "the console and the API agree"
    );
    assert!(written.starts_with(
        "place,project,project_id,points,votes,place_low,place_high,chance_first,chance_top_2,"
    ));
    let text = dir.join("results.txt");
    assert_eq!(
        run(&ops, command(ReportFormat::Text, &text), false, &vars).await,
        ExitCode::SUCCESS
    );
    let table = std::fs::read_to_string(&text).expect("text");
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("Results of "), "{table}");
    assert!(
        lines[0].ends_with("(demo-voting-day), 2 prize places, 2000 bootstrap rounds"),
        "{table}"
    );
    assert_eq!(
        lines[3],
        "Place Project                          Points  Votes       95 %    First    Top 2"
    );
    let html = dir.join("results.html");
    assert_eq!(
        run(&ops, command(ReportFormat::Html, &html), false, &vars).await,
        ExitCode::SUCCESS
    );
    assert!(
        std::fs::read_to_string(&html)
            .expect("html")
            .starts_with("<!DOCTYPE html>")
    );
    let unknown = Command::Results {
        slug: "no-such-event".to_owned(),
        places: 3,
        format: ReportFormat::Text,
        output: None,
    };
    assert_eq!(run(&ops, unknown, false, &vars).await, ExitCode::FAILURE);
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// An event's own project count stops at 20 (all the vote limit tells apart); the console's
/// list shows every project.
#[tokio::test]
async fn the_console_counts_every_project_of_an_event_while_the_vote_limit_reads_a_capped_count() {
    let t = TestApp::new().await;
    let (ada, _) = t.person("ada@example.com").await;
    let (event, _) = t.event(&ada, "Big Event").await;
    sqlx::query(
        "INSERT INTO projects (id, name, repo, image_url, demo, description, join_code,
                               hours_spent, points, owner_id, event_id)
         SELECT gen_random_uuid(), 'P' || n, '', '', '', '', 'BIG' || n, 1, 0, e.owner_id, e.id
         FROM events e, generate_series(1, 25) n WHERE e.id = $1",
    )
    .bind(event)
    .execute(&t.state.pool)
    .await
    .expect("projects");
    let listed = ops(&t).events().await.expect("events");
    let [only] = listed.as_slice() else {
        panic!("{listed:?}")
    };
    assert_eq!((only.project_count, only.event.projects_up_to_20), (25, 20));
    assert_eq!(only.event.max_votes_per_user(), 3);
    assert_eq!(podium_console::cli::event_json(only)["projects"], 25);
}
