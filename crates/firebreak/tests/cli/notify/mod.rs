//! Telling people, end to end: the config's contacts and chain, templates, and delivery to
//! real receivers the tests start (an HTTP server checking HMAC signatures, an SMTP server),
//! through the outbox, across a crash of `serve`, and the escalation scheduler.

mod api;
mod chain;
mod config;
mod delivery;
mod email;
mod escalation;
pub(crate) mod receiver;
mod slack;

use crate::support::Fb;

/// An initialised installation with `config` as its firebreak.toml.
pub fn with_config(config: &str) -> Fb {
    let fb = Fb::init();
    std::fs::write(fb.data_dir().join("firebreak.toml"), config).expect("write config");
    fb
}

/// A config with one contact, `alice`, on the generic webhook at `url`, signed with `key`,
/// told of every P1–P4 declaration; `extra` is appended.
pub fn webhook_config(url: &str, key: &str, extra: &str) -> String {
    format!(
        "[notify]\nretry_after = \"100ms\"\nretry_max = \"400ms\"\ntimeout = \"2s\"\n{extra}\n\
         [[notify.contacts]]\nname = \"alice\"\nrole = \"on-call\"\nwebhook = \"{url}\"\nwebhook_key = \"{key}\"\n\
         [notify.chain.P1]\ndeclare = [\"alice\"]\n[notify.chain.P2]\ndeclare = [\"alice\"]\n"
    )
}

/// stdout and stderr of a finished command, as text.
pub fn text(out: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
