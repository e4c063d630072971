//! Turning findings into incidents: a finding (from log detection, or an alert received by the
//! server) attaches to the open incident that already carries the same rule and key, or — one
//! incident per attacker — the same address key from another rule, the same rule from a
//! neighbouring address (one /24 or /64), or another flood finding, within [`CAMPAIGN_WINDOW`]
//! of that incident's latest finding; otherwise it declares a new one
//! with the given severity. The incident's timeline lists each finding. Deduplication across
//! time is the detection engine's job; this only decides where a finding lands. Alerts that
//! stop firing are recorded on the incident their firing landed on.

use std::net::IpAddr;
use std::sync::Arc;

use firebreak_core::change::AlertResolved;
use firebreak_core::decide::{self, Declaration};
use firebreak_core::detection::Detection;
use firebreak_core::{Incident, IncidentId};
use firebreak_store::Attack;
use jiff::Timestamp;

use super::{Recorded, Service, ServiceError};

/// How close in log time a finding from another rule must come to an incident's latest finding
/// to join it as part of the same attack.
const CAMPAIGN_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// How many open incidents named by the store are read and checked for one finding of an
/// attack.
const CANDIDATES: u32 = 32;

/// Longest title given to an incident a detection declares.
const TITLE_CHARS: usize = 160;

/// Where a detection was recorded.
#[derive(Debug, Clone)]
pub enum Landed {
    /// A new incident was declared for it.
    Declared(Arc<Incident>),
    /// It was added to this open incident (same rule and key, or the same attack), in this
    /// many events (the finding, and a raised severity when it was graver).
    Added(Arc<Incident>, usize),
}

impl Landed {
    /// The incident it landed on.
    pub fn incident(&self) -> &Incident {
        match self {
            Landed::Declared(i) | Landed::Added(i, _) => i,
        }
    }

    /// How many events recording it appended: a declaration's first events, or those added.
    pub fn events(&self) -> usize {
        match self {
            Landed::Declared(i) => usize::try_from(i.head.seq).unwrap_or(usize::MAX),
            Landed::Added(_, events) => *events,
        }
    }
}

impl Service {
    /// The newest open incident that already carries this rule and key, if any: looked up by
    /// key in the store, so its cost does not grow with the number of open incidents, and a
    /// damaged incident elsewhere does not stand in the way. An incident merged away leads to
    /// the one it was merged into, while that one is open.
    pub async fn open_incident_for(
        &self,
        rule: &str,
        key: &str,
    ) -> Result<Option<IncidentId>, ServiceError> {
        match self.store.open_incident_with(rule, key).await? {
            Some(id) => Ok(Some(id)),
            None => self.merged_home_of(rule, key).await,
        }
    }

    /// Records that alerts whose firing landed on incident `id` stopped firing.
    pub async fn record_resolved(
        &self,
        id: &IncidentId,
        resolved: &[AlertResolved],
    ) -> Result<Recorded, ServiceError> {
        self.change(id, |i| decide::alerts_resolved(i, resolved))
            .await
    }

    /// Records a detection: on `known` (an open incident with the same rule and key, found
    /// earlier by the caller), the one [`Service::open_incident_for`] finds, or the open
    /// incident of the same attack ([`Service::open_incident_of_attack`]); otherwise on a new
    /// incident of `severity`, started when the first counted line was written.
    pub async fn record_detection(
        &self,
        found: &Detection,
        severity: &str,
        known: Option<IncidentId>,
    ) -> Result<Landed, ServiceError> {
        let target = match known {
            Some(id) => Some(id),
            None => match self.open_incident_for(&found.rule, &found.key).await? {
                Some(id) => Some(id),
                None => self.open_incident_of_attack(found).await?,
            },
        };
        self.land_finding(found, severity, target).await
    }

