//! Bundles end to end: written from synthetic items and a real event chain, checked with the
//! system's `tar` and `sha256sum`, then tampered with in every way a bundle can be.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

use ed25519_dalek::{Signer as _, SigningKey};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use jiff::Timestamp;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::*;
use crate::change::Change;
use crate::journal::{Event, Head, StoredEvent, to_micros};

const INCIDENT: &str = "INC-2026-11-23-001";

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn stored(e: &Event) -> StoredEvent {
    StoredEvent {
        incident: e.incident.to_string(),
        seq: e.seq as i64,
        at: to_micros(e.at),
        actor: e.actor.clone(),
        kind: e.kind.clone(),
        payload: e.payload.clone(),
        prev: e.prev.to_string(),
        hash: e.hash.to_string(),
    }
}

fn events() -> Vec<StoredEvent> {
    let notes: Vec<Change> = (0..5)
        .map(|i| Change::NoteAdded {
            text: format!("note {i}: \"quoted\", tab\t, ünïcode"),
        })
        .collect();
    let at = Timestamp::from_second(1_795_000_000).expect("time");
    Event::chain(
        INCIDENT.parse().expect("id"),
        Head::default(),
        at,
        "alice",
        &notes,
    )
    .iter()
    .map(stored)
    .collect()
}

/// Three items in `dir`: a small log, an empty file, and 100 KB of binary.
fn item_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let log: Vec<u8> = (0..500)
        .flat_map(|i| format!("10.0.0.{} - - GET /login {}\n", i % 255, 200 + i % 3).into_bytes())
        .collect();
    let binary: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let contents = vec![("E1", log), ("E2", Vec::new()), ("E3", binary)];
    contents
        .into_iter()
        .map(|(id, bytes)| {
            fs::write(dir.join(id), &bytes).expect("write item");
            (id.to_string(), bytes)
        })
        .collect()
}

fn sources<'a>(dir: &Path, files: &[(String, Vec<u8>)]) -> Vec<ItemSource<'a>> {
    files
        .iter()
        .map(|(id, bytes)| {
            ItemSource::from_path(
                id.clone(),
                hex::encode(Sha256::digest(bytes)),
                bytes.len() as u64,
                json!({"path": format!("/var/log/{id}.log"), "collected_by": "alice"}),
                dir.join(id),
            )
        })
        .collect()
}

fn request<'a>(items: Vec<ItemSource<'a>>, events: &'a [StoredEvent]) -> ExportRequest<'a> {
    ExportRequest {
        incident: INCIDENT.parse().expect("id"),
        created_at: Timestamp::from_second(1_795_000_100).expect("time"),
        created_by: "alice".into(),
        host: "ir-laptop".into(),
        items,
        custody: vec![json!({"at": "2026-11-23T10:00:00Z", "by": "alice", "action": "collected"})],
        events,
    }
}

/// A bundle of three items and five events, signed with `key(1)`, and its item files.
fn bundle() -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = item_files(dir.path());
    let events = events();
    let mut out = Vec::new();
    write(
        request(sources(dir.path(), &files), &events),
        &key(1),
        &mut out,
    )
    .expect("write");
    (out, files)
}

/// One member as stored, for tampering.
#[derive(Clone)]
struct Member {
    name: Vec<u8>,
    kind: tar::EntryType,
    link: Option<Vec<u8>>,
    data: Vec<u8>,
}

impl Member {
    fn file(name: &str, data: impl Into<Vec<u8>>) -> Self {
        Member {
            name: name.as_bytes().to_vec(),
            kind: tar::EntryType::Regular,
            link: None,
            data: data.into(),
        }
    }
}

fn unpack(bundle: &[u8]) -> Vec<Member> {
    let mut archive = tar::Archive::new(GzDecoder::new(bundle));
    let entries = archive.entries().expect("entries").raw(true);
    entries
        .map(|entry| {
            let mut entry = entry.expect("entry");
            let mut data = Vec::new();
            entry.read_to_end(&mut data).expect("read");
            Member {
                name: entry.path_bytes().into_owned(),
                kind: entry.header().entry_type(),
                link: entry.link_name_bytes().map(|l| l.into_owned()),
                data,
            }
        })
        .collect()
}

/// Re-packs members byte for byte as given: names are written raw, so unsafe ones survive.
fn pack(members: &[Member]) -> Vec<u8> {
    pack_padded(members, 0)
}

