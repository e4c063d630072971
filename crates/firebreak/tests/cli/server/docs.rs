//! The documented permission table is the one the server enforces.

use firebreak_core::access::Permission;

#[test]
fn the_guide_prints_the_permission_table_the_server_enforces() {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/guide.md"))
            .expect("docs/guide.md");
    for p in Permission::ALL {
        let name = serde_json::to_value(p).expect("name");
        let row = format!(
            "| {} | {} | {} |",
            name.as_str().expect("string"),
            p.least_role(),
            p.describe()
        );
        assert!(guide.contains(&row), "docs/guide.md lacks the row {row}");
    }
}