    /// The open incident whose findings come from the same attack as `found`: the same client
    /// address (any rule), or — for a flood — any other flood finding, with the latest of them
    /// within `CAMPAIGN_WINDOW` (an hour) of `found`'s first line. Newest incident first. The
    /// store's indexes name the candidates ([`firebreak_store::Store::open_incidents_of_attack`],
    /// at most 32); only those are read and checked, however many are open.
    pub async fn open_incident_of_attack(
        &self,
        found: &Detection,
    ) -> Result<Option<IncidentId>, ServiceError> {
        let by_client = found.key.starts_with("client=") && !found.key.contains(' ');
        let flood = is_flood(found);
        if !by_client && !flood {
            return Ok(None);
        }
        let range = by_client.then(|| neighbour_keys(&found.key)).flatten();
        let attack = Attack {
            key: &found.key,
            rule: &found.rule,
            neighbours: range
                .as_ref()
                .map(|(low, high)| (low.as_str(), high.as_str())),
            flood,
        };
        for id in self
            .store
            .open_incidents_of_attack(&attack, CANDIDATES)
            .await?
        {
            // A damaged incident is not joined (a new one is declared instead); it must not
            // stop the finding from being recorded.
            let Ok((incident, _)) = self.incident(&id).await else {
                continue;
            };
            if incident.status.is_open() {
                let joins = incident.detections.iter().any(|d| {
                    let same = (by_client && d.key == found.key)
                        || (by_client && d.rule == found.rule && neighbours(&d.key, &found.key))
                        || (flood && is_flood(d));
                    same && close_in_time(d, found)
                });
                if joins {
                    return Ok(Some(id));
                }
            }
        }
        Ok(None)
    }

    /// Records a detection on `target` (an open incident the caller found with the same rule
    /// and key, e.g. through [`Service::open_incident_for`]), or — when there is none, or it was
    /// resolved since — on a new incident of `severity`. Unlike [`Service::record_detection`] it
    /// does not look for the incident itself.
    pub async fn land_finding(
        &self,
        found: &Detection,
        severity: &str,
        target: Option<IncidentId>,
    ) -> Result<Landed, ServiceError> {
        if let Some(id) = target {
            let policy = &self.config.policy;
            let joined = |i: &Incident| {
                let mut changes = decide::detected(i, found)?;
                // A finding graver than the incident it joins raises it: one attacker's
                // brute force that then logged in is the graver of the two.
                if policy.find(severity).is_some()
                    && policy.rank(severity) < policy.rank(&i.severity)
                {
                    changes.extend(decide::set_severity(
                        i,
                        policy,
                        severity,
                        Some(&format!("{} on {} is {severity}", found.rule, found.key)),
                    )?);
                }
                Ok(changes)
            };
            match self.change(&id, joined).await {
                Ok(recorded) => {
                    let events = recorded.events.len();
                    return Ok(Landed::Added(recorded.incident, events));
                }
                // Resolved since we looked: the finding opens a new incident below.
                Err(ServiceError::Refused(_)) => {}
                Err(other) => return Err(other),
            }
        }
        let now = Timestamp::now();
        // Keys come from log lines: keep the title one line and within the declared maximum.
        let title: String = format!("{}: {}", found.title, found.key)
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .take(TITLE_CHARS)
            .collect();
        let summary = format!(
            "Raised by detection rule {} from {}.",
            found.rule, found.source
        );
        let started_at = found.first_seen.filter(|t| *t <= now);
        let request = Declaration {
            title: &title,
            summary: Some(&summary),
            severity,
            started_at,
            detected_at: None,
            commander: None,
            detection: Some(found),
            now,
        };
        Ok(Landed::Declared(self.declare(&request).await?.incident))
    }
}

