//! The authentication sections of the terminal report: logins, credential stuffing, sshd.

use std::fmt::Write as _;

use super::table::{Table, clean};
use super::{heading, place, stamp};
use crate::triage::report::Report;
use crate::triage::units::count;

pub(super) fn logins(out: &mut String, r: &Report, width: usize) {
    let l = &r.logins;
    if l.attempts == 0 {
        return;
    }
    heading(out, "Logins");
    let _ = writeln!(
        out,
        "  {} attempts: {} failed, {} succeeded",
        count(l.attempts),
        count(l.failures),
        count(l.successes)
    );
    if !l.failing.is_empty() {
        let mut table = Table::new(&["ADDRESS", "ATTEMPTS", "FAILED", "SUCCEEDED"], usize::MAX);
        for row in &l.failing {
            table.row(vec![
                row.address.clone(),
                count(row.attempts),
                count(row.failures),
                count(row.successes),
            ]);
        }
        table.render(out, width);
    }
    if l.sequences.is_empty() {
        let _ = writeln!(
            out,
            "  No success after {} or more failures from one address.",
            l.min_failures
        );
        return;
    }
    let _ = writeln!(
        out,
        "  Failed logins then a success ({}):",
        count(l.sequence_count)
    );
    let mut table = Table::new(
        &[
            "ADDRESS",
            "FAILURES",
            "FIRST FAILURE",
            "SUCCESS",
            "WHERE",
            "USER",
        ],
        4,
    );
    for s in &l.sequences {
        table.row(vec![
            s.address.clone(),
            count(s.failures),
            stamp(s.first_failure.as_ref()),
            stamp(s.success.as_ref()),
            format!(
                "{} {} {}",
                place(r, &s.input, s.line),
                clean(&s.path),
                s.status.map_or_else(String::new, |c| c.to_string())
            ),
            s.user.as_deref().map(clean).unwrap_or_default(),
        ]);
    }
    table.indent = 4;
    table.render(out, width);
}

pub(super) fn stuffing(out: &mut String, r: &Report, width: usize) {
    let s = &r.stuffing;
    if s.addresses.is_empty() && s.users.is_empty() && s.paths.is_empty() {
        return;
    }
    heading(out, "Credential stuffing");
    if !s.paths.is_empty() {
        let _ = writeln!(
            out,
            "  Login paths failing from {} or more addresses:",
            s.min_addresses
        );
        let mut table = Table::new(&["PATH", "ADDRESSES", "FAILED"], 0);
        for row in &s.paths {
            let at_least = if row.at_least { "≥ " } else { "" };
            table.row(vec![
                clean(&row.path),
                format!("{at_least}{}", count(row.addresses)),
                count(row.failures),
            ]);
        }
        table.indent = 4;
        table.render(out, width);
    }
    if !s.addresses.is_empty() {
        let _ = writeln!(out, "  Addresses trying {} or more users:", s.min_users);
        let mut table = Table::new(&["ADDRESS", "USERS", "ATTEMPTS", "FAILED", "SOME USERS"], 4);
        for row in &s.addresses {
            table.row(vec![
                row.address.clone(),
                count(row.users),
                count(row.attempts),
                count(row.failures),
                row.sample_users
                    .iter()
                    .map(|u| clean(u))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]);
        }
        table.indent = 4;
        table.render(out, width);
    }
    if !s.users.is_empty() {
        let _ = writeln!(
            out,
            "  Users tried from {} or more addresses:",
            s.min_addresses
        );
        let mut table = Table::new(&["USER", "ADDRESSES", "ATTEMPTS", "FAILED"], 0);
        for row in &s.users {
            table.row(vec![
                clean(&row.user),
                count(row.addresses),
                count(row.attempts),
                count(row.failures),
            ]);
        }
        table.indent = 4;
        table.render(out, width);
    }
}

pub(super) fn sshd(out: &mut String, r: &Report, width: usize) {
    let s = &r.sshd;
    if s.failures + s.accepted + s.invalid_users == 0 {
        return;
    }
    heading(out, "sshd");
    let _ = writeln!(
        out,
        "  {} failed, {} invalid users, {} accepted",
        count(s.failures),
        count(s.invalid_users),
        count(s.accepted)
    );
    if !s.addresses.is_empty() {
        let mut table = Table::new(
            &["ADDRESS", "FAILED", "INVALID USER", "ACCEPTED"],
            usize::MAX,
        );
        for row in &s.addresses {
            table.row(vec![
                row.address.clone(),
                count(row.failures),
                count(row.invalid_users),
                count(row.accepted),
            ]);
        }
        table.render(out, width);
    }
    if !s.users.is_empty() {
        let mut table = Table::new(&["USER", "FAILED", "INVALID", "ACCEPTED"], 0);
        for row in &s.users {
            table.row(vec![
                clean(&row.user),
                count(row.failures),
                count(row.invalid),
                count(row.accepted),
            ]);
        }
        table.render(out, width);
    }
    if !s.accepted_after_failures.is_empty() {
        let _ = writeln!(
            out,
            "  Accepted after failures ({}):",
            count(s.accepted_after_failures_count)
        );
        let mut table = Table::new(
            &[
                "ADDRESS",
                "USER",
                "FAILURES",
                "FIRST FAILURE",
                "ACCEPTED",
                "WHERE",
            ],
            5,
        );
        for q in &s.accepted_after_failures {
            table.row(vec![
                q.address.clone(),
                q.user.as_deref().map(clean).unwrap_or_default(),
                count(q.failures),
                stamp(q.first_failure.as_ref()),
                stamp(q.accepted.as_ref()),
                place(r, &q.input, q.line),
            ]);
        }
        table.indent = 4;
        table.render(out, width);
    }
}