/// Like [`pack`], with `padding` zero bytes after the tar end marker.
fn pack_padded(members: &[Member], padding: usize) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    for m in members {
        let mut header = tar::Header::new_gnu();
        let gnu = header.as_gnu_mut().expect("gnu");
        gnu.name[..m.name.len()].copy_from_slice(&m.name);
        if let Some(link) = &m.link {
            gnu.linkname[..link.len()].copy_from_slice(link);
        }
        header.set_entry_type(m.kind);
        header.set_size(m.data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        gz.write_all(header.as_bytes()).expect("header");
        gz.write_all(&m.data).expect("data");
        let pad = (512 - m.data.len() % 512) % 512;
        gz.write_all(&vec![0; pad]).expect("pad");
    }
    gz.write_all(&[0; 1024]).expect("end");
    let block = vec![0u8; 64 << 10];
    let mut left = padding;
    while left > 0 {
        let n = left.min(block.len());
        gz.write_all(&block[..n]).expect("padding");
        left -= n;
    }
    gz.finish().expect("finish")
}

fn find<'m>(members: &'m mut [Member], name: &str) -> &'m mut Member {
    members
        .iter_mut()
        .find(|m| m.name == name.as_bytes())
        .expect("member present")
}

fn verify_err(bundle: &[u8], expected_key: Option<&ed25519_dalek::VerifyingKey>) -> BundleError {
    verify(bundle, expected_key).expect_err("tampering detected")
}

/// Runs a command, failing the test with its output if it fails.
fn run(command: &mut Command) {
    let output = command.output().expect("command runs");
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn round_trip_verifies() {
    let (bundle, files) = bundle();
    let report = verify(bundle.as_slice(), Some(&key(1).verifying_key())).expect("verifies");
    assert_eq!(report.items, 3);
    assert_eq!(
        report.item_bytes,
        files.iter().map(|(_, b)| b.len() as u64).sum::<u64>()
    );
    assert_eq!(report.events, 5);
    assert_eq!(report.key, hex::encode(key(1).verifying_key().to_bytes()));
    assert!(report.key_trusted);
    let manifest = &report.manifest;
    assert_eq!(manifest.incident.to_string(), INCIDENT);
    assert_eq!(manifest.items[0].metadata["path"], "/var/log/E1.log");
    assert_eq!(manifest.custody[0]["action"], "collected");
    assert_eq!(manifest.journal.head, events().last().expect("events").hash);

    let untrusted = verify(bundle.as_slice(), None).expect("verifies without a key");
    assert!(!untrusted.key_trusted);
}

#[test]
fn members_are_in_the_documented_order_and_the_manifest_is_canonical() {
    let (bundle, _) = bundle();
    let members = unpack(&bundle);
    let names: Vec<String> = members
        .iter()
        .map(|m| String::from_utf8_lossy(&m.name).into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "manifest.json",
            "manifest.sig",
            "key.pub",
            "journal.jsonl",
            "items/E1",
            "items/E2",
            "items/E3",
            "SHA256SUMS"
        ]
    );
    let manifest = &members[0].data;
    let text = std::str::from_utf8(manifest).expect("utf-8");
    assert!(text.starts_with(r#"{"created_at":"#), "{text}");
    let keys_in_item =
        r#""collected_by":"alice","file":"items/E1","id":"E1","path":"/var/log/E1.log","sha256":"#;
    assert!(text.contains(keys_in_item), "{text}");
    // The signature is plain ed25519 over the file's exact bytes: any tool can check it.
    let signature =
        hex::decode(std::str::from_utf8(&members[1].data).expect("text").trim()).expect("hex");
    let signature = ed25519_dalek::Signature::from_slice(&signature).expect("signature");
    key(1)
        .verifying_key()
        .verify_strict(manifest, &signature)
        .expect("signature over manifest.json");
    assert!(members[1].data.ends_with(b"\n") && members[2].data.ends_with(b"\n"));
    let line: serde_json::Value =
        serde_json::from_slice(members[3].data.split(|&b| b == b'\n').next().expect("line"))
            .expect("json");
    let fields: Vec<&str> = line
        .as_object()
        .expect("object")
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "incident", "seq", "at", "actor", "kind", "payload", "prev", "hash"
        ]
    );
}

#[test]
fn the_same_export_gives_the_same_bytes() {
    assert_eq!(bundle().0, bundle().0);
}

