//! Collecting evidence into the content-addressed store: files and directories ([`files`]),
//! a command's output ([`command`]) and volatile-state snapshots ([`snapshot`]). Collecting only stores bytes
//! and describes them; an item exists once the service records it in the incident, so a
//! collection that fails half-way leaves stored bytes nobody points to, never half an item.

pub mod command;
pub mod files;
pub mod snapshot;

/// This host's name, as recorded on evidence and custody events.
pub fn host() -> String {
    let uname = rustix::system::uname();
    let name = uname.nodename().to_string_lossy().into_owned();
    if name.is_empty() {
        "localhost".to_string()
    } else {
        name
    }
}
