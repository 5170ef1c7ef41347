//! Test support (a dev-dependency only): a fresh, empty database per test on the server named by `DATABASE_URL`
//! (which `make test` points at a throwaway cluster when it is not set), and a fake Lambda
//! Runtime API to run function binaries as Lambdas.

pub mod lambda;
pub mod secrets_manager;
pub mod sentry;
pub mod statements;

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AssertSqlSafe, PgConnection};

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
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin = DatabaseUrl::from_vars(&podium_runtime::Vars::from_env())
            .expect("tests need DATABASE_URL (run them with `make test`, which starts a PostgreSQL when it is unset)");
        let name = format!(
            "podium_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let mut conn = db::connect(&admin, "podium-tests")
            .await
            .expect("connect to the test server");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let url = admin.with_database(&name);
        Self { admin, url, name }
    }

    /// A fresh database with every migration applied.
    pub async fn migrated() -> Self {
        let db = Self::new().await;
        let settings = podium_migrations::Settings {
            lock_wait: std::time::Duration::from_secs(60),
            ..podium_migrations::Settings::default()
        };
        podium_migrations::Migrator::embedded(settings)
            .up(&mut db.connect().await, None)
            .await
            .expect("migrate the test database");
        db
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