#[test]
fn sha256sum_checks_a_bundle_extracted_by_system_tar() {
    let (bundle, files) = bundle();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bundle.tar.gz");
    fs::write(&path, &bundle).expect("write bundle");
    let out = dir.path().join("out");
    fs::create_dir(&out).expect("mkdir");
    run(Command::new("tar")
        .arg("xzf")
        .arg(&path)
        .arg("-C")
        .arg(&out));
    run(Command::new("sha256sum")
        .args(["--strict", "-c", "SHA256SUMS"])
        .current_dir(&out));
    assert_eq!(fs::read(out.join("items/E3")).expect("item"), files[2].1);
}

#[test]
fn extract_writes_the_bundles_files_and_nothing_else() {
    let (bundle, files) = bundle();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let report = extract(bundle.as_slice(), &out, Some(&key(1).verifying_key())).expect("extract");
    assert_eq!(report.items, 3);
    for (id, bytes) in &files {
        assert_eq!(&fs::read(out.join("items").join(id)).expect("item"), bytes);
    }
    let mut names: Vec<String> = fs::read_dir(&out)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "SHA256SUMS",
            "items",
            "journal.jsonl",
            "key.pub",
            "manifest.json",
            "manifest.sig"
        ]
    );
    run(Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&out));

    let err = extract(bundle.as_slice(), &out, None).expect_err("target exists");
    assert!(matches!(err, BundleError::Extract { .. }), "{err}");
}

#[test]
fn a_failed_extract_leaves_nothing_behind() {
    let (bundle, _) = bundle();
    let mut members = unpack(&bundle);
    find(&mut members, "items/E3").data[10] ^= 1;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let err = extract(pack(&members).as_slice(), &out, None).expect_err("tampered");
    assert!(matches!(err, BundleError::DigestMismatch { .. }), "{err}");
    assert!(!out.exists());
}

#[test]
fn a_flipped_byte_in_an_item_is_named() {
    let (bundle, _) = bundle();
    let mut members = unpack(&bundle);
    find(&mut members, "items/E3").data[500] ^= 0x20;
    let err = verify_err(&pack(&members), None);
    assert!(
        matches!(&err, BundleError::DigestMismatch { member, .. } if member == "items/E3"),
        "{err}"
    );
    assert!(
        err.to_string().starts_with("items/E3: its SHA-256 is "),
        "{err}"
    );
}

#[test]
fn a_resized_item_is_named() {
    let (bundle, _) = bundle();
    let mut members = unpack(&bundle);
    find(&mut members, "items/E1").data.push(b'\n');
    let err = verify_err(&pack(&members), None);
    assert!(
        matches!(&err, BundleError::SizeMismatch { member, .. } if member == "items/E1"),
        "{err}"
    );
}

#[test]
fn a_deleted_item_is_missing() {
    let (bundle, _) = bundle();
    let mut members = unpack(&bundle);
    members.retain(|m| m.name != b"items/E2");
    let err = verify_err(&pack(&members), None);
    assert_eq!(
        err.to_string(),
        "items/E2 is missing from the bundle (deleted?)"
    );

    let mut members = unpack(&bundle);
    members.retain(|m| m.name != b"SHA256SUMS");
    let err = verify_err(&pack(&members), None);
    assert_eq!(
        err.to_string(),
        "SHA256SUMS is missing from the bundle (deleted?)"
    );
}

#[test]
fn an_edited_manifest_breaks_the_signature() {
    let (bundle, _) = bundle();
    let mut members = unpack(&bundle);
    let manifest = find(&mut members, "manifest.json");
    let text = String::from_utf8(manifest.data.clone()).expect("utf-8");
    manifest.data = text.replace("ir-laptop", "ir-desktop").into_bytes();
    let err = verify_err(&pack(&members), None);
    assert!(matches!(err, BundleError::BadSignature), "{err}");
}

#[test]
fn a_signature_by_another_key_is_refused() {
    let (bundle, _) = bundle();
    let mut members = unpack(&bundle);
    let manifest = find(&mut members, "manifest.json").data.clone();
    find(&mut members, "manifest.sig").data =
        format!("{}\n", hex::encode(key(2).sign(&manifest).to_bytes())).into_bytes();
    let err = verify_err(&pack(&members), None);
    assert!(matches!(err, BundleError::BadSignature), "{err}");
}

