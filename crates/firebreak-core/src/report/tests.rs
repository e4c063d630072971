//! Properties of reports over random incident histories, each figure checked against a
//! straightforward recomputation from the history itself (not from the folded incident).

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;
use crate::change::{Change, Declared};
use crate::id::IncidentId;
use crate::journal::{Event, Head};
use crate::policy::Policy;
use crate::status::Status;

/// One step of a generated history; steps the lifecycle does not allow are skipped.
#[derive(Debug, Clone, Copy)]
enum Op {
    Ack,
    Note,
    Advance,
    Resolve,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Ack),
        Just(Op::Note),
        Just(Op::Advance),
        Just(Op::Resolve),
        Just(Op::Reopen),
    ]
}

#[derive(Debug, Clone)]
struct History {
    severity: usize,
    declared_after: i64,
    detected_before: i64,
    steps: Vec<(i64, Op)>,
}

fn history() -> impl Strategy<Value = History> {
    (
        0usize..4,
        0i64..86_400,
        0i64..3_600,
        prop::collection::vec((0i64..7_200, op()), 0..12),
    )
        .prop_map(
            |(severity, declared_after, detected_before, steps)| History {
                severity,
                declared_after,
                detected_before,
                steps,
            },
        )
}

/// What the test itself tracks while building the events: the expected figures' inputs.
#[derive(Debug, Default)]
struct Expect {
    detected: i64,
    acked: Option<i64>,
    contained: Option<i64>,
    resolved: Option<i64>,
    open: bool,
    last_update: i64,
    longest_gap: i64,
}

const T0: i64 = 1_790_000_000;

fn ts(secs: i64) -> Timestamp {
    Timestamp::from_second(secs).expect("time")
}

/// Builds the events of history `h` as incident number `n`, and what the test expects of it.
fn events_of(n: u32, h: &History, policy: &Policy) -> (Vec<Event>, Expect) {
    let id = IncidentId::new(jiff::civil::date(2026, 9, 21), n + 1);
    let declared = T0 + h.declared_after;
    let detected = declared - h.detected_before;
    let severity = policy.levels()[h.severity].name.clone();
    let first = Change::Declared(Declared {
        title: format!("title {}", n % 3),
        summary: None,
        severity,
        started_at: ts(detected),
        detected_at: ts(detected),
        checklists: Vec::new(),
    });
    let mut events = Event::chain(id, Head::default(), ts(declared), "t", &[first]);
    let mut x = Expect {
        detected,
        open: true,
        last_update: declared,
        ..Expect::default()
    };
    let mut status = Status::Investigating;
    let mut at = declared;
    for &(delay, op) in &h.steps {
        at += delay;
        let change = match op {
            Op::Ack if x.acked.is_none() => {
                x.acked = Some(at);
                Change::Acknowledged {}
            }
            Op::Note if status.is_open() || status == Status::Resolved => {
                Change::NoteAdded { text: "n".into() }
            }
            Op::Advance if status != Status::Closed => {
                let to = match status {
                    Status::Investigating => Status::Contained,
                    Status::Contained => Status::Resolved,
                    _ => Status::Closed,
                };
                let from = status;
                status = to;
                Change::StatusChanged {
                    from,
                    to,
                    reason: None,
                }
            }
            Op::Resolve if status.is_open() => {
                let from = status;
                status = Status::Resolved;
                Change::StatusChanged {
                    from,
                    to: Status::Resolved,
                    reason: None,
                }
            }
            Op::Reopen if !status.is_open() => {
                let from = status;
                status = Status::Investigating;
                Change::Reopened {
                    from,
                    reason: "again".into(),
                }
            }
            _ => continue,
        };
        // Stakeholder updates: everything but the acknowledgement.
        if !matches!(change, Change::Acknowledged {}) {
            if x.open {
                x.longest_gap = x.longest_gap.max(at - x.last_update);
            }
            x.last_update = at;
        }
        match &change {
            Change::StatusChanged { to, .. } => {
                if *to >= Status::Contained && (x.contained.is_none() || *to == Status::Contained) {
                    x.contained = Some(at);
                }
                if *to >= Status::Resolved && (x.resolved.is_none() || *to == Status::Resolved) {
                    x.resolved = Some(at);
                }
                x.open = to.is_open();
            }
            Change::Reopened { .. } => {
                x.contained = None;
                x.resolved = None;
                x.open = true;
            }
            _ => {}
        }
        let head = events.last().map(Event::head).unwrap_or_default();
        events.extend(Event::chain(id, head, ts(at), "t", &[change]));
    }
    (events, x)
}

fn mean(v: &[i64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().map(|&s| s as f64).sum::<f64>() / v.len() as f64)
}

fn nearest_rank(v: &[i64], p: f64) -> Option<f64> {
    let mut v = v.to_vec();
    v.sort();
    if v.is_empty() {
        return None;
    }
    let rank = ((p / 100.0 * v.len() as f64).ceil() as usize).max(1);
    Some(v[rank - 1] as f64)
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6 * a.abs().max(1.0),
        (None, None) => true,
        _ => false,
    }
}

