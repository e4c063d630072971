//! Following files with real renames, truncations and restarts: every line written is
//! delivered exactly once, in order, whatever happens to the file around it.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use firebreak_detect::follow::{FollowOptions, Follower, NoticeKind};

/// A log writer that appends like nginx does (`O_APPEND`, one write per line).
struct Writer {
    path: PathBuf,
    file: File,
    next: u64,
}

impl Writer {
    fn create(path: &Path) -> Writer {
        Writer {
            path: path.to_owned(),
            file: append(path),
            next: 1,
        }
    }

    fn write(&mut self, count: u64) {
        for _ in 0..count {
            writeln!(self.file, "{}", text(self.next)).expect("append a line");
            self.next += 1;
        }
    }

    /// Reopens the path, as nginx does on USR1 after a rotation.
    fn reopen(&mut self) {
        self.file = append(&self.path);
    }
}

fn append(path: &Path) -> File {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open the log for appending")
}

fn text(n: u64) -> String {
    format!("request {n:06} 203.0.113.7 GET /index.html 200")
}

fn texts(range: std::ops::RangeInclusive<u64>) -> Vec<String> {
    range.map(text).collect()
}

fn options() -> FollowOptions {
    FollowOptions {
        poll: Duration::from_millis(20),
        ..FollowOptions::default()
    }
}

/// Reads until `count` lines came or two seconds passed; returns (line number, text).
fn read_lines(follower: &mut Follower, count: usize) -> Vec<(u64, String)> {
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(2);
    while lines.len() < count && Instant::now() < deadline {
        follower
            .read(&mut |line| {
                lines.push((line.line, String::from_utf8_lossy(line.text).into_owned()))
            })
            .expect("read followed files");
        if lines.len() < count {
            follower.wait(Duration::from_millis(20));
        }
    }
    // Anything more would be a duplicate.
    follower
        .read(&mut |line| lines.push((line.line, String::from_utf8_lossy(line.text).into_owned())))
        .expect("read followed files");
    lines
}

fn just_texts(lines: &[(u64, String)]) -> Vec<String> {
    lines.iter().map(|(_, t)| t.clone()).collect()
}

#[test]
fn starts_at_the_end_and_delivers_only_complete_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    let mut writer = Writer::create(&path);
    writer.write(100);
    write!(writer.file, "half of a line").expect("append");

    let mut follower = Follower::open(&[&path], options()).expect("follow");
    assert!(read_lines(&mut follower, 0).is_empty());
    writeln!(writer.file, " finished").expect("append");
    writer.write(2);
    let lines = read_lines(&mut follower, 3);
    assert_eq!(
        lines,
        [
            (101, "half of a line finished".to_owned()),
            (102, text(101)),
            (103, text(102))
        ],
        "line numbers count the lines before the start"
    );
    write!(writer.file, "no newline yet").expect("append");
    assert!(
        read_lines(&mut follower, 0).is_empty(),
        "a partial line waits"
    );
}

#[test]
fn rotation_mid_stream_delivers_every_line_once_in_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    let mut writer = Writer::create(&path);
    writer.write(100);
    let mut follower = Follower::open(&[&path], options()).expect("follow");

    writer.write(50);
    assert_eq!(just_texts(&read_lines(&mut follower, 50)), texts(101..=150));

    // Lines just before the rename, the rename, lines after it.
    writer.write(50);
    fs::rename(&path, dir.path().join("access.log.1")).expect("rotate");
    writer.reopen();
    writer.write(50);

    let lines = read_lines(&mut follower, 100);
    assert_eq!(just_texts(&lines), texts(151..=250));
    assert_eq!(lines[0].0, 151, "the old file keeps its numbering");
    assert_eq!(lines[50].0, 1, "the new file is read from its start");
    let notices = follower.take_notices();
    assert!(
        notices.iter().any(|n| n.kind == NoticeKind::Rotated),
        "{notices:?}"
    );
}

#[test]
fn lines_written_to_the_old_file_after_rotation_are_not_lost() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    let mut writer = Writer::create(&path);
    let mut follower = Follower::open(&[&path], options()).expect("follow");
    writer.write(10);
    fs::rename(&path, dir.path().join("access.log.1")).expect("rotate");
    File::create(&path).expect("new log");
    assert_eq!(read_lines(&mut follower, 10).len(), 10);
    // The writer has not reopened yet: it still appends to the rotated file.
    writer.write(5);
    writer.reopen();
    writer.write(5);
    assert_eq!(just_texts(&read_lines(&mut follower, 10)), texts(11..=20));
}