#[test]
fn another_keys_signature_and_key_are_caught() {
    let (bundle, _) = bundle();
    let mut members = unpack(&bundle);
    let manifest = find(&mut members, "manifest.json").data.clone();
    let other = key(2);
    find(&mut members, "manifest.sig").data =
        format!("{}\n", hex::encode(other.sign(&manifest).to_bytes())).into_bytes();
    find(&mut members, "key.pub").data =
        format!("{}\n", hex::encode(other.verifying_key().to_bytes())).into_bytes();
    let swapped = pack(&members);
    // The manifest still names the first key.
    let err = verify_err(&swapped, None);
    assert!(matches!(err, BundleError::KeyMismatch { .. }), "{err}");
    // The trusted key names it first.
    let err = verify_err(&swapped, Some(&key(1).verifying_key()));
    assert!(
        err.to_string()
            .starts_with("signed by a different key: the bundle's key is "),
        "{err}"
    );
}

#[test]
fn a_bundle_resigned_whole_by_another_key_is_only_caught_by_the_expected_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = item_files(dir.path());
    let events = events();
    let mut forged = Vec::new();
    write(
        request(sources(dir.path(), &files), &events),
        &key(2),
        &mut forged,
    )
    .expect("write");
    let report = verify(forged.as_slice(), None).expect("self-consistent");
    assert!(!report.key_trusted);
    assert_eq!(report.key, hex::encode(key(2).verifying_key().to_bytes()));
    let err = verify_err(&forged, Some(&key(1).verifying_key()));
    assert!(matches!(err, BundleError::DifferentKey { .. }), "{err}");
}

#[test]
fn an_added_file_is_refused() {
    let (bundle, _) = bundle();
    let mut members = unpack(&bundle);
    members.push(Member::file("notes.txt", "planted"));
    let err = verify_err(&pack(&members), None);
    assert_eq!(
        err.to_string(),
        r#"member "notes.txt" is not part of the bundle (added?)"#
    );

    let mut members = unpack(&bundle);
    members.insert(5, Member::file("items/E9", "planted"));
    let err = verify_err(&pack(&members), None);
    assert_eq!(
        err.to_string(),
        r#"member "items/E9" is not part of the bundle (added?)"#
    );
}

