//! User names for uids, from a passwd file (`name:password:uid:gid:gecos:home:shell`). Only
//! the file: users served by NSS modules (LDAP, SSSD) keep a bare uid.

use std::collections::HashMap;
use std::path::Path;

use super::read::{self, Problems};

/// Largest passwd file read.
const PASSWD_MAX: usize = 4 << 20;

/// uid → name; the first line naming a uid wins, as for `getpwuid`.
#[derive(Debug, Default)]
pub(super) struct Names(HashMap<u32, String>);

impl Names {
    /// Reads `path`; a file that cannot be read becomes a problem and leaves every uid unnamed.
    pub(super) fn load(path: &Path, problems: &mut Problems) -> Names {
        match read::head(path, PASSWD_MAX) {
            Ok((bytes, more)) => {
                if more {
                    problems.push(format!(
                        "{}: only the first {PASSWD_MAX} bytes read",
                        path.display()
                    ));
                }
                Names::parse(&bytes)
            }
            Err(e) => {
                problems.push(format!(
                    "{}: {}; users are shown by uid only",
                    path.display(),
                    read::describe(&e)
                ));
                Names::default()
            }
        }
    }

    fn parse(bytes: &[u8]) -> Names {
        let mut names = HashMap::new();
        for line in read::lines(bytes) {
            let mut fields = line.split(|&b| b == b':');
            let (Some(name), Some(_), Some(uid)) = (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let Some(uid) = std::str::from_utf8(uid)
                .ok()
                .and_then(|u| u.parse::<u32>().ok())
            else {
                continue;
            };
            if name.is_empty() || name.starts_with(b"#") {
                continue;
            }
            names
                .entry(uid)
                .or_insert_with(|| String::from_utf8_lossy(name).into_owned());
        }
        Names(names)
    }

    /// The name of `uid`, if the file has one.
    pub(super) fn get(&self, uid: u32) -> Option<&str> {
        self.0.get(&uid).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_first_line_for_each_uid_and_garbage_is_skipped() {
        let names = Names::parse(
            b"root:x:0:0:root:/root:/bin/bash\n\
              toor:x:0:0::/root:/bin/sh\n\
              garbage\n\
              bob:x:notanumber:1\n\
              alice:x:1000:1000:Alice:/home/alice:/bin/zsh\n",
        );
        assert_eq!(names.get(0), Some("root"));
        assert_eq!(names.get(1000), Some("alice"));
        assert_eq!(names.get(1), None);
    }
}
