//! Building conditions from what a rule file says: field names resolved, values parsed for
//! the field's type (numbers, addresses, event names), patterns compiled once with size
//! limits, agent lists expanded; every mistake reported at its position.

use aho_corasick::{AhoCorasick, MatchKind};
use regex::bytes::RegexBuilder;
use serde_saphyr::{Location, Spanned};

use crate::addr::Addr;
use crate::agents::{Agents, Kind};
use crate::record::{Event, Field};
use crate::rule::condition::{Check, Cond, Needles, Net, Test};
use crate::rule::config::{
    ConditionConfig, ConditionEntry, FieldTestConfig, FieldTestInput, Texts,
};
use crate::rule::diagnostic::Report;
use crate::rule::fields::{FieldKind, kind_of, resolve_field};
use crate::rule::units;

/// Deepest nesting of `all`/`any`/`not` a rule may use.
const MAX_DEPTH: usize = 16;
/// Compiled size limit of one regular expression.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Size limit of one regular expression's lazy DFA cache.
const REGEX_CACHE_LIMIT: usize = 4 << 20;
/// Most values one `in`, `prefix`, `contains-any` or `cidr` test may list.
const MAX_VALUES: usize = 10_000;

/// What building needs besides the rule: where to report and the agent lists.
pub(crate) struct Builder<'a, 'f> {
    pub(crate) report: &'a mut Report<'f>,
    pub(crate) agents: &'a Agents,
}

impl Builder<'_, '_> {
    /// Builds a condition; `None` when it has mistakes (all of them reported).
    pub(crate) fn condition(&mut self, config: &Spanned<ConditionConfig>) -> Option<Cond> {
        self.condition_at(config, 0)
    }

    fn condition_at(&mut self, config: &Spanned<ConditionConfig>, depth: usize) -> Option<Cond> {
        if depth > MAX_DEPTH {
            self.report.at(
                config.referenced,
                format!("conditions nest deeper than {MAX_DEPTH} levels"),
            );
            return None;
        }
        if config.value.entries.is_empty() {
            self.report.at(
                config.referenced,
                "empty condition: name a field to test, or all/any/not",
            );
            return None;
        }
        let mut built = Vec::new();
        let mut ok = true;
        for (key, entry) in &config.value.entries {
            let cond = match entry {
                ConditionEntry::All(list) | ConditionEntry::Any(list) => {
                    if list.value.is_empty() {
                        self.report.at(
                            key.referenced,
                            format!("`{}` needs at least one condition", key.value),
                        );
                        None
                    } else {
                        let parts: Vec<Option<Cond>> = list
                            .value
                            .iter()
                            .map(|c| self.condition_at(c, depth + 1))
                            .collect();
                        let parts: Option<Vec<Cond>> = parts.into_iter().collect();
                        parts.map(|parts| match entry {
                            ConditionEntry::All(_) => Cond::all(parts),
                            _ => Cond::any(parts),
                        })
                    }
                }
                ConditionEntry::Not(inner) => self
                    .condition_at(inner, depth + 1)
                    .map(|c| Cond::Not(Box::new(c))),
                ConditionEntry::Field(tests) => self.field(key, tests),
            };
            match cond {
                Some(cond) => built.push(cond),
                None => ok = false,
            }
        }
        ok.then(|| Cond::all(built))
    }

