//! Test support (feature `testing`): throwaway databases on a real PostgreSQL server.
//!
//! The server comes from `FIREBREAK_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). An unreachable server is a test failure,
//! never a skip: `scripts/test.sh` makes sure one is running.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AnyConnection, AssertSqlSafe, Connection, Executor};

/// The admin URL tests create their databases through.
pub fn admin_url() -> String {
    std::env::var("FIREBREAK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A freshly created PostgreSQL database; call [`ScratchDb::drop_db`] when done.
#[derive(Debug)]
pub struct ScratchDb {
    admin: String,
    name: String,
    /// URL of the new database.
    pub url: String,
}

impl ScratchDb {
    /// Creates a database with a name unique to this process and call.
    ///
    /// # Panics
    /// When the server is unreachable — a test must not pass without it.
    pub async fn create(prefix: &str) -> ScratchDb {
        sqlx::any::install_default_drivers();
        let admin = admin_url();
        let name = format!(
            "fb_{prefix}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut conn = match AnyConnection::connect(&admin).await {
            Ok(c) => c,
            Err(e) => panic!(
                "PostgreSQL is not reachable at {admin} ({e}); run scripts/test.sh, which starts one"
            ),
        };
        if let Err(e) = conn
            .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
        {
            panic!("cannot create test database {name}: {e}");
        }
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        ScratchDb { admin, name, url }
    }

    /// Drops the database, closing any connections still open to it.
    pub async fn drop_db(self) {
        if let Ok(mut conn) = AnyConnection::connect(&self.admin).await {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            let _ = conn.execute(AssertSqlSafe(sql)).await;
        }
    }
}