#[test]
fn rotation_under_a_concurrent_writer_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    let mut follower = Follower::open(
        &[&path],
        FollowOptions {
            from_start: true,
            ..options()
        },
    )
    .expect("follow");
    let total = 30_000;
    let writing = {
        let path = path.clone();
        let dir = dir.path().to_owned();
        std::thread::spawn(move || {
            let mut writer = Writer::create(&path);
            for round in 1..=3 {
                writer.write(total / 4);
                fs::rename(&path, dir.join(format!("access.log.{round}"))).expect("rotate");
                writer.reopen();
            }
            writer.write(total / 4);
        })
    };
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while lines.len() < total as usize && Instant::now() < deadline {
        follower.wait(Duration::from_millis(20));
        follower
            .read(&mut |line| lines.push(String::from_utf8_lossy(line.text).into_owned()))
            .expect("read");
    }
    writing.join().expect("writer");
    follower
        .read(&mut |line| lines.push(String::from_utf8_lossy(line.text).into_owned()))
        .expect("read");
    assert_eq!(lines.len(), total as usize);
    assert!(lines == texts(1..=total), "lines out of order or changed");
}

#[test]
fn copytruncate_recovers_the_lines_written_before_the_copy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    let mut writer = Writer::create(&path);
    writer.write(20);
    let mut follower = Follower::open(
        &[&path],
        FollowOptions {
            from_start: true,
            ..options()
        },
    )
    .expect("follow");
    assert_eq!(read_lines(&mut follower, 20).len(), 20);

    // Lines not yet read, then logrotate's copytruncate, then new lines.
    writer.write(30);
    fs::copy(&path, dir.path().join("access.log.1")).expect("copy");
    OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(0))
        .expect("truncate");
    writer.write(40);

    let lines = read_lines(&mut follower, 70);
    assert_eq!(just_texts(&lines), texts(21..=90));
    assert_eq!(lines[30].0, 1, "after the truncation lines count from 1");
    let kinds: Vec<NoticeKind> = follower
        .take_notices()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert!(kinds.contains(&NoticeKind::Truncated), "{kinds:?}");
}

#[test]
fn copytruncate_to_a_smaller_file_restarts_from_the_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    let mut writer = Writer::create(&path);
    writer.write(50);
    let mut follower = Follower::open(&[&path], options()).expect("follow");
    OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(0))
        .expect("truncate");
    writer.write(3);
    assert_eq!(just_texts(&read_lines(&mut follower, 3)), texts(51..=53));
}

#[test]
fn restart_from_saved_offsets_reads_exactly_the_new_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    let offsets = dir.path().join("offsets.json");
    let follow = || FollowOptions {
        offsets: Some(offsets.clone()),
        ..options()
    };
    let mut writer = Writer::create(&path);
    writer.write(10);
    let mut follower = Follower::open(&[&path], follow()).expect("follow");
    writer.write(10);
    assert_eq!(read_lines(&mut follower, 10).len(), 10);
    write!(writer.file, "{}", &text(21)[..10]).expect("half a line");
    assert!(read_lines(&mut follower, 0).is_empty());
    follower.save().expect("save offsets");
    drop(follower);

    // Stopped: the half line is finished and more lines are written.
    writeln!(writer.file, "{}", &text(21)[10..]).expect("rest of the line");
    writer.next = 22;
    writer.write(9);
    let mut follower = Follower::open(&[&path], follow()).expect("follow again");
    let lines = read_lines(&mut follower, 10);
    assert_eq!(just_texts(&lines), texts(21..=30));
    assert_eq!(lines[0].0, 21, "numbering continues");
    let kinds: Vec<NoticeKind> = follower
        .take_notices()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(kinds, [NoticeKind::Resumed { line: 21 }]);
}

#[test]
fn restart_after_a_rotation_while_stopped_finishes_the_old_file_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    let offsets = dir.path().join("state").join("offsets.json");
    fs::create_dir(dir.path().join("state")).expect("state dir");
    let follow = || FollowOptions {
        offsets: Some(offsets.clone()),
        ..options()
    };
    let mut writer = Writer::create(&path);
    let mut follower = Follower::open(&[&path], follow()).expect("follow");
    writer.write(10);
    assert_eq!(read_lines(&mut follower, 10).len(), 10);
    follower.save().expect("save offsets");
    drop(follower);

    writer.write(5);
    let rotated = dir.path().join("access.log.1");
    fs::rename(&path, &rotated).expect("rotate");
    writer.reopen();
    writer.write(5);

    let mut follower = Follower::open(&[&path], follow()).expect("follow again");
    let lines = read_lines(&mut follower, 10);
    assert_eq!(just_texts(&lines), texts(11..=20));
    assert_eq!((lines[0].0, lines[5].0), (11, 1));
    let kinds: Vec<NoticeKind> = follower
        .take_notices()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert!(
        kinds.contains(&NoticeKind::Found { at: rotated }),
        "{kinds:?}"
    );
}