/// The text range `[low, high)` holding the keys of `key`'s neighbours (see [`neighbours`]):
/// `client=` and the address's first three octets, or its first four groups when none of them
/// is zero (so no `::` can shorten them in its written form). `None` where the written form does
/// not bound the range, and then neighbours are not looked for.
fn neighbour_keys(key: &str) -> Option<(String, String)> {
    let prefix = match key.strip_prefix("client=")?.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => {
            let [x, y, z, _] = a.octets();
            format!("client={x}.{y}.{z}.")
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            if s[..4].contains(&0) {
                return None;
            }
            format!("client={:x}:{:x}:{:x}:{:x}:", s[0], s[1], s[2], s[3])
        }
    };
    // The separator ('.' or ':') is the prefix's last byte: the next byte up ends the range.
    let mut high = prefix.clone().into_bytes();
    let last = high.last_mut()?;
    *last += 1;
    Some((prefix, String::from_utf8(high).ok()?))
}

/// Whether two `client=ADDR` keys are neighbours: the same IPv4 /24 or IPv6 /64, the ranges
/// one hosting customer or one scanning campaign usually comes from.
fn neighbours(a: &str, b: &str) -> bool {
    let ip = |k: &str| k.strip_prefix("client=")?.parse::<std::net::IpAddr>().ok();
    match (ip(a), ip(b)) {
        (Some(IpAddr::V4(a)), Some(IpAddr::V4(b))) => a.octets()[..3] == b.octets()[..3],
        (Some(IpAddr::V6(a)), Some(IpAddr::V6(b))) => a.segments()[..4] == b.segments()[..4],
        _ => false,
    }
}

/// Whether a finding is a flood (tagged `flood` or `ddos` by its rule).
fn is_flood(d: &Detection) -> bool {
    d.tags.iter().any(|t| t == "flood" || t == "ddos")
}

/// Whether `found` began within [`CAMPAIGN_WINDOW`] of `earlier`'s last line (both times
/// known: without times, nothing says it is the same attack).
fn close_in_time(earlier: &Detection, found: &Detection) -> bool {
    let (Some(last), Some(first)) = (
        earlier.last_seen.or(earlier.first_seen),
        found.first_seen.or(found.last_seen),
    ) else {
        return false;
    };
    first.duration_since(last).abs() <= CAMPAIGN_WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn within(key: &str, range: &(String, String)) -> bool {
        range.0.as_str() <= key && key < range.1.as_str()
    }

    proptest! {
        /// The store's text range holds exactly the neighbours' keys, so looking them up by
        /// range finds what comparing addresses one by one would.
        #[test]
        fn the_range_holds_the_ipv4_neighbours_and_no_one_else(a: [u8; 4], b: [u8; 4], same: bool) {
            let b = if same { [a[0], a[1], a[2], b[3]] } else { b };
            let (ka, kb) = (
                format!("client={}", std::net::Ipv4Addr::from(a)),
                format!("client={}", std::net::Ipv4Addr::from(b)),
            );
            let range = neighbour_keys(&ka).expect("an IPv4 range");
            prop_assert_eq!(within(&kb, &range), neighbours(&ka, &kb));
        }

        #[test]
        fn the_range_holds_the_ipv6_neighbours_and_no_one_else(
            a in proptest::array::uniform8(1u16..),
            b: [u16; 8],
            same: bool,
        ) {
            let b = if same { [a[0], a[1], a[2], a[3], b[4], b[5], b[6], b[7]] } else { b };
            let (ka, kb) = (
                format!("client={}", std::net::Ipv6Addr::from(a)),
                format!("client={}", std::net::Ipv6Addr::from(b)),
            );
            let range = neighbour_keys(&ka).expect("an IPv6 range");
            prop_assert_eq!(within(&kb, &range), neighbours(&ka, &kb));
        }
    }

    #[test]
    fn no_range_where_the_written_form_does_not_bound_one() {
        assert_eq!(neighbour_keys("client=2001:db8::1"), None);
        assert_eq!(neighbour_keys("client=not-an-address"), None);
        assert_eq!(neighbour_keys("path=/login"), None);
    }
}
