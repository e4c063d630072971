//! Reading inputs: lines come out exactly as written, whatever the block boundaries, gzip or
//! not; damage and oversize are reported, never fatal.

use std::io::Write;
use std::path::Path;

use firebreak_detect::input::{Block, Input, Options, Summary};
use flate2::Compression;
use flate2::write::GzEncoder;
use proptest::prelude::*;

fn input_of(bytes: &[u8]) -> Input {
    Input::from_reader(
        "test".to_owned(),
        None,
        Box::new(std::io::Cursor::new(bytes.to_vec())),
    )
    .expect("reading from memory")
}

/// Every line with its number, and the summary.
fn read_all(input: Input, options: Options) -> (Vec<(u64, Vec<u8>)>, Summary) {
    let mut lines = Vec::new();
    let summary = input.for_each_line(options, |n, line| lines.push((n, line.to_vec())));
    (lines, summary)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(data).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

fn numbered(count: usize) -> Vec<u8> {
    let mut text = Vec::new();
    for i in 1..=count {
        writeln!(
            text,
            "line {i} of a log with some padding to make it longer"
        )
        .expect("write to a Vec");
    }
    text
}

/// What a user expects: split on `\n`, cut to `max_line`, drop a trailing `\r`.
fn expected(data: &[u8], max_line: usize) -> (Vec<(u64, Vec<u8>)>, u64) {
    let mut parts: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if parts.last().is_some_and(|last| last.is_empty()) {
        parts.pop();
    }
    let mut overlong = 0;
    let lines = parts
        .iter()
        .enumerate()
        .map(|(i, line)| {
            if line.len() > max_line {
                overlong += 1;
            }
            let cut = &line[..line.len().min(max_line)];
            let cut = cut.strip_suffix(b"\r").unwrap_or(cut);
            (i as u64 + 1, cut.to_vec())
        })
        .collect();
    (lines, overlong)
}

#[test]
fn empty_file_gives_no_blocks_and_no_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("empty.log");
    std::fs::write(&path, b"").expect("write the test file");
    let input = Input::open(&path).expect("open the test file");
    assert_eq!(input.size(), Some(0));
    assert!(!input.is_gzip());
    let mut blocks = input.blocks(Options::default());
    assert!(blocks.next().is_none());
    assert_eq!(blocks.summary(), &Summary::default());
}

#[test]
fn last_line_without_newline_and_crlf_are_lines() {
    let (lines, summary) = read_all(input_of(b"one\r\ntwo\n\nfour"), Options::default());
    let texts: Vec<&[u8]> = lines.iter().map(|(_, l)| l.as_slice()).collect();
    assert_eq!(texts, [&b"one"[..], b"two", b"", b"four"]);
    assert_eq!(summary.lines, 4);
    assert_eq!(summary.bytes, 14);
    assert_eq!(summary.ended, None);
}

#[test]
fn lines_survive_block_boundaries_in_order() {
    let data = numbered(20_000);
    let options = Options {
        block_size: 4096,
        ..Options::default()
    };
    let mut blocks = input_of(&data).blocks(options);
    let mut next_line = 1;
    let mut rebuilt = Vec::new();
    let mut index = 0;
    while let Some(block) = blocks.next() {
        assert_eq!(block.index, index);
        assert_eq!(block.first_line, next_line);
        assert_eq!(block.data.last(), Some(&b'\n'), "blocks hold whole lines");
        next_line += block.lines().count() as u64;
        rebuilt.extend_from_slice(&block.data);
        index += 1;
        blocks.recycle(block);
    }
    assert!(index > 100, "small blocks were used");
    assert_eq!(rebuilt, data);
    assert_eq!(blocks.summary().lines, 20_000);
    assert_eq!(blocks.summary().bytes, data.len() as u64);
}

