//! The `mounts` part: every mount of the reader's mount namespace and how full each real
//! filesystem is, `findmnt` and `df` together.
//!
//! The part's JSON and its limits are documented on the collector function, which is
//! re-exported from the `snapshot` module.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::read::{self, Problems};
use super::{Options, Part};

/// Largest mountinfo read (hosts running many containers have thousands of mounts).
const MOUNTINFO_MAX: usize = 16 << 20;

/// Filesystems with no storage to measure.
const PSEUDO: &[&str] = &[
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "efivarfs",
    "fusectl",
    "hugetlbfs",
    "mqueue",
    "nfsd",
    "nsfs",
    "proc",
    "pstore",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "sysfs",
    "tracefs",
];

/// Filesystems whose `statvfs` depends on a server or a user-space daemon.
const MAY_HANG: &[&str] = &[
    "9p",
    "afs",
    "ceph",
    "cifs",
    "fuse",
    "fuseblk",
    "glusterfs",
    "gpfs",
    "lustre",
    "ncpfs",
    "nfs",
    "nfs4",
    "smb3",
    "smbfs",
    "sshfs",
];

/// One line of mountinfo.
#[derive(Debug, PartialEq, Eq)]
struct Mount {
    mount_id: u64,
    parent_id: u64,
    device: String,
    root: Vec<u8>,
    mount_point: Vec<u8>,
    options: String,
    fstype: String,
    source: Vec<u8>,
    super_options: String,
}

/// Lists [`Options::proc_root`]`/self/mountinfo` with disk usage.
///
/// ```text
/// { "mounts": [ { "mount_id": 29, "parent_id": 1, "device": "254:1", "root": "/",
///                 "mount_point": "/", "fstype": "ext4", "source": "/dev/vda1",
///                 "options": "rw,relatime", "super_options": "rw,errors=remount-ro",
///                 "pseudo": false,
///                 "usage": { "size_bytes": 51835101184, "used_bytes": 20937965568,
///                            "available_bytes": 28234223616, "inodes": 3276800,
///                            "inodes_free": 2991234 },
///                 "usage_note": null } ] }
/// ```
///
/// Fields come from `/proc/self/mountinfo` (`root`, `mount_point` and `source` with the
/// kernel's octal escapes undone, and `_hex` companions when not UTF-8). `usage` is
/// `statvfs(2)` of the mount point, computed as `df` does (used = blocks − free, available =
/// what unprivileged users may still use), or null with `usage_note` saying why:
///
/// - `pseudo filesystem`: kernel interfaces with no disk behind them (`proc`, `sysfs`,
///   `cgroup2`, `devpts`, …), listed but not measured. `tmpfs` *is* measured: `/dev/shm` and
///   `/tmp` are where things get dropped.
/// - `not queried: statvfs could hang`: network and FUSE filesystems (`nfs`, `cifs`,
///   `fuse.sshfs`, …), whose server can make the call block forever. A snapshot must finish.
/// - `hidden by a later mount on the same point`: the path now reaches the later mount.
/// - an error from `statvfs`.
pub fn mounts(options: &Options) -> Part {
    let mut problems = Problems::default();
    let path = options.proc_root.join("self/mountinfo");
    let mounts = match read::head(&path, MOUNTINFO_MAX) {
        Ok((bytes, more)) => {
            if more {
                problems.push(format!(
                    "{}: only the first {} MiB read",
                    path.display(),
                    MOUNTINFO_MAX >> 20
                ));
            }
            let mut mounts = Vec::new();
            let mut malformed = 0usize;
            for line in read::lines(&bytes) {
                match parse_mountinfo_line(line) {
                    Some(mount) => mounts.push(mount),
                    None => malformed += 1,
                }
            }
            if malformed > 0 {
                problems.push(format!(
                    "{}: {} not in the expected format",
                    path.display(),
                    read::count(malformed, "line", "lines")
                ));
            }
            mounts
        }
        Err(e) => {
            problems.io(&path, &e);
            Vec::new()
        }
    };
    // The last mount on a path is the one the path reaches.
    let last_on: HashMap<&[u8], usize> = mounts
        .iter()
        .enumerate()
        .map(|(i, m)| (m.mount_point.as_slice(), i))
        .collect();
    let list: Vec<Value> = mounts
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let pseudo = PSEUDO.contains(&m.fstype.as_str());
            let (usage, note) = if pseudo {
                (Value::Null, Some("pseudo filesystem".to_string()))
            } else if may_hang(&m.fstype) {
                (
                    Value::Null,
                    Some("not queried: statvfs could hang".to_string()),
                )
            } else if last_on.get(m.mount_point.as_slice()) != Some(&i) {
                (
                    Value::Null,
                    Some("hidden by a later mount on the same point".to_string()),
                )
            } else {
                match usage(Path::new(OsStr::from_bytes(&m.mount_point))) {
                    Ok(usage) => (usage, None),
                    Err(e) => {
                        let why = read::describe(&e);
                        problems.push(format!(
                            "statvfs {}: {why}",
                            String::from_utf8_lossy(&m.mount_point)
                        ));
                        (Value::Null, Some(why))
                    }
                }
            };
            let mut v = Map::new();
            v.insert("mount_id".into(), m.mount_id.into());
            v.insert("parent_id".into(), m.parent_id.into());
            v.insert("device".into(), m.device.clone().into());
            read::put_text(&mut v, "root", &m.root);
            read::put_text(&mut v, "mount_point", &m.mount_point);
            v.insert("fstype".into(), m.fstype.clone().into());
            read::put_text(&mut v, "source", &m.source);
            v.insert("options".into(), m.options.clone().into());
            v.insert("super_options".into(), m.super_options.clone().into());
            v.insert("pseudo".into(), pseudo.into());
            v.insert("usage".into(), usage);
            v.insert("usage_note".into(), note.into());
            Value::Object(v)
        })
        .collect();
    Part {
        name: "mounts",
        value: json!({ "mounts": list }),
        problems: problems.finish(),
    }
}

