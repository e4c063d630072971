//! The authentication sections of the HTML report: logins, credential stuffing, sshd.

use std::fmt::Write as _;

use super::table::{Cell, Table};
use crate::triage::report::Report;
use crate::triage::units::count;

pub(super) fn logins(out: &mut String, r: &Report) {
    let l = &r.logins;
    if l.attempts == 0 {
        return;
    }
    out.push_str("<h2>Logins</h2>\n");
    let _ = writeln!(
        out,
        "<p>{} attempts: {} failed, {} succeeded.</p>",
        count(l.attempts),
        count(l.failures),
        count(l.successes)
    );
    if !l.failing.is_empty() {
        let mut table = Table::new(&["Address", "Attempts", "Failed", "Succeeded"]);
        for row in &l.failing {
            table.row(vec![
                Cell::text(&row.address),
                Cell::num(row.attempts),
                Cell::num(row.failures),
                Cell::num(row.successes),
            ]);
        }
        table.render(out);
    }
    if !l.sequences.is_empty() {
        let _ = writeln!(
            out,
            "<h3 class=\"flag\">Failed logins then a success ({})</h3>",
            count(l.sequence_count)
        );
        let mut table = Table::new(&[
            "Address",
            "Failures",
            "First failure",
            "Success",
            "Where",
            "Path",
            "Status",
            "User",
        ]);
        for s in &l.sequences {
            table.row(vec![
                Cell::text(&s.address),
                Cell::num(s.failures),
                Cell::plain(s.first_failure.as_ref().map_or("", |t| t.time.as_str())),
                Cell::plain(s.success.as_ref().map_or("", |t| t.time.as_str())),
                Cell::text(&format!("{}:{}", s.input, s.line)),
                Cell::text(&s.path),
                Cell::plain(&s.status.map_or_else(String::new, |c| c.to_string())),
                Cell::text(s.user.as_deref().unwrap_or("")),
            ]);
        }
        table.render(out);
    }
}

pub(super) fn stuffing(out: &mut String, r: &Report) {
    let s = &r.stuffing;
    if s.addresses.is_empty() && s.users.is_empty() && s.paths.is_empty() {
        return;
    }
    out.push_str("<h2>Credential stuffing</h2>\n");
    if !s.paths.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Login paths failing from {} or more addresses</h3>",
            s.min_addresses
        );
        let mut table = Table::new(&["Path", "Addresses", "Failed"]);
        for row in &s.paths {
            let addresses = if row.at_least {
                Cell::text(&format!("≥ {}", row.addresses))
            } else {
                Cell::num(row.addresses)
            };
            table.row(vec![
                Cell::text(&row.path),
                addresses,
                Cell::num(row.failures),
            ]);
        }
        table.render(out);
    }
    if !s.addresses.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Addresses trying {} or more users</h3>",
            s.min_users
        );
        let mut table = Table::new(&["Address", "Users", "Attempts", "Failed", "Some users"]);
        for row in &s.addresses {
            table.row(vec![
                Cell::text(&row.address),
                Cell::num(row.users),
                Cell::num(row.attempts),
                Cell::num(row.failures),
                Cell::text(&row.sample_users.join(", ")),
            ]);
        }
        table.render(out);
    }
    if !s.users.is_empty() {
        let _ = writeln!(
            out,
            "<h3>Users tried from {} or more addresses</h3>",
            s.min_addresses
        );
        let mut table = Table::new(&["User", "Addresses", "Attempts", "Failed"]);
        for row in &s.users {
            table.row(vec![
                Cell::text(&row.user),
                Cell::num(row.addresses),
                Cell::num(row.attempts),
                Cell::num(row.failures),
            ]);
        }
        table.render(out);
    }
}

pub(super) fn sshd(out: &mut String, r: &Report) {
    let s = &r.sshd;
    if s.failures + s.accepted + s.invalid_users == 0 {
        return;
    }
    out.push_str("<h2>sshd</h2>\n");
    let _ = writeln!(
        out,
        "<p>{} failed, {} invalid users, {} accepted.</p>",
        count(s.failures),
        count(s.invalid_users),
        count(s.accepted)
    );
    if !s.addresses.is_empty() {
        let mut table = Table::new(&["Address", "Failed", "Invalid user", "Accepted"]);
        for row in &s.addresses {
            table.row(vec![
                Cell::text(&row.address),
                Cell::num(row.failures),
                Cell::num(row.invalid_users),
                Cell::num(row.accepted),
            ]);
        }
        table.render(out);
    }
    if !s.users.is_empty() {
        let mut table = Table::new(&["User", "Failed", "Invalid", "Accepted"]);
        for row in &s.users {
            table.row(vec![
                Cell::text(&row.user),
                Cell::num(row.failures),
                Cell::num(row.invalid),
                Cell::num(row.accepted),
            ]);
        }
        table.render(out);
    }
    if !s.accepted_after_failures.is_empty() {
        let _ = writeln!(
            out,
            "<h3 class=\"flag\">Accepted after failures ({})</h3>",
            count(s.accepted_after_failures_count)
        );
        let mut table = Table::new(&[
            "Address",
            "User",
            "Failures",
            "First failure",
            "Accepted",
            "Where",
        ]);
        for q in &s.accepted_after_failures {
            table.row(vec![
                Cell::text(&q.address),
                Cell::text(q.user.as_deref().unwrap_or("")),
                Cell::num(q.failures),
                Cell::plain(q.first_failure.as_ref().map_or("", |t| t.time.as_str())),
                Cell::plain(q.accepted.as_ref().map_or("", |t| t.time.as_str())),
                Cell::text(&format!("{}:{}", q.input, q.line)),
            ]);
        }
        table.render(out);
    }
}
