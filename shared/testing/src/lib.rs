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
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "podium_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let mut conn = db::connect(&admin, "podium-tests")
            .await
            .expect("connect to the test server");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name} {options}")))
            .execute(&mut conn)
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
        let template = ensure_template(&admin).await;
        Self::create(admin, &format!("TEMPLATE {template}")).await
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

/// The migrated template's name, building it first when this run's migrations have none.
async fn ensure_template(admin: &DatabaseUrl) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for migration in podium_migrations::MigrationSet::embedded().iter() {
        (migration.version, &migration.up.sql, &migration.down.sql).hash(&mut hasher);
        migration.schema.hash(&mut hasher);
    }
    let template = format!("podium_template_{:016x}", hasher.finish());
    let mut conn = db::connect(admin, "podium-tests")
        .await
        .expect("connect to the test server");
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(TEMPLATE_LOCK)
        .execute(&mut conn)
        .await
        .expect("take the template lock");
    let existing: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'podium\\_template\\_%'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("list templates");
    for stale in existing.iter().filter(|name| **name != template) {
        exec(
            &mut conn,
            &format!("ALTER DATABASE {stale} IS_TEMPLATE false"),
        )
        .await;
        exec(
            &mut conn,
            &format!("DROP DATABASE IF EXISTS {stale} WITH (FORCE)"),
        )
        .await;
    }
    if !existing.contains(&template) {
        let building = format!("{template}_building");
        exec(
            &mut conn,
            &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
        )
        .await;
        exec(&mut conn, &format!("CREATE DATABASE {building}")).await;
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
            &mut conn,
            &format!("ALTER DATABASE {building} RENAME TO {template}"),
        )
        .await;
        exec(
            &mut conn,
            &format!("ALTER DATABASE {template} IS_TEMPLATE true"),
        )
        .await;
    }
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(TEMPLATE_LOCK)
        .execute(&mut conn)
        .await
        .expect("release the template lock");
    template
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