#[test]
fn a_duplicated_member_is_refused() {
    let (bundle, _) = bundle();
    let mut members = unpack(&bundle);
    let copy = members[4].clone();
    members.insert(5, copy);
    let err = verify_err(&pack(&members), None);
    assert_eq!(err.to_string(), r#"member "items/E1" appears twice"#);
}

#[test]
fn unsafe_member_names_are_refused() {
    let (bundle, _) = bundle();
    for (name, why) in [
        ("../evil", "'..'"),
        ("/abs", "absolute"),
        ("items/../../evil", "'..'"),
        ("items//E1", "empty path component"),
        ("./manifest.json", "'.'"),
    ] {
        let mut members = unpack(&bundle);
        members.insert(4, Member::file(name, "x"));
        let err = verify_err(&pack(&members), None);
        assert!(
            matches!(&err, BundleError::UnsafeName { name: n, .. } if n == name),
            "{name}: {err}"
        );
        assert!(err.to_string().contains(why), "{err}");
    }
}

#[test]
fn links_directories_and_devices_are_refused() {
    let (bundle, _) = bundle();
    for (kind, words) in [
        (tar::EntryType::Symlink, "is a symbolic link"),
        (tar::EntryType::Link, "is a hard link"),
        (tar::EntryType::Directory, "is a directory"),
        (tar::EntryType::Char, "is a character device"),
        (tar::EntryType::Fifo, "is a FIFO"),
        (tar::EntryType::GNULongName, "is a GNU long-name record"),
    ] {
        let mut members = unpack(&bundle);
        let item = find(&mut members, "items/E1");
        item.kind = kind;
        item.link = Some(b"/etc/passwd".to_vec());
        item.data.clear();
        let err = verify_err(&pack(&members), None);
        assert_eq!(
            err.to_string(),
            format!("member \"items/E1\" {words}, not a regular file")
        );
    }
}

#[test]
fn an_edited_journal_event_is_named() {
    let (bundle, _) = bundle();
    let mut members = unpack(&bundle);
    let journal = find(&mut members, "journal.jsonl");
    let text = String::from_utf8(journal.data.clone()).expect("utf-8");
    journal.data = text.replacen("note 2", "note X", 1).into_bytes();
    let err = verify_err(&pack(&members), None);
    assert_eq!(
        err.to_string(),
        format!("journal.jsonl: {INCIDENT} event 3: its content does not match its hash (edited?)")
    );
}

#[test]
fn a_cut_journal_is_named() {
    let (bundle, _) = bundle();
    let mut members = unpack(&bundle);
    let journal = find(&mut members, "journal.jsonl");
    let lines: Vec<&[u8]> = journal.data.split_inclusive(|&b| b == b'\n').collect();
    journal.data = lines[..4].concat();
    let err = verify_err(&pack(&members), None);
    assert_eq!(
        err.to_string(),
        "journal.jsonl: it holds 4 events, the manifest says 5 (events removed or added?)"
    );
}

#[test]
fn an_edited_sums_file_is_named() {
    let (bundle, files) = bundle();
    let mut members = unpack(&bundle);
    let sums = find(&mut members, "SHA256SUMS");
    let real = hex::encode(Sha256::digest(&files[0].1));
    let text = String::from_utf8(sums.data.clone()).expect("utf-8");
    sums.data = text.replace(&real, &"0".repeat(64)).into_bytes();
    let err = verify_err(&pack(&members), None);
    assert!(
        err.to_string()
            .starts_with("SHA256SUMS: items/E1: its SHA-256 is "),
        "{err}"
    );
}

#[test]
fn a_truncated_gzip_stream_is_named() {
    let (bundle, _) = bundle();
    for cut in [bundle.len() / 2, bundle.len() - 4, 40] {
        let err = verify_err(&bundle[..cut], None);
        assert!(
            matches!(err, BundleError::Truncated(_)),
            "cut at {cut}: {err}"
        );
    }
}

#[test]
fn data_after_the_bundle_is_refused() {
    let (mut bundle, _) = bundle();
    bundle.extend_from_slice(b"hidden");
    let err = verify_err(&bundle, None);
    assert_eq!(
        err.to_string(),
        "the bundle is corrupt: there is data after the end of the gzip stream"
    );
}

#[test]
fn garbage_is_not_a_bundle() {
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    assert_eq!(
        verify_err(&garbage, None).to_string(),
        "not a firebreak bundle: it is not gzip data"
    );
    assert!(matches!(verify_err(b"", None), BundleError::NotABundle(_)));
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&garbage).expect("gzip");
    let err = verify_err(&gz.finish().expect("gzip"), None);
    assert!(matches!(err, BundleError::Corrupt(_)), "{err}");
    let other_tar = pack(&[Member::file("etc/hosts", "127.0.0.1 localhost\n")]);
    assert_eq!(
        verify_err(&other_tar, None).to_string(),
        "not a firebreak bundle: its first member is \"etc/hosts\", not manifest.json"
    );
    assert_eq!(
        verify_err(&pack(&[]), None).to_string(),
        "not a firebreak bundle: the archive is empty"
    );
}

#[test]
fn write_refuses_an_item_whose_stored_bytes_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = item_files(dir.path());
    let events = events();
    let cases: [(&str, Vec<u8>, &str); 3] = [
        (
            "E3",
            files[2].1.iter().map(|b| b ^ 1).collect(),
            "its stored bytes hash to ",
        ),
        (
            "E1",
            files[0].1[..10].to_vec(),
            "its stored bytes end after 10 of the recorded",
        ),
        (
            "E2",
            b"more".to_vec(),
            "its stored bytes are longer than the recorded 0 bytes",
        ),
    ];
    for (id, altered, words) in cases {
        fs::write(dir.path().join(id), &altered).expect("alter");
        let err = write(
            request(sources(dir.path(), &files), &events),
            &key(1),
            Vec::new(),
        )
        .expect_err("refused");
        assert!(
            err.to_string().starts_with(&format!("item {id}: {words}")),
            "{err}"
        );
        assert!(
            err.to_string()
                .ends_with("(the evidence store was altered?)"),
            "{err}"
        );
        let original = &files.iter().find(|(i, _)| i == id).expect("item").1;
        fs::write(dir.path().join(id), original).expect("restore");
    }
    fs::remove_file(dir.path().join("E2")).expect("remove");
    let err = write(
        request(sources(dir.path(), &files), &events),
        &key(1),
        Vec::new(),
    )
    .expect_err("refused");
    assert!(matches!(err, BundleError::ItemRead { .. }), "{err}");
}

#[test]
fn write_refuses_a_broken_journal() {
    let mut events = events();
    events[1].actor = "mallory".into();
    let err = write(request(Vec::new(), &events), &key(1), Vec::new()).expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!(
            "cannot export: the journal is broken: {INCIDENT} event 2: its content does not \
             match its hash (edited?)"
        )
    );
}