#[test]
fn restart_after_a_copytruncate_while_stopped_reads_the_copy_then_the_new_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    let offsets = dir.path().join("offsets.json");
    let follow = || FollowOptions {
        offsets: Some(offsets.clone()),
        from_start: true,
        ..options()
    };
    let mut writer = Writer::create(&path);
    writer.write(10);
    let mut follower = Follower::open(&[&path], follow()).expect("follow");
    assert_eq!(read_lines(&mut follower, 10).len(), 10);
    follower.save().expect("save offsets");
    drop(follower);

    writer.write(5);
    fs::copy(&path, dir.path().join("access.log.1")).expect("copy");
    OpenOptions::new()
        .write(true)
        .open(&path)
        .and_then(|f| f.set_len(0))
        .expect("truncate");
    writer.write(20);

    let mut follower = Follower::open(&[&path], follow()).expect("follow again");
    assert_eq!(just_texts(&read_lines(&mut follower, 25)), texts(11..=35));
}

#[test]
fn a_file_that_appears_later_is_read_from_its_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("later.log");
    let other = dir.path().join("other.log");
    let mut other_writer = Writer::create(&other);
    let mut follower = Follower::open(&[&path, &other], options()).expect("follow");
    let kinds: Vec<NoticeKind> = follower
        .take_notices()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(kinds, [NoticeKind::Waiting]);

    let mut writer = Writer::create(&path);
    writer.write(3);
    other_writer.write(2);
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(2);
    while seen.len() < 5 && Instant::now() < deadline {
        follower.wait(Duration::from_millis(20));
        follower
            .read(&mut |line| seen.push((line.file, line.line)))
            .expect("read");
    }
    seen.sort();
    assert_eq!(seen, [(0, 1), (0, 2), (0, 3), (1, 1), (1, 2)]);
    let kinds: Vec<NoticeKind> = follower
        .take_notices()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(kinds, [NoticeKind::Appeared]);
}

#[test]
fn a_write_wakes_the_follower_without_waiting_for_the_poll() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    let mut writer = Writer::create(&path);
    let mut follower = Follower::open(
        &[&path],
        FollowOptions {
            poll: Duration::from_secs(30),
            ..FollowOptions::default()
        },
    )
    .expect("follow");
    let writing = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        writer.write(1);
    });
    // A wait may also end early on another event (the file's own opening, say), so wait
    // again until the line is read; with a 30 s poll, only a wake by the write brings it
    // in under 5 s.
    let started = Instant::now();
    let mut lines = 0;
    for _ in 0..100 {
        if lines > 0 || started.elapsed() > Duration::from_secs(5) {
            break;
        }
        follower.wait(Duration::from_secs(30));
        follower.read(&mut |_| lines += 1).expect("read");
    }
    writing.join().expect("writer");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "woken by the write, not the poll"
    );
    assert_eq!(lines, 1);
}

#[test]
fn overlong_lines_are_cut_and_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    let mut writer = Writer::create(&path);
    let mut follower = Follower::open(
        &[&path],
        FollowOptions {
            max_line: 100,
            ..options()
        },
    )
    .expect("follow");
    writer
        .file
        .write_all(&vec![b'x'; 3 * 1024 * 1024])
        .expect("a huge line");
    writeln!(writer.file).expect("its end");
    writer.write(1);
    let lines = read_lines(&mut follower, 2);
    assert_eq!(lines, [(1, "x".repeat(100)), (2, text(1))]);
    let kinds: Vec<NoticeKind> = follower
        .take_notices()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert_eq!(kinds, [NoticeKind::Overlong { line: 1 }]);
}

#[test]
fn a_damaged_offsets_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let offsets = dir.path().join("offsets.json");
    fs::write(&offsets, b"{not json").expect("write");
    let error = Follower::open(
        &[dir.path().join("access.log")],
        FollowOptions {
            offsets: Some(offsets.clone()),
            ..options()
        },
    )
    .expect_err("damaged offsets are refused");
    assert!(error.to_string().contains("offsets.json"), "{error}");
}
