//! Where the shared seed runbooks are: `$FIREBREAK_SEEDS` if set, else the first `shared/seeds`
//! found beside the workspace or above it (the project's `../shared/seeds`), else
//! `/work/shared/seeds`. Tests read them in place and fail — never skip — when they are missing.

use std::path::{Path, PathBuf};

/// The seed directory; panics with the places searched when there is none.
pub fn seeds_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("FIREBREAK_SEEDS") {
        return PathBuf::from(dir);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Beside or above the workspace, then where these machines keep it.
    let found = manifest
        .ancestors()
        .map(|a| a.join("shared/seeds"))
        .chain([PathBuf::from("/work/shared/seeds")])
        .find(|c| c.is_dir());
    found.unwrap_or_else(|| {
        panic!(
            "the shared seed runbooks are missing: no shared/seeds above {} nor in /work/shared (set FIREBREAK_SEEDS to their directory)",
            manifest.display()
        )
    })
}