/// Whether `statvfs` on this type could block on a server or daemon (`fuse.*` included).
fn may_hang(fstype: &str) -> bool {
    let base = fstype.split('.').next().unwrap_or(fstype);
    MAY_HANG.contains(&fstype) || MAY_HANG.contains(&base)
}

/// Size and use of the filesystem mounted at `path`, as `df` computes them.
fn usage(path: &Path) -> std::io::Result<Value> {
    let s = rustix::fs::statvfs(path)?;
    let unit = s.f_frsize;
    Ok(json!({
        "size_bytes": s.f_blocks.saturating_mul(unit),
        "used_bytes": s.f_blocks.saturating_sub(s.f_bfree).saturating_mul(unit),
        "available_bytes": s.f_bavail.saturating_mul(unit),
        "inodes": s.f_files,
        "inodes_free": s.f_ffree,
    }))
}

/// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`: five
/// fields, optional fields up to `-`, then type, source and superblock options.
fn parse_mountinfo_line(line: &[u8]) -> Option<Mount> {
    let line = std::str::from_utf8(line).ok()?;
    let mut fields = line.split(' ');
    let mount_id = fields.next()?.parse().ok()?;
    let parent_id = fields.next()?.parse().ok()?;
    let device = fields.next()?.to_string();
    let root = unescape(fields.next()?);
    let mount_point = unescape(fields.next()?);
    let options = fields.next()?.to_string();
    // Optional fields (`shared:1`, `master:2`, …) end at a lone "-".
    fields.by_ref().find(|f| *f == "-")?;
    let fstype = fields.next()?.to_string();
    let source = unescape(fields.next()?);
    let super_options = fields.next().unwrap_or("").to_string();
    if !device.contains(':') || mount_point.is_empty() {
        return None;
    }
    Some(Mount {
        mount_id,
        parent_id,
        device,
        root,
        mount_point,
        options,
        fstype,
        source,
        super_options,
    })
}