#[test]
fn write_refuses_unsafe_ids_and_reserved_metadata() {
    let events = events();
    let source = |id: &str, metadata| ItemSource {
        id: id.into(),
        sha256: "0".repeat(64),
        size: 0,
        metadata,
        open: Box::new(|| Ok(Box::new(std::io::empty()) as Box<dyn Read>)),
    };
    for (item, words) in [
        (source("a/../x", json!({})), "letters, digits"),
        (source("../x", json!({})), "start with a letter"),
        (source("", json!({})), "1 to 64"),
        (source(".hidden", json!({})), "start with a letter"),
        (source("E1", json!({"size": 3})), "may not set \"size\""),
        (source("E1", json!(["a"])), "must be a JSON object"),
    ] {
        let err = write(request(vec![item], &events), &key(1), Vec::new()).expect_err("refused");
        assert!(err.to_string().contains(words), "{err}");
    }
    let twice = vec![source("E1", json!(null)), source("E1", json!(null))];
    let err = write(request(twice, &events), &key(1), Vec::new()).expect_err("refused");
    assert!(err.to_string().contains("given twice"), "{err}");
}

#[test]
fn an_incident_without_items_round_trips() {
    let events = events();
    let mut out = Vec::new();
    write(request(Vec::new(), &events), &key(1), &mut out).expect("write");
    let report = verify(out.as_slice(), None).expect("verifies");
    assert_eq!((report.items, report.events), (0, 5));
}

/// Writes `len` bytes of log-like text to `path` in 1 MiB pieces.
fn write_large_file(path: &Path, len: u64) -> String {
    let mut file = std::io::BufWriter::new(fs::File::create(path).expect("create"));
    let mut hasher = Sha256::new();
    let mut written = 0u64;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut piece = Vec::with_capacity(1 << 20);
    while written < len {
        piece.clear();
        while piece.len() < (1 << 20) - 128 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let line = format!(
                "10.{}.{}.{} - - [23/Nov/2026:10:{:02}:{:02}] \"GET /api/{:x} HTTP/1.1\" {} {}\n",
                state & 0xff,
                (state >> 8) & 0xff,
                (state >> 16) & 0xff,
                (state >> 24) % 60,
                (state >> 30) % 60,
                state >> 40,
                [200, 404, 500][(state % 3) as usize],
                (state >> 20) % 100_000
            );
            piece.extend_from_slice(line.as_bytes());
        }
        let take = piece.len().min((len - written) as usize);
        file.write_all(&piece[..take]).expect("write");
        hasher.update(&piece[..take]);
        written += take as u64;
    }
    file.flush().expect("flush");
    hex::encode(hasher.finalize())
}

#[test]
fn a_200_mb_item_streams_through_write_and_verify() {
    const SIZE: u64 = 200 << 20;
    let dir = tempfile::tempdir().expect("tempdir");
    let item = dir.path().join("capture.log");
    let sha256 = write_large_file(&item, SIZE);
    let events = events();
    let items = vec![ItemSource::from_path(
        "E1",
        sha256,
        SIZE,
        json!(null),
        &item,
    )];
    let bundle_path = dir.path().join("bundle.tar.gz");
    let mut out = fs::File::create(&bundle_path).expect("create");
    let summary = write(request(items, &events), &key(1), &mut out).expect("write");
    assert_eq!(summary.item_bytes, SIZE);
    assert_eq!(
        summary.compressed_bytes,
        fs::metadata(&bundle_path).expect("meta").len()
    );
    let report = verify(
        fs::File::open(&bundle_path).expect("open"),
        Some(&key(1).verifying_key()),
    )
    .expect("verifies");
    assert_eq!(report.item_bytes, SIZE);
}

/// Regression: 4 GiB of zeros after the tar end verified, after seconds of inflating them.
#[test]
fn padding_after_the_archive_is_bounded() {
    let (bundle, _) = bundle();
    let members = unpack(&bundle);
    // What tar itself writes (a 10 KiB record, or a large blocking factor) is fine.
    let tar_like = pack_padded(&members, 9 * 1024);
    verify(&tar_like[..], None).expect("ordinary record padding verifies");
    let err = verify_err(&pack_padded(&members, 3 << 20), None);
    assert_eq!(
        err.to_string(),
        "the bundle is corrupt: more than 1 MiB of padding after the end of the tar archive"
    );
}