fn percent(met: u64, missed: u64) -> Option<f64> {
    (met + missed > 0).then(|| met as f64 * 100.0 / (met + missed) as f64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn figures_match_a_direct_recomputation(histories in prop::collection::vec(history(), 0..25)) {
        let policy = Policy::preset("default").expect("preset");
        let now = T0 + 86_400 + 12 * 7_200;
        let scope = Scope::new(
            Window { since: ts(T0), until: ts(now) },
            &[],
            &policy,
        ).expect("scope");
        let mut subjects = Vec::new();
        let mut expected = Vec::new();
        for (n, h) in histories.iter().enumerate() {
            let (events, x) = events_of(n as u32, h, &policy);
            subjects.push(Subject::from_events(&events).expect("fold"));
            expected.push((h.severity, x));
        }
        let report = build(&subjects, &scope, &policy);
        prop_assert_eq!(report.incidents, histories.len() as u64);

        let (mut tta, mut ttc, mut ttr) = (Vec::new(), Vec::new(), Vec::new());
        let (mut ack_met, mut ack_missed, mut up_met, mut up_missed) = (0, 0, 0, 0);
        for (severity, x) in &expected {
            let level = &policy.levels()[*severity];
            let (ack_within, every) = (level.ack_within.as_secs(), level.update_every.as_secs());
            tta.extend(x.acked.map(|a| a - x.detected));
            ttc.extend(x.contained.map(|c| c - x.detected));
            ttr.extend(x.resolved.map(|r| r - x.detected));
            match x.acked {
                Some(a) if a - x.detected <= ack_within => ack_met += 1,
                Some(_) => ack_missed += 1,
                None if x.open && now > x.detected + ack_within => ack_missed += 1,
                None => {}
            }
            if x.longest_gap > every || (x.open && now > x.last_update + every) {
                up_missed += 1;
            } else if !x.open {
                up_met += 1;
            }
        }
        let phases = &report.overall.phases;
        for (stats, v) in [(&phases.acknowledge, &tta), (&phases.contain, &ttc), (&phases.resolve, &ttr)] {
            prop_assert_eq!(stats.count, v.len() as u64);
            prop_assert!(close(stats.mean, mean(v)), "mean {:?} vs {:?}", stats.mean, mean(v));
            prop_assert!(close(stats.median, nearest_rank(v, 50.0)));
            prop_assert!(close(stats.p90, nearest_rank(v, 90.0)));
        }
        let ack = report.overall.ack_target;
        prop_assert_eq!((ack.met, ack.missed), (ack_met, ack_missed));
        prop_assert!(close(ack.percent, percent(ack_met, ack_missed)));
        let up = report.overall.update_target;
        prop_assert_eq!((up.met, up.missed), (up_met, up_missed));
        prop_assert!(close(up.percent, percent(up_met, up_missed)));

        // Per severity adds up to the whole.
        let per: u64 = report.per_severity.iter().map(|f| f.phases.resolve.count).sum();
        prop_assert_eq!(per, ttr.len() as u64);
        let weekly: u64 = report.weeks.iter().flat_map(|w| &w.counts).sum();
        prop_assert_eq!(weekly, report.incidents);
    }
}

#[test]
fn the_origin_is_the_finding_declared_with_the_incident() {
    let id = IncidentId::new(jiff::civil::date(2026, 9, 21), 1);
    let found = crate::detection::Detection {
        rule: "webhook:grafana".into(),
        title: "High error rate".into(),
        key: "service=checkout".into(),
        count: 1,
        first_seen: None,
        last_seen: None,
        source: "grafana".into(),
        samples: Vec::new(),
        runbook: None,
        tags: Vec::new(),
        alerts: Vec::new(),
    };
    let declared = Change::Declared(Declared {
        title: "t".into(),
        summary: None,
        severity: "P2".into(),
        started_at: ts(T0),
        detected_at: ts(T0),
        checklists: Vec::new(),
    });
    let events = Event::chain(
        id,
        Head::default(),
        ts(T0),
        "t",
        &[declared.clone(), Change::Detected(found.clone())],
    );
    let s = Subject::from_events(&events).expect("fold");
    assert_eq!(s.origin.label(), "alert webhook:grafana");
    assert_eq!(
        s.origin.repeat_key().as_deref(),
        Some("alert webhook:grafana service=checkout")
    );

    // A finding added an hour later does not make a manual incident a detected one.
    let mut later = Event::chain(id, Head::default(), ts(T0), "t", &[declared]);
    let head = later[0].head();
    later.extend(Event::chain(
        id,
        head,
        ts(T0 + 3600),
        "t",
        &[Change::Detected(found)],
    ));
    assert_eq!(
        Subject::from_events(&later).expect("fold").origin.label(),
        "manual"
    );
}

#[test]
fn outside_the_window_or_severity_is_left_out() {
    let policy = Policy::preset("default").expect("preset");
    let h = History {
        severity: 1,
        declared_after: 100,
        detected_before: 0,
        steps: vec![(60, Op::Ack)],
    };
    let (events, _) = events_of(0, &h, &policy);
    let subjects = [Subject::from_events(&events).expect("fold")];
    let window = Window {
        since: ts(T0 + 200),
        until: ts(T0 + 10_000),
    };
    let all = Scope::new(window, &[], &policy).expect("scope");
    assert_eq!(build(&subjects, &all, &policy).incidents, 0);
    let window = Window {
        since: ts(T0),
        ..window
    };
    let p1 = Scope::new(window, &["p1".into()], &policy).expect("scope");
    assert_eq!(p1.severities, ["P1"]);
    let report = build(&subjects, &p1, &policy);
    assert_eq!((report.incidents, report.by_severity.len()), (0, 1));
    assert!(Scope::new(window, &["P9".into()], &policy).is_err());
    let p2 = Scope::new(window, &["P2".into()], &policy).expect("scope");
    let report = build(&subjects, &p2, &policy);
    assert_eq!(report.overall.phases.acknowledge.mean, Some(60.0));
    assert_eq!(
        SignedDuration::from_secs(60).as_secs() as f64,
        report.per_severity[0]
            .phases
            .acknowledge
            .median
            .unwrap_or_default()
    );
}
