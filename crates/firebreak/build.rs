//! Embeds the built-in runbook library: every `runbooks/*.md` at the workspace root becomes an
//! entry of `BUILTIN` (name = file stem), so adding a runbook needs no code change.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read when the script runs, not when it is compiled: a compiled build script can be reused
    // for a checkout in another place.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("../../runbooks");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut entries: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect(),
        // An empty built-in library would build silently and fail far from here.
        Err(e) => panic!(
            "cannot read the built-in runbooks at {}: {e}",
            dir.display()
        ),
    };
    entries.sort();
    let mut code = String::from(
        "/// Built-in runbooks: (name, file contents).\npub static BUILTIN: &[(&str, &[u8])] = &[\n",
    );
    for path in &entries {
        println!("cargo::rerun-if-changed={}", path.display());
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let abs = path.canonicalize().unwrap_or_else(|_| path.clone());
        let _ = writeln!(
            code,
            "    ({stem:?}, include_bytes!({:?})),",
            abs.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("builtin.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}
