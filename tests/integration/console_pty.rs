//! The operator console end to end: the built `podium-console` binary in a real
//! pseudo-terminal (80×24), keys typed as a terminal sends them and the screen read back
//! through a terminal emulator (vt100), against a real PostgreSQL; then its subcommands as a
//! script runs them.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use serde_json::Value;

use crate::console::{audit, victim_with_everything};
use crate::helpers::TestApp;

const DOWN: &str = "\x1b[B";
const ESC: &str = "\x1b";

struct Console {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Console {
    fn start(bin: &std::path::Path, database_url: &str) -> Self {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut command = CommandBuilder::new(bin.join("podium-console"));
        command.env_clear();
        for (name, value) in [
            ("PODIUM_DATABASE_URL", database_url),
            ("USER", "alice"),
            ("TERM", "xterm-256color"),
            ("PODIUM_ACTIVE_EVENT_SERIES", "test-series"),
        ] {
            command.env(name, value);
        }
        let child = pair
            .slave
            .spawn_command(command)
            .expect("spawn the console");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::default()));
        let parser = Arc::clone(&screen);
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut p) = parser.lock() {
                    p.process(&buf[..n]);
                }
            }
        });
        Self {
            screen,
            writer,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    /// Waits until the screen shows `text` (20 s at most).
    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.contents().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the screen never showed {text:?}; it shows:\n{}",
            self.contents()
        );
    }

    /// Types `keys` (one write per key, as a person types; escape sequences whole).
    fn send(&mut self, keys: &str) {
        let mut rest = keys;
        while !rest.is_empty() {
            let len = if rest.starts_with("\x1b[") {
                3
            } else {
                rest.chars().next().map_or(1, char::len_utf8)
            };
            let (key, tail) = rest.split_at(len.min(rest.len()));
            self.writer.write_all(key.as_bytes()).expect("type");
            self.writer.flush().expect("flush");
            std::thread::sleep(Duration::from_millis(15));
            rest = tail;
        }
    }
}

fn run(
    bin: &std::path::Path,
    url: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    std::process::Command::new(bin.join("podium-console"))
        .args(args)
        .env_clear()
        .env("PODIUM_DATABASE_URL", url)
        .env("USER", "alice")
        .envs(env.iter().copied())
        .output()
        .expect("run podium-console")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_real_terminal_the_console_creates_an_event_adds_an_attendee_grants_superadmin_and_deletes_a_user()
 {
    let t = TestApp::new().await;
    let (victim, _, _) = victim_with_everything(&t).await;
    let bin = crate::hostile::binaries();
    let url = t.db.url().expose().to_owned();
    let mut console = {
        let (bin, url) = (bin.clone(), url.clone());
        tokio::task::spawn_blocking(move || Console::start(&bin, &url))
            .await
            .expect("start")
    };
    let console = tokio::task::spawn_blocking(move || {
        console.wait_for("Loaded 3 events, 4 users.");
        console.send("n");
        console.wait_for(" New event ");
        console.send("Pty Jam");
        console.send(&DOWN.repeat(4));
        console.send("ad\t\r");
        console.wait_for("Created Pty Jam (pty-jam)");
        console.send("/pty\ra");
        console.wait_for(" Attendees of Pty Jam (0) ");
        console.send("bob@example.com\r");
        console.wait_for("Added bob@example.com.");
        console.send(ESC);
        console.wait_for("Loaded 4 events");
        console.send("\t/cy@\r");
        console.wait_for(" Filter: cy@");
        console.send("s");
        console.wait_for("Grant superadmin for cy@example.com?");
        console.send("y");
        console.wait_for("cy@example.com is now a superadmin.");
        console.send(ESC);
        console.wait_for(" / to filter");
        console.send("/victim\rd");
        console.wait_for("Delete victim@example.com and everything that is theirs?");
        console.wait_for("1 vote cast (1 taken back from projects that stay):");
        console.send("victim@example.com\r");
        console.wait_for("Deleted victim@example.com: 1 event, 1 project");
        console.send("q");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = console.child.try_wait().expect("wait") {
                assert!(status.success(), "the console exited with {status:?}");
                break;
            }
            assert!(Instant::now() < deadline, "the console did not quit on q");
            std::thread::sleep(Duration::from_millis(50));
        }
        console.contents()
    })
    .await
    .expect("the terminal session");
    assert!(!console.contains("panicked"), "{console}");

    let pool = &t.state.pool;
    let (owner, attendee): (String, String) = sqlx::query_as(
        "SELECT o.email, u.email FROM events e JOIN users o ON o.id = e.owner_id
         JOIN event_attendees a ON a.event_id = e.id JOIN users u ON u.id = a.user_id
         WHERE e.slug = 'pty-jam'",
    )
    .fetch_one(pool)
    .await
    .expect("the new event with its attendee");
    assert_eq!(
        (owner.as_str(), attendee.as_str()),
        ("ada@example.com", "bob@example.com")
    );
    assert_eq!(
        t.scalar("SELECT count(*) FROM users WHERE is_superadmin AND email = 'cy@example.com'")
            .await,
        1
    );
    let gone: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(victim)
        .fetch_optional(pool)
        .await
        .expect("victim");
    assert_eq!(gone, None);
    let log = audit(&t).await;
    let by_console: Vec<&str> = log
        .iter()
        .filter(|e| e.0.starts_with("console:alice@"))
        .map(|e| e.1.as_str())
        .collect();
    assert_eq!(
        by_console,
        [
            "user.delete",
            "user.grant_superadmin",
            "event.attendee_add",
            "event.create"
        ]
    );

    // The same actions for scripts.
    let listed = run(&bin, &url, &["events", "list", "--json"], &[]);
    assert!(listed.status.success(), "{listed:?}");
    let events: Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let jam = events["events"]
        .as_array()
        .and_then(|list| list.iter().find(|e| e["slug"] == "pty-jam"))
        .expect("pty-jam listed");
    assert_eq!(
        (
            jam["attendees"].as_i64(),
            jam["owner"].as_str(),
            jam["deleted"].as_bool()
        ),
        (Some(1), Some("ada@example.com"), Some(false))
    );
    let asked = run(&bin, &url, &["users", "delete", "bob@example.com"], &[]);
    assert!(asked.status.success(), "{asked:?}");
    let asked = String::from_utf8_lossy(&asked.stdout);
    assert!(
        asked.contains("Nothing was deleted: run again with --yes"),
        "{asked}"
    );
    assert_eq!(
        t.scalar("SELECT count(*) FROM users WHERE email = 'bob@example.com'")
            .await,
        1
    );
    let deleted = run(
        &bin,
        &url,
        &["users", "delete", "BOB@example.com", "--yes", "--json"],
        &[],
    );
    assert!(deleted.status.success(), "{deleted:?}");
    let deleted: Value = serde_json::from_slice(&deleted.stdout).expect("JSON");
    assert_eq!(deleted["deleted"], true);
    assert_eq!(
        t.scalar("SELECT count(*) FROM users WHERE email = 'bob@example.com'")
            .await,
        0
    );
    let unknown = run(&bin, &url, &["users", "grant", "nobody@example.com"], &[]);
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&unknown.stderr),
        "podium-console: no user has the e-mail nobody@example.com\n"
    );
    let refused = run(&bin, &url, &["seed"], &[("PODIUM_ENV", "production")]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("PODIUM_ENV=production: refused"));
    assert_eq!(
        t.scalar("SELECT count(*) FROM events WHERE slug LIKE 'demo-%'")
            .await,
        0
    );
}