/// Undoes the kernel's escapes in mountinfo: `\040` space, `\011` tab, `\012` newline, `\134`
/// backslash (any `\` and three octal digits). Anything else is kept as it is.
fn unescape(field: &str) -> Vec<u8> {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(octal) = bytes.get(i + 1..i + 4)
            && octal.iter().all(|b| (b'0'..=b'7').contains(b))
        {
            let value = octal.iter().fold(0u32, |n, d| n * 8 + u32::from(d - b'0'));
            if let Ok(byte) = u8::try_from(value) {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mountinfo_line_with_optional_fields_and_escapes() {
        let line = b"36 35 98:0 /mnt1 /mnt/my\\040disk rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue";
        assert_eq!(
            parse_mountinfo_line(line),
            Some(Mount {
                mount_id: 36,
                parent_id: 35,
                device: "98:0".into(),
                root: b"/mnt1".to_vec(),
                mount_point: b"/mnt/my disk".to_vec(),
                options: "rw,noatime".into(),
                fstype: "ext3".into(),
                source: b"/dev/root".to_vec(),
                super_options: "rw,errors=continue".into(),
            })
        );
    }

    #[test]
    fn malformed_mountinfo_lines_are_refused() {
        let line = "36 35 98:0 / / rw - ext4 /dev/vda1 rw";
        for cut in 0..line.len() {
            let _ = parse_mountinfo_line(&line.as_bytes()[..cut]);
        }
        assert!(parse_mountinfo_line(b"36 35 98:0 / / rw ext4 /dev/vda1 rw").is_none());
        assert!(parse_mountinfo_line(b"x 35 98:0 / / rw - ext4 /dev/vda1 rw").is_none());
        assert!(parse_mountinfo_line(b"\xff").is_none());
    }

    #[test]
    fn escapes_are_undone_and_stray_backslashes_kept() {
        assert_eq!(unescape("a\\040b\\011c\\012d\\134e"), b"a b\tc\nd\\e");
        assert_eq!(unescape("a\\04"), b"a\\04");
        assert_eq!(unescape("a\\999b"), b"a\\999b");
        assert_eq!(unescape("\\377"), b"\xff");
        assert_eq!(unescape("\\777"), b"\\777");
    }

    #[test]
    fn network_and_fuse_filesystems_are_not_queried() {
        assert!(may_hang("nfs4"));
        assert!(may_hang("fuse.sshfs"));
        assert!(may_hang("fuse"));
        assert!(!may_hang("ext4"));
        assert!(!may_hang("tmpfs"));
    }

    #[test]
    fn mounts_from_a_fake_mountinfo() {
        let dir = tempfile::tempdir().expect("temp dir");
        let proc_root = dir.path().join("proc");
        std::fs::create_dir_all(proc_root.join("self")).expect("mkdir");
        std::fs::write(
            proc_root.join("self/mountinfo"),
            "1 0 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n\
             2 1 0:22 / /proc rw,nosuid - proc proc rw\n\
             3 1 0:50 / /mnt/share rw - nfs4 server:/export rw,vers=4.2\n\
             4 1 0:23 / /tmp rw - tmpfs tmpfs rw\n\
             5 1 0:24 / /tmp rw - tmpfs tmpfs rw,size=1024k\n\
             6 1 0:25 / /mnt/odd\\377name rw - ext4 /dev/vdb rw\n\
             garbage\n",
        )
        .expect("write");
        let part = mounts(&Options {
            proc_root: proc_root.clone(),
            ..Options::default()
        });
        let list = part.value["mounts"].as_array().expect("list");
        assert_eq!(list.len(), 6);
        assert_eq!(list[0]["mount_point"], "/");
        assert!(list[0]["usage"]["size_bytes"].as_u64().unwrap_or(0) > 0);
        assert_eq!(list[0]["usage_note"], Value::Null);
        assert_eq!(list[1]["pseudo"], true);
        assert_eq!(list[1]["usage_note"], "pseudo filesystem");
        assert_eq!(list[2]["usage_note"], "not queried: statvfs could hang");
        assert_eq!(
            list[3]["usage_note"],
            "hidden by a later mount on the same point"
        );
        assert!(list[4]["usage"].is_object());
        assert_eq!(list[5]["mount_point_hex"], "2f6d6e742f6f6464ff6e616d65");
        assert_eq!(list[5]["usage_note"], "not found");
        assert_eq!(
            part.problems,
            [
                format!(
                    "{}: 1 line not in the expected format",
                    proc_root.join("self/mountinfo").display()
                ),
                "statvfs /mnt/odd\u{fffd}name: not found".to_string(),
            ]
        );
    }
}