    fn field(&mut self, key: &Spanned<String>, input: &Spanned<FieldTestInput>) -> Option<Cond> {
        let field = match resolve_field(&key.value) {
            Ok(field) => field,
            Err(message) => {
                self.report.at(key.referenced, message);
                return None;
            }
        };
        let at = input.referenced;
        let shorthand;
        let tests = match &input.value {
            FieldTestInput::Tests(tests) => &**tests,
            FieldTestInput::Shorthand(texts) => {
                shorthand = shorthand_tests(texts, at);
                &shorthand
            }
        };
        let name = key.value.as_str();
        let kind = kind_of(&field);
        let mut checks: Vec<Option<Check>> = Vec::new();
        if let Some(v) = &tests.equals {
            checks.push(self.values(name, kind, vec![(v.value.as_str(), loc(v, at))]));
        }
        if let Some(v) = &tests.one_of {
            checks.push(self.values(name, kind, v.value.items(loc(v, at))));
        }
        if let Some(v) = &tests.prefix {
            checks.push(self.prefix(name, kind, v.value.items(loc(v, at)), loc(v, at)));
        }
        if let Some(v) = &tests.contains_any {
            checks.push(self.contains_any(name, kind, v.value.items(loc(v, at)), loc(v, at)));
        }
        if let Some(v) = &tests.regex {
            checks.push(self.regex(&v.value, loc(v, at)));
        }
        if let Some(v) = &tests.cidr {
            checks.push(self.cidr(name, kind, v.value.items(loc(v, at)), loc(v, at)));
        }
        for (bound, is_low, inclusive) in [
            (&tests.gt, true, false),
            (&tests.ge, true, true),
            (&tests.lt, false, false),
            (&tests.le, false, true),
        ] {
            if let Some(v) = bound {
                let n = self.number(name, kind, &v.value, loc(v, at));
                checks.push(n.map(|n| {
                    let bound = Some((n, inclusive));
                    if is_low {
                        Check::Range {
                            low: bound,
                            high: None,
                        }
                    } else {
                        Check::Range {
                            low: None,
                            high: bound,
                        }
                    }
                }));
            }
        }
        if let Some(v) = &tests.between {
            checks.push(self.between(name, kind, v, at));
        }
        if let Some(v) = &tests.present {
            checks.push(Some(Check::Present(v.value)));
        }
        if checks.is_empty() {
            self.report.at(
                key.referenced,
                format!(
                    "no test for field {name:?}: use equals, in, prefix, contains-any, regex, \
                     cidr, gt, ge, lt, le, between or present"
                ),
            );
            return None;
        }
        let checks: Option<Vec<Check>> = checks.into_iter().collect();
        let few_values = matches!(
            field,
            Field::Agent
                | Field::Referer
                | Field::Method
                | Field::Protocol
                | Field::Host
                | Field::Program
                | Field::AuthMethod
        );
        let tests = checks?
            .into_iter()
            .map(|check| {
                let cached = few_values && matches!(check, Check::ContainsAny(_) | Check::Regex(_));
                Cond::Test(Test {
                    field: field.clone(),
                    check,
                    cached,
                })
            })
            .collect();
        Some(Cond::all(tests))
    }

    fn values(
        &mut self,
        name: &str,
        kind: FieldKind,
        items: Vec<(&str, Location)>,
    ) -> Option<Check> {
        let (_, first_at) = items.first().copied()?;
        if items.len() > MAX_VALUES {
            self.report
                .at(first_at, format!("more than {MAX_VALUES} values"));
            return None;
        }
        match kind {
            FieldKind::Number => {
                let mut numbers = Vec::new();
                for (text, at) in &items {
                    numbers.push(self.number(name, kind, text, *at)?);
                }
                Some(Check::NumberIn(numbers))
            }
            FieldKind::Address => {
                let mut addrs = Vec::new();
                for (text, at) in &items {
                    match Addr::parse(text.trim().as_bytes()) {
                        Some(addr) => addrs.push(addr),
                        None if text.contains('/') => {
                            self.report.at(
                                *at,
                                format!(
                                    "{text:?} is a network: test it with `cidr`, not equals/in"
                                ),
                            );
                            return None;
                        }
                        None => {
                            self.report
                                .at(*at, format!("{name}: {text:?} is not an IP address"));
                            return None;
                        }
                    }
                }
                Some(Check::AddrIn(addrs))
            }
            FieldKind::Event => {
                for (text, at) in &items {
                    if Event::from_name(text).is_none() {
                        let names: Vec<&str> = Event::ALL.iter().map(|e| e.as_str()).collect();
                        self.report.at(
                            *at,
                            format!("unknown event {text:?}: events are {}", names.join(", ")),
                        );
                        return None;
                    }
                }
                Some(Check::TextIn(bytes_list(&items)))
            }
            FieldKind::Text => Some(Check::TextIn(bytes_list(&items))),
        }
    }

