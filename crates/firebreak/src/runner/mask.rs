//! Secret masking: every occurrence of a secret value in a step's output is replaced with
//! [`MASK`]. [`Masker`] masks a whole buffer, [`MaskingStream`] output that arrives in chunks,
//! where a secret may be split between two chunks. Which values are secret is the caller's to
//! say. What is kept of a step's output is also passed through [`mask_shapes`], which masks
//! credentials recognisable by their form (our `fbk_` tokens, cloud and forge keys) whether or
//! not anyone declared them.
//!
//! The rules:
//!
//! - Every non-empty secret is masked, however short. A secret of one to three bytes will also
//!   mask innocent text (a secret `42` masks every `42` in the output), but under-masking leaks
//!   and over-masking only hides; a caller may warn that such a secret is weak.
//! - A secret ending in whitespace (typically a newline, as read from a file) is also masked
//!   without it, because `$(cat file)` and most tools drop that newline.
//! - Secrets are matched as the exact bytes given: no case folding, no encodings (a secret
//!   printed base64-encoded is not recognised).
//! - Overlapping occurrences, of one secret (`aa` in `aaa`) or of two (`abc` and `bcd` in
//!   `abcd`), become one mask, so no fragment of either shows. Occurrences that merely touch
//!   keep a mask each.

use std::fmt;

use aho_corasick::{AhoCorasick, Input, MatchKind};
use firebreak_core::detection::mask_secrets;

/// What a run of secret bytes is replaced with: fixed, so it tells nothing of the secret's
/// length.
pub const MASK: &str = "••••";

/// A set of secrets, compiled for searching. Its `Debug` output never shows them.
pub struct Masker {
    /// `None` when there are no secrets, so output passes through untouched.
    matcher: Option<AhoCorasick>,
    /// Length in bytes of the longest pattern: how much output a stream must hold back.
    longest: usize,
}

/// The secrets could not be compiled into a matcher; possible only for a pathological number
/// or size of secrets.
#[derive(Debug, thiserror::Error)]
#[error("cannot prepare secret masking: {0}")]
pub struct MaskerError(#[from] aho_corasick::BuildError);

impl Masker {
    /// Compiles `secrets` (empty ones are ignored; see the module docs for the rules).
    pub fn new<I, S>(secrets: I) -> Result<Self, MaskerError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut patterns = Vec::new();
        for secret in secrets {
            let secret = secret.as_ref();
            let trimmed = secret.trim_ascii_end();
            if !trimmed.is_empty() && trimmed.len() < secret.len() {
                patterns.push(trimmed.to_owned());
            }
            if !secret.is_empty() {
                patterns.push(secret.to_owned());
            }
        }
        let longest = patterns.iter().map(String::len).max().unwrap_or(0);
        let matcher = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&patterns)?,
            )
        };
        Ok(Self { matcher, longest })
    }

    /// `text` with every secret masked.
    pub fn mask_str(&self, text: &str) -> String {
        // Secrets are `str`s, so each occurrence in UTF-8 text starts and ends on a character
        // boundary and the result is UTF-8; the lossy branch is never taken.
        match String::from_utf8(self.mask_bytes(text.as_bytes())) {
            Ok(masked) => masked,
            Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
        }
    }

    /// `bytes` with every secret masked.
    pub fn mask_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        if self.matcher.is_none() {
            return bytes.to_vec();
        }
        MaskingStream {
            masker: self,
            pending: bytes.to_vec(),
            masked: 0,
        }
        .finish()
    }

    /// A stream that masks output given to it in chunks.
    pub fn stream(&self) -> MaskingStream<'_> {
        MaskingStream {
            masker: self,
            pending: Vec::new(),
            masked: 0,
        }
    }
}

/// `bytes` with every credential recognisable by its form masked, by the one function that masks
/// text from outside (`firebreak_core::detection::mask_secrets`). Output that is not UTF-8 is
/// masked in each of its UTF-8 runs (every recognised form is ASCII) and its other bytes kept.
pub fn mask_shapes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.extend_from_slice(mask_secrets(chunk.valid()).as_bytes());
        out.extend_from_slice(chunk.invalid());
    }
    out
}

impl fmt::Debug for Masker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let patterns = self.matcher.as_ref().map_or(0, AhoCorasick::patterns_len);
        f.debug_struct("Masker")
            .field("patterns", &patterns)
            .finish_non_exhaustive()
    }
}

/// Masks output that arrives in chunks: what [`push`](Self::push) and
/// [`finish`](Self::finish) return, joined, is what [`Masker::mask_bytes`] returns for the
/// chunks joined.
pub struct MaskingStream<'m> {
    masker: &'m Masker,
    /// Output not given out yet: the last bytes, which a secret may still start in.
    pending: Vec<u8>,
    /// How many leading bytes of `pending` the last mask given out already covers (a secret
    /// starting among them extends that mask rather than adding one).
    masked: usize,
}

