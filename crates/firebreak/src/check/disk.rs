//! `disk`: how full a filesystem is, in space and in inodes (statvfs), whichever is fuller.

use std::path::Path;

use firebreak_core::check::{Outcome, Status, Thresholds};

use super::number;

/// Checks the filesystem holding `path`.
pub fn probe(path: &Path, limits: &Thresholds) -> Outcome {
    let st = match rustix::fs::statvfs(path) {
        Ok(st) => st,
        Err(e) => return Outcome::unknown(format!("statvfs {}: {e}", path.display())),
    };
    // Like df: space used against what unprivileged users may use (used + available).
    let used = st.f_blocks.saturating_sub(st.f_bfree);
    let space = percent(used, used + st.f_bavail);
    let inodes = if st.f_files == 0 {
        // Filesystems without a fixed inode table (btrfs, some FUSE) report none.
        None
    } else {
        percent(st.f_files.saturating_sub(st.f_ffree), st.f_files)
    };
    let Some(space) = space else {
        return Outcome::unknown(format!(
            "{}: the filesystem reports no size",
            path.display()
        ));
    };
    let (what, fullest) = match inodes {
        Some(i) if i > space => ("inodes", i),
        _ => ("space", space),
    };
    let status = limits.judge(fullest);
    let value = match inodes {
        Some(i) => format!("{space:.1} % space, {i:.1} % inodes"),
        None => format!("{space:.1} % space"),
    };
    let reason = match (status, limits.limit_of(status)) {
        (Status::Ok, _) | (_, None) => {
            format!("{} is {fullest:.1} % full ({what})", path.display())
        }
        (_, Some(limit)) => format!(
            "{} is {fullest:.1} % full ({what}), {} {} %",
            path.display(),
            limits.operator(),
            number(limit)
        ),
    };
    Outcome::new(status, value, reason)
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}