    fn text_only(&mut self, name: &str, kind: FieldKind, test: &str, at: Location) -> bool {
        let advice = match kind {
            FieldKind::Number => "it is a number: use gt, ge, lt, le, between, equals or in",
            FieldKind::Address => "it is an address: use cidr, equals or in",
            FieldKind::Event | FieldKind::Text => return true,
        };
        self.report
            .at(at, format!("`{test}` does not apply to {name}: {advice}"));
        false
    }

    fn prefix(
        &mut self,
        name: &str,
        kind: FieldKind,
        items: Vec<(&str, Location)>,
        at: Location,
    ) -> Option<Check> {
        if !self.text_only(name, kind, "prefix", at) || !self.listed(&items, at) {
            return None;
        }
        Some(Check::Prefix(bytes_list(&items)))
    }

    fn listed(&mut self, items: &[(&str, Location)], at: Location) -> bool {
        if items.is_empty() {
            self.report.at(at, "the list is empty");
            return false;
        }
        if items.len() > MAX_VALUES {
            self.report.at(at, format!("more than {MAX_VALUES} values"));
            return false;
        }
        if let Some((_, at)) = items.iter().find(|(t, _)| t.is_empty()) {
            self.report.at(*at, "an empty text would match every value");
            return false;
        }
        true
    }

    fn contains_any(
        &mut self,
        name: &str,
        kind: FieldKind,
        items: Vec<(&str, Location)>,
        at: Location,
    ) -> Option<Check> {
        if !self.text_only(name, kind, "contains-any", at) || !self.listed(&items, at) {
            return None;
        }
        let mut patterns: Vec<String> = Vec::new();
        for (text, item_at) in &items {
            if let Some(list) = text.strip_prefix('@') {
                let kind = match list {
                    "scanners" => Kind::Scanner,
                    "scripts" => Kind::Script,
                    "crawlers" => Kind::Crawler,
                    _ => {
                        self.report.at(
                            *item_at,
                            format!(
                                "unknown agent list {text:?}: use @scanners, @scripts or @crawlers"
                            ),
                        );
                        return None;
                    }
                };
                patterns.extend(
                    self.agents
                        .entries()
                        .iter()
                        .filter(|e| e.kind == kind)
                        .map(|e| e.pattern.to_lowercase()),
                );
            } else {
                patterns.push(text.to_lowercase());
            }
        }
        // Leftmost-first lets the automaton use its SIMD prefilter; which pattern matches
        // does not matter here, only whether one does.
        match AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&patterns)
        {
            Ok(automaton) => Some(Check::ContainsAny(Needles {
                patterns: patterns
                    .into_iter()
                    .map(|p| p.into_bytes().into_boxed_slice())
                    .collect(),
                automaton,
            })),
            Err(error) => {
                self.report
                    .at(at, format!("cannot build the matcher: {error}"));
                None
            }
        }
    }

    fn regex(&mut self, pattern: &str, at: Location) -> Option<Check> {
        // Log fields are bytes: ASCII classes and case folding unless the pattern asks for
        // Unicode with (?u), which keeps the automata small and fast.
        match RegexBuilder::new(pattern)
            .unicode(false)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_CACHE_LIMIT)
            .build()
        {
            Ok(regex) => Some(Check::Regex(regex)),
            Err(error) => {
                self.report.at(
                    at,
                    format!("bad regex {pattern:?}: {}", regex_error(&error)),
                );
                None
            }
        }
    }

    fn cidr(
        &mut self,
        name: &str,
        kind: FieldKind,
        items: Vec<(&str, Location)>,
        at: Location,
    ) -> Option<Check> {
        if kind == FieldKind::Number || kind == FieldKind::Event {
            self.report.at(
                at,
                format!("`cidr` does not apply to {name}: it holds no address"),
            );
            return None;
        }
        if !self.listed(&items, at) {
            return None;
        }
        let mut nets = Vec::new();
        for (text, item_at) in &items {
            match parse_net(text) {
                Ok(net) => nets.push(net),
                Err(message) => {
                    self.report.at(*item_at, message);
                    return None;
                }
            }
        }
        Some(Check::Cidr(nets))
    }

    fn number(&mut self, name: &str, kind: FieldKind, text: &str, at: Location) -> Option<f64> {
        if kind == FieldKind::Address || kind == FieldKind::Event {
            self.report.at(
                at,
                format!("{name} is not a number: numeric tests do not apply"),
            );
            return None;
        }
        match units::number(text) {
            Ok(n) => Some(n),
            Err(message) => {
                self.report.at(at, format!("{name}: {message}"));
                None
            }
        }
    }

    fn between(
        &mut self,
        name: &str,
        kind: FieldKind,
        v: &Spanned<Vec<Spanned<String>>>,
        at: Location,
    ) -> Option<Check> {
        let at = loc(v, at);
        let [low, high] = v.value.as_slice() else {
            self.report
                .at(at, "`between` takes two numbers: [low, high]");
            return None;
        };
        let low_n = self.number(name, kind, &low.value, low.referenced)?;
        let high_n = self.number(name, kind, &high.value, high.referenced)?;
        if low_n > high_n {
            self.report.at(
                at,
                format!("`between` is empty: {} is above {}", low.value, high.value),
            );
            return None;
        }
        Some(Check::Range {
            low: Some((low_n, true)),
            high: Some((high_n, true)),
        })
    }
}

