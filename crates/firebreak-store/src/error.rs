//! Storage errors, each a single line that says what to do.

/// What can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database has not been created yet.
    #[error("no firebreak database at {0}; run `firebreak init` first")]
    NotInitialized(String),
    /// The database was made by a newer firebreak; it is left untouched.
    #[error(
        "the database at {url} has schema version {found}, newer than this firebreak understands ({known}); \
         upgrade firebreak — nothing was changed"
    )]
    TooNew {
        /// The database, password masked.
        url: String,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// Another writer appended to the incident after the caller read it.
    #[error("another change to {0} was recorded at the same moment; try again")]
    Conflict(String),
    /// No such incident.
    #[error("no incident {0}")]
    NoSuchIncident(String),
    /// A name that must be unique is in use.
    #[error("{0}")]
    Taken(String),
    /// The URL names no supported database.
    #[error("unsupported database URL {0:?}; use sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl(String),
    /// The disk under the database is full; nothing was recorded.
    #[error(
        "the database's disk is full; nothing was recorded — free space and retry (writes resume by themselves)"
    )]
    DiskFull,
    /// Stored data does not have the expected shape.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The database reported an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// SQLite reported an error on the read path.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
