//! The rare lines whose order matters — login attempts and sshd logins — kept by workers as
//! compact events and replayed by the main thread in line order, so sequences (failures then a
//! success) are found exactly however the blocks were shared out.

use std::collections::HashMap;

use foldhash::fast::RandomState;
use std::hash::BuildHasher;

use super::options::Outcome;

/// Longest user name kept, in bytes.
const MAX_USER: usize = 128;
/// Longest login path kept, in bytes.
const MAX_PATH: usize = 256;

/// What an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A request to a login path with a login method; the index of the path in the plan.
    Login(Outcome, u8),
    /// sshd: a failed password or key.
    SshFailed,
    /// sshd: an accepted login.
    SshAccepted,
    /// sshd: a login attempt for a user that does not exist.
    SshInvalidUser,
}

/// One event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event {
    pub(crate) line: u64,
    pub(crate) time: Option<i64>,
    pub(crate) addr: Option<u128>,
    pub(crate) kind: Kind,
    pub(crate) status: Option<u16>,
    /// `(start, length)` of the user name in the batch's text buffer.
    user: Option<(u32, u32)>,
    /// `(start, length)` of a login request's path (query string left out) in it.
    path: Option<(u32, u32)>,
}

/// The events of one run of blocks, in line order.
#[derive(Debug, Default)]
pub(crate) struct Events {
    list: Vec<Event>,
    /// User names and paths, back to back.
    text: Vec<u8>,
}

impl Events {
    /// Appends an event (user names are cut to 128 bytes, paths to 256).
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        line: u64,
        time: Option<i64>,
        addr: Option<u128>,
        kind: Kind,
        status: Option<u16>,
        user: Option<&[u8]>,
        path: Option<&[u8]>,
    ) {
        let user = user.and_then(|name| self.keep(name, MAX_USER));
        let path = path.and_then(|path| self.keep(path, MAX_PATH));
        self.list.push(Event {
            line,
            time,
            addr,
            kind,
            status,
            user,
            path,
        });
    }

    fn keep(&mut self, text: &[u8], max: usize) -> Option<(u32, u32)> {
        let text = text.get(..max).unwrap_or(text);
        let start = u32::try_from(self.text.len()).ok()?;
        let len = u32::try_from(text.len()).ok()?;
        self.text.extend_from_slice(text);
        Some((start, len))
    }

    /// The events in line order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Event> {
        self.list.iter()
    }

    /// The user an event names.
    pub(crate) fn user(&self, event: &Event) -> Option<&[u8]> {
        self.text_at(event.user?)
    }

    /// The path a login event requested.
    pub(crate) fn path(&self, event: &Event) -> Option<&[u8]> {
        self.text_at(event.path?)
    }

    fn text_at(&self, (start, len): (u32, u32)) -> Option<&[u8]> {
        let start = start as usize;
        self.text.get(start..start + len as usize)
    }

    /// Number of events.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }
}

/// Where a line is: input index and line number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct At {
    pub(crate) input: usize,
    pub(crate) line: u64,
    pub(crate) time: Option<i64>,
}

/// User names by a 64-bit hash (seeded afresh each run), so tables key users by an integer.
#[derive(Debug)]
pub(crate) struct Names {
    names: HashMap<u64, Box<[u8]>, RandomState>,
    max: usize,
    hasher: RandomState,
}

impl Names {
    /// Holds at most `max` names.
    pub(crate) fn new(max: usize) -> Names {
        Names {
            names: HashMap::default(),
            max: max.max(1),
            hasher: RandomState::default(),
        }
    }

    /// The key of a name, remembering the name while there is room.
    pub(crate) fn key(&mut self, name: &[u8]) -> u64 {
        let key = self.hasher.hash_one(name);
        if self.names.len() < self.max && !self.names.contains_key(&key) {
            self.names.insert(key, name.into());
        }
        key
    }

    /// The name behind a key (`?` if it was not kept).
    pub(crate) fn name(&self, key: u64) -> String {
        self.names.get(&key).map_or_else(
            || "?".to_owned(),
            |n| String::from_utf8_lossy(n).into_owned(),
        )
    }
}