impl fmt::Debug for MaskingStream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // What is held back may be the start of a secret.
        f.debug_struct("MaskingStream")
            .field("masker", self.masker)
            .field("held_back", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl MaskingStream<'_> {
    /// Takes the next chunk of output and returns what is safe to show now. Holds back at most
    /// the longest secret's length less one byte.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        if self.masker.matcher.is_none() {
            return chunk.to_vec();
        }
        self.pending.extend_from_slice(chunk);
        // A secret starting before `settled` has all its bytes in `pending` already.
        let settled = self
            .pending
            .len()
            .saturating_sub(self.masker.longest.saturating_sub(1));
        self.advance(settled)
    }

    /// Ends the output, returning what was held back, masked.
    pub fn finish(mut self) -> Vec<u8> {
        let end = self.pending.len();
        self.advance(end)
    }

    /// Gives out `pending[..settled]`, masked, considering every secret occurrence that starts
    /// there (each may reach past `settled`), and keeps the rest.
    fn advance(&mut self, settled: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(settled);
        // `pending[..covered]` is given out or under a mask given out; `run_end` is the end of
        // the latest mask, which an occurrence starting before it extends.
        let mut covered = self.masked;
        let mut run_end = self.masked;
        if let Some(matcher) = &self.masker.matcher {
            let mut from = 0;
            // Bounded: `from` grows by at least one a pass. Searching again from just after
            // each occurrence's start, not its end, finds the occurrences that overlap it.
            while from < settled {
                let input = Input::new(&self.pending).span(from..self.pending.len());
                let Some(found) = matcher.find(input) else {
                    break;
                };
                if found.start() >= settled {
                    break;
                }
                if found.start() >= run_end {
                    out.extend_from_slice(&self.pending[covered..found.start()]);
                    out.extend_from_slice(MASK.as_bytes());
                }
                run_end = run_end.max(found.end());
                covered = run_end;
                from = found.start() + 1;
            }
        }
        if covered < settled {
            out.extend_from_slice(&self.pending[covered..settled]);
        }
        self.masked = run_end.saturating_sub(settled);
        self.pending.drain(..settled);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masker(secrets: &[&str]) -> Masker {
        Masker::new(secrets).expect("secrets compile")
    }

    /// The rule spelled out: every occurrence of every secret, overlapping ones merged.
    fn naive_mask(secrets: &[&str], text: &[u8]) -> Vec<u8> {
        let mut occurrences = Vec::new();
        for start in 0..text.len() {
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                if text[start..].starts_with(secret.as_bytes()) {
                    occurrences.push((start, start + secret.len()));
                }
            }
        }
        occurrences.sort_unstable();
        let (mut out, mut covered, mut run_end) = (Vec::new(), 0, 0);
        for (start, end) in occurrences {
            if start >= run_end {
                out.extend_from_slice(&text[covered..start]);
                out.extend_from_slice(MASK.as_bytes());
            }
            run_end = run_end.max(end);
            covered = run_end;
        }
        out.extend_from_slice(&text[covered.min(text.len())..]);
        out
    }

    fn streamed(masker: &Masker, chunks: &[&[u8]]) -> Vec<u8> {
        let mut stream = masker.stream();
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(stream.push(chunk));
        }
        out.extend(stream.finish());
        out
    }

    #[test]
    fn masks_every_occurrence() {
        let masker = masker(&["hunter2"]);
        assert_eq!(
            masker.mask_str("pw=hunter2 again hunter2"),
            "pw=•••• again ••••"
        );
        assert_eq!(masker.mask_str("hunter2hunter2"), "••••••••");
        assert_eq!(masker.mask_str("hunter"), "hunter");
    }

    #[test]
    fn overlapping_secrets_leave_no_fragment() {
        let masker = masker(&["abc", "abcdef", "bcd", "aa"]);
        assert_eq!(masker.mask_str("xabcdefx abcx"), "x••••x ••••x");
        assert_eq!(masker.mask_str("abcd"), "••••");
        assert_eq!(masker.mask_str("aaa b"), "•••• b");
    }

    #[test]
    fn a_secret_read_from_a_file_is_masked_without_its_newline() {
        let masker = masker(&["s3cret\n"]);
        assert_eq!(masker.mask_str("token s3cret."), "token ••••.");
        assert_eq!(masker.mask_str("s3cret\nnext"), "••••next");
    }

    #[test]
    fn no_secrets_is_identity() {
        let masker = masker(&[]);
        assert_eq!(masker.mask_str("nothing to hide"), "nothing to hide");
        assert_eq!(streamed(&masker, &[b"a", b"b"]), b"ab");
        assert_eq!(Masker::new([""]).expect("compiles").mask_str("x"), "x");
    }

    #[test]
    fn masks_as_the_rule_says() {
        let secrets = ["abc", "bcd", "aa", "cab", "é€"];
        let masker = masker(&secrets);
        for text in ["abcabcd", "aaaa", "xcabcx", "ab", "", "abé€€c", "bcdaab"] {
            assert_eq!(
                masker.mask_bytes(text.as_bytes()),
                naive_mask(&secrets, text.as_bytes()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_secret_split_across_chunks_is_masked() {
        let secrets = ["hunter2", "abc", "bcd", "aa"];
        let masker = masker(&secrets);
        for text in [
            "log: hunter2 ok",
            "aaaa abcd hunter2hunter2",
            "abcbcdhunter",
        ] {
            let bytes = text.as_bytes();
            let whole = masker.mask_bytes(bytes);
            for i in 0..=bytes.len() {
                for j in i..=bytes.len() {
                    let chunks = [&bytes[..i], &bytes[i..j], &bytes[j..]];
                    assert_eq!(streamed(&masker, &chunks), whole, "{text:?} split {i}/{j}");
                }
            }
            let bytewise: Vec<&[u8]> = bytes.chunks(1).collect();
            assert_eq!(streamed(&masker, &bytewise), whole, "{text:?} byte by byte");
        }
    }

    #[test]
    fn a_stream_holds_back_less_than_the_longest_secret() {
        let masker = masker(&["hunter2"]);
        let mut stream = masker.stream();
        assert_eq!(stream.push(b"0123456789hunt"), b"01234567");
        assert_eq!(stream.push(b"er2 and more"), "89•••• an".as_bytes());
        assert_eq!(stream.finish(), b"d more");
    }

    #[test]
    fn debug_output_hides_the_secrets() {
        let shown = format!("{:?}", masker(&["hunter2"]));
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
