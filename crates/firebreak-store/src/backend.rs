//! The two supported databases and everything that differs between them.

use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

use crate::error::StoreError;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file, embedded; the default.
    Sqlite,
    /// A PostgreSQL server, for several replicas.
    Postgres,
}

impl Backend {
    /// The backend a URL names.
    pub fn of(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::BadUrl(redact(url)))
        }
    }

    /// The statement that opens a write transaction. SQLite must take its write lock up front:
    /// a deferred transaction that reads and then writes can fail with "database is locked"
    /// without waiting when another process got there first.
    pub(crate) fn begin_write(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        }
    }

    /// The statement that opens a read snapshot. SQLite in WAL mode keeps one snapshot for a
    /// whole transaction; PostgreSQL needs REPEATABLE READ for that (READ COMMITTED would let
    /// an incident's seal and its events be read at different moments).
    pub(crate) fn begin_read(self) -> &'static str {
        match self {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    pub(crate) async fn pool(self, url: &str, max_connections: u32) -> Result<AnyPool, StoreError> {
        sqlx::any::install_default_drivers();
        let options = AnyPoolOptions::new()
            .max_connections(max_connections)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(30));
        let options = match self {
            // WAL lets readers work while one process writes; synchronous=FULL makes every
            // commit durable before it returns; a long busy timeout lets concurrent CLI processes
            // queue for the write lock instead of failing.
            Backend::Sqlite => options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(sqlx::raw_sql(
                        "PRAGMA busy_timeout = 60000; PRAGMA journal_mode = WAL; \
                         PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                    ))
                    .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options,
        };
        Ok(options.connect(url).await?)
    }
}

/// A SQLite URL for a file path, with the characters URLs treat specially escaped.
pub fn sqlite_url(path: &std::path::Path, create: bool) -> String {
    let mut escaped = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3F"),
            '#' => escaped.push_str("%23"),
            ' ' => escaped.push_str("%20"),
            c => escaped.push(c),
        }
    }
    let mode = if create { "rwc" } else { "rw" };
    format!("sqlite://{escaped}?mode={mode}")
}

/// A URL fit for messages: any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://fb:s3cret@db:5432/fb"),
            "postgres://fb:***@db:5432/fb"
        );
        assert_eq!(redact("postgres://fb@db/fb"), "postgres://fb@db/fb");
        assert_eq!(redact("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
        assert!(matches!(
            Backend::of("mysql://x"),
            Err(StoreError::BadUrl(_))
        ));
    }

    #[test]
    fn sqlite_paths_are_escaped() {
        let url = sqlite_url(std::path::Path::new("/tmp/a b?c#d%e.db"), false);
        assert_eq!(url, "sqlite:///tmp/a%20b%3Fc%23d%25e.db?mode=rw");
    }
}
