//! Test support (a dev-dependency only): a fresh database per test on the server named by
//! `DATABASE_URL` (which `make test` points at a throwaway cluster when it is not set) — empty,
//! or migrated by cloning a template database that the first test of a run migrates — and the
//! fakes of outside services: the Lambda Runtime API, Secrets Manager, Sentry, a statement
//! counter.

pub mod lambda;
pub mod secrets_manager;
pub mod sentry;
pub mod statements;

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

use podium_data::DatabaseUrl;
use podium_data::db;

/// A database created for one test and dropped (even on panic) when the value is dropped.
#[derive(Debug)]
pub struct TestDb {
    admin: DatabaseUrl,
    url: DatabaseUrl,
    name: String,
}

impl TestDb {
    /// Creates an empty database with a unique name.
    pub async fn new() -> Self {
        Self::create(admin_url(), "").await
    }

    async fn create(admin: DatabaseUrl, options: &str) -> Self {
        let mut conn = db::connect(&admin, "podium-tests")
            .await
            .expect("connect to the test server");
        Self::create_on(&mut conn, admin, options).await
    }

    async fn create_on(conn: &mut PgConnection, admin: DatabaseUrl, options: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "podium_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name} {options}")))
            .execute(conn)
            .await
            .expect("create test database");
        let url = admin.with_database(&name);
        Self { admin, url, name }
    }

    /// A fresh database with every migration applied: a copy (`CREATE DATABASE … TEMPLATE`) of
    /// a template database that is migrated once per set of migrations, by whichever test of
    /// the run (one process per test under nextest) gets there first, as docs.rs's test setup
    /// does. The template's name carries a hash of every migration file and schema snapshot,
    /// so a changed migration gets a new template; a template of other migrations is dropped.
    pub async fn migrated() -> Self {
        let admin = admin_url();
        let template = template_name();
        let mut conn = db::connect(&admin, "podium-tests")
            .await
            .expect("connect to the test server");
        // Clones hold the lock shared, so a build (or the drop of a stale template, perhaps
        // of another checkout on the same server) waits for them and they wait for it.
        loop {
            lock(&mut conn, "pg_advisory_lock_shared").await;
            let ready: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)")
                    .bind(&template)
                    .fetch_one(&mut conn)
                    .await
                    .expect("look for the template");
            if ready {
                let db = Self::create_on(&mut conn, admin, &format!("TEMPLATE {template}")).await;
                lock(&mut conn, "pg_advisory_unlock_shared").await;
                return db;
            }
            lock(&mut conn, "pg_advisory_unlock_shared").await;
            build_template(&mut conn, &admin, &template).await;
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub async fn connect(&self) -> PgConnection {
        db::connect(&self.url, "podium-tests")
            .await
            .expect("connect to the test database")
    }
}

fn admin_url() -> DatabaseUrl {
    DatabaseUrl::from_vars(&podium_runtime::Vars::from_env()).expect(
        "tests need DATABASE_URL (run them with `make test`, which starts a PostgreSQL when it is unset)",
    )
}

/// The advisory lock (on the server's own database) under which a template is built.
const TEMPLATE_LOCK: i64 = 0x706f_6469_756d_7431; // "podiumt1"

/// The template's name: a hash of every migration file and schema snapshot.
fn template_name() -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for migration in podium_migrations::MigrationSet::embedded().iter() {
        (migration.version, &migration.up.sql, &migration.down.sql).hash(&mut hasher);
        migration.schema.hash(&mut hasher);
    }
    format!("podium_template_{:016x}", hasher.finish())
}

async fn lock(conn: &mut PgConnection, function: &str) {
    sqlx::query(AssertSqlSafe(format!("SELECT {function}($1)")))
        .bind(TEMPLATE_LOCK)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{function}: {e}"));
}

/// Under the exclusive lock: drops templates of other migrations (and a half-built one), and
/// builds `template` unless another process did while this one waited.
async fn build_template(conn: &mut PgConnection, admin: &DatabaseUrl, template: &str) {
    lock(conn, "pg_advisory_lock").await;
    let existing: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'podium\\_template\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("list templates");
    for stale in existing.iter().filter(|name| *name != template) {
        exec(conn, &format!("ALTER DATABASE {stale} IS_TEMPLATE false")).await;
        exec(
            conn,
            &format!("DROP DATABASE IF EXISTS {stale} WITH (FORCE)"),
        )
        .await;
    }
    if !existing.iter().any(|name| name == template) {
        let building = format!("{template}_building");
        exec(conn, &format!("CREATE DATABASE {building}")).await;
        let settings = podium_migrations::Settings {
            lock_wait: std::time::Duration::from_secs(60),
            ..podium_migrations::Settings::default()
        };
        let mut template_conn = db::connect(&admin.with_database(&building), "podium-tests")
            .await
            .expect("connect to the template");
        podium_migrations::Migrator::embedded(settings)
            .up(&mut template_conn, None)
            .await
            .expect("migrate the template database");
        template_conn
            .close()
            .await
            .expect("close the template's connection");
        // Renamed only once whole: a test never clones a half-migrated template.
        exec(
            conn,
            &format!("ALTER DATABASE {building} RENAME TO {template}"),
        )
        .await;
        exec(conn, &format!("ALTER DATABASE {template} IS_TEMPLATE true")).await;
    }
    lock(conn, "pg_advisory_unlock").await;
}

async fn exec(conn: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        // Drop may run inside a runtime (or while panicking): use a thread with its own runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut conn = db::connect(&admin, "podium-tests").await.ok()?;
                sqlx::raw_sql(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await
                .ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            tracing::warn!(database = %self.name, "could not drop test database");
        }
    }
}