fn shorthand_tests(texts: &Texts, at: Location) -> FieldTestConfig {
    match texts {
        Texts::One(text) => FieldTestConfig {
            equals: Some(Spanned::new(text.clone(), at, at)),
            ..FieldTestConfig::default()
        },
        Texts::Many(_) => FieldTestConfig {
            one_of: Some(Spanned::new(texts.clone(), at, at)),
            ..FieldTestConfig::default()
        },
    }
}

/// A value's own position, or `fallback` for values made from a shorthand.
fn loc<T>(v: &Spanned<T>, fallback: Location) -> Location {
    if v.referenced == Location::UNKNOWN {
        fallback
    } else {
        v.referenced
    }
}

fn bytes_list(items: &[(&str, Location)]) -> Vec<Box<[u8]>> {
    items
        .iter()
        .map(|(t, _)| t.as_bytes().to_vec().into_boxed_slice())
        .collect()
}

fn regex_error(error: &regex::Error) -> String {
    match error {
        regex::Error::CompiledTooBig(limit) => {
            format!("it compiles to more than {limit} bytes; simplify it")
        }
        other => {
            let text = other.to_string();
            text.lines()
                .rev()
                .find_map(|l| l.trim().strip_prefix("error: "))
                .map_or_else(|| text.replace('\n', " "), str::to_owned)
        }
    }
}

/// `10.0.0.0/8`, `2001:db8::/32`, or one address.
fn parse_net(text: &str) -> Result<Net, String> {
    let text = text.trim();
    let (addr_text, len_text) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let addr = Addr::parse(addr_text.as_bytes())
        .ok_or_else(|| format!("bad CIDR {text:?}: {addr_text:?} is not an IP address"))?;
    let v6_written = addr_text.contains(':');
    let max = if v6_written { 128 } else { 32 };
    let len: u32 = match len_text {
        None => max,
        Some(l) => l
            .parse()
            .ok()
            .filter(|l| *l <= max)
            .ok_or_else(|| format!("bad CIDR {text:?}: prefix length must be 0..={max}"))?,
    };
    let len = if v6_written { len } else { len + 96 };
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    Ok(Net {
        base: addr.0 & mask,
        mask,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let net = parse_net("10.0.0.0/8").expect("v4");
        assert!(net.contains(Addr::parse(b"10.200.1.1").expect("addr")));
        assert!(!net.contains(Addr::parse(b"11.0.0.1").expect("addr")));
        let net = parse_net("2001:db8::/32").expect("v6");
        assert!(net.contains(Addr::parse(b"2001:db8:1::5").expect("addr")));
        assert!(!net.contains(Addr::parse(b"10.0.0.1").expect("addr")));
        let all = parse_net("0.0.0.0/0").expect("all v4");
        assert!(all.contains(Addr::parse(b"8.8.8.8").expect("addr")));
        assert!(!all.contains(Addr::parse(b"::1").expect("addr")));
        assert!(parse_net("10.0.0.0/33").is_err());
        assert!(parse_net("10.0.0/8").is_err());
    }
}