#[test]
fn gzip_is_found_by_its_bytes_not_its_name() {
    let data = numbered(5000);
    let mut members = gzip(&data[..data.len() / 2]);
    members.extend(gzip(&data[data.len() / 2..]));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("access.log");
    std::fs::write(&path, &members).expect("write the test file");

    let input = Input::open(&path).expect("open the test file");
    assert!(input.is_gzip());
    assert_eq!(input.size(), Some(members.len() as u64));
    let mut blocks = input.blocks(Options::default());
    let mut rebuilt = Vec::new();
    let mut consumed = 0;
    for block in blocks.by_ref() {
        rebuilt.extend_from_slice(&block.data);
        consumed = block.consumed;
    }
    assert_eq!(rebuilt, data, "both gzip members are read");
    assert_eq!(consumed, members.len() as u64);
    assert_eq!(blocks.summary().lines, 5000);
    assert_eq!(blocks.summary().ended, None);
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_says_where_it_ended() {
    let data = numbered(200_000);
    let compressed = gzip(&data);
    let cut = &compressed[..compressed.len() / 2];
    let (lines, summary) = read_all(input_of(cut), Options::default());

    let ended = summary.ended.clone().expect("a truncated gzip is reported");
    assert!(ended.message.contains("truncated gzip"), "{ended}");
    assert!(
        lines.len() > 50_000,
        "what came before the damage is delivered"
    );
    assert_eq!(ended.line, lines.len() as u64 + 1);
    assert!(ended.byte > 0 && ended.byte < data.len() as u64);
    let (all, _) = expected(&data, usize::MAX);
    assert_eq!(lines, all[..lines.len()], "every delivered line is intact");
    assert_eq!(summary.lines, lines.len() as u64);
}

#[test]
fn corrupt_gzip_is_reported_not_fatal() {
    let data = numbered(100_000);
    let mut compressed = gzip(&data);
    let middle = compressed.len() / 2;
    for byte in &mut compressed[middle..middle + 64] {
        *byte ^= 0x5a;
    }
    let (lines, summary) = read_all(input_of(&compressed), Options::default());
    let ended = summary.ended.expect("corruption is reported");
    assert!(ended.message.contains("gzip"), "{ended}");
    let (all, _) = expected(&data, usize::MAX);
    assert!(lines.len() < all.len());
}

#[test]
fn ten_megabyte_line_is_cut_counted_and_memory_stays_bounded() {
    let mut data = b"before\n".to_vec();
    data.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    data.extend_from_slice(b"\nafter\n");
    let options = Options::default();
    let mut blocks = input_of(&data).blocks(options);
    let mut lines = Vec::new();
    for block in blocks.by_ref() {
        assert!(
            block.data.capacity() <= options.block_size + options.max_line + 4096,
            "a block of {} bytes was buffered",
            block.data.capacity()
        );
        lines.extend(block.lines().map(|(n, l)| (n, l.len(), l.first().copied())));
    }
    assert_eq!(
        lines,
        [
            (1, 6, Some(b'b')),
            (2, options.max_line, Some(b'x')),
            (3, 5, Some(b'a'))
        ]
    );
    let summary = blocks.summary();
    assert_eq!(summary.overlong, 1);
    assert_eq!(summary.overlong_samples, [2]);
    assert_eq!(summary.bytes, data.len() as u64);
}

#[test]
fn invalid_utf8_and_binary_pass_through_untouched() {
    let data = b"\xff\xfe\x00garbage\x80\n\x1b[31mred\xc3\x28\n";
    let (lines, summary) = read_all(input_of(data), Options::default());
    assert_eq!(lines[0].1, b"\xff\xfe\x00garbage\x80");
    assert_eq!(lines[1].1, b"\x1b[31mred\xc3\x28");
    assert_eq!(summary.lines, 2);
}

#[test]
fn open_errors_name_the_path() {
    let error = Input::open(Path::new("/nonexistent/dir/access.log"))
        .expect_err("a missing file cannot be opened");
    assert!(
        error.to_string().contains("/nonexistent/dir/access.log"),
        "{error}"
    );
}

#[test]
fn blocks_for_parallel_workers_keep_their_numbers() {
    let data = numbered(3000);
    let options = Options {
        block_size: 4096,
        ..Options::default()
    };
    let blocks: Vec<Block> = input_of(&data).blocks(options).collect();
    let mut lines: Vec<(u64, Vec<u8>)> = std::thread::scope(|scope| {
        let (left, right) = blocks.split_at(blocks.len() / 2);
        let collect = |part: &[Block]| {
            part.iter()
                .flat_map(|b| b.lines().map(|(n, l)| (n, l.to_vec())))
                .collect::<Vec<_>>()
        };
        let a = scope.spawn(move || collect(right));
        let mut lines = collect(left);
        lines.extend(a.join().expect("worker"));
        lines
    });
    lines.sort();
    assert_eq!(lines, expected(&data, usize::MAX).0);
}

/// Container-runtime partial lines are joined on reading, across block boundaries, each
/// stream to its own, and line numbers stay those of the file.
#[test]
fn cri_partial_lines_are_joined_across_blocks_and_keep_their_numbers() {
    const T: &str = "2026-11-23T10:00:00.5Z";
    let mut data = String::new();
    let mut want = Vec::new();
    for i in 0..400 {
        let body = format!("request {i} {}", "q".repeat(i % 90));
        let (a, b) = body.split_at(body.len() / 3);
        let (b, c) = b.split_at(b.len() / 2);
        data.push_str(&format!("{T} stdout P {a}\n{T} stderr P err-{i}-\n"));
        data.push_str(&format!("{T} stdout P {b}\n{T} stdout F {c}\n"));
        data.push_str(&format!("{T} stderr F end\n"));
        let n = i as u64 * 5;
        want.push((n + 4, format!("{T} stdout F {body}").into_bytes()));
        want.push((n + 5, format!("{T} stderr F err-{i}-end").into_bytes()));
    }
    for block_size in [4096, 1 << 20] {
        let options = Options {
            block_size,
            ..Options::default()
        };
        let (lines, summary) = read_all(input_of(data.as_bytes()), options);
        assert_eq!(summary.lines, 2000);
        assert_eq!(lines.len(), 2000, "one line out for every line in");
        let joined: Vec<(u64, Vec<u8>)> =
            lines.into_iter().filter(|(_, l)| !l.is_empty()).collect();
        assert_eq!(joined, want, "block size {block_size}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_bytes_any_bounds_give_the_expected_lines(
        data in proptest::collection::vec(
            prop_oneof![Just(b'\n'), Just(b'\r'), any::<u8>(), Just(b'a')], 0..30_000),
        max_line in 1usize..300,
        gzipped in any::<bool>(),
    ) {
        let bytes = if gzipped { gzip(&data) } else { data.clone() };
        let options = Options { max_line, block_size: 4096 };
        let (lines, summary) = read_all(input_of(&bytes), options);
        let (want, overlong) = expected(&data, max_line);
        prop_assert_eq!(&lines, &want);
        prop_assert_eq!(summary.lines, want.len() as u64);
        prop_assert_eq!(summary.overlong, overlong);
        prop_assert_eq!(summary.bytes, data.len() as u64);
        prop_assert_eq!(summary.ended, None);
    }
}
