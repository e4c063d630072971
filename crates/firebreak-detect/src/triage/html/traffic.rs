//! The traffic tables of the HTML report: paths, agents, bots, error responses and response
//! volume.

use std::fmt::Write as _;

use super::addr_list;
use super::table::{Cell, Table};
use crate::triage::report::Report;
use crate::triage::units::bytes;

pub(super) fn paths_and_agents(out: &mut String, r: &Report) {
    if !r.paths.is_empty() {
        out.push_str("<h2>Top paths</h2>\n<p class=\"muted\">Query strings stripped.</p>\n");
        let mut table = Table::new(&["Path", "Requests", "With query", "4xx", "5xx", "Bytes"]);
        for row in &r.paths {
            table.row(vec![
                Cell::text(&row.path),
                Cell::num(row.requests),
                Cell::num(row.with_query),
                Cell::num(row.status.get(3)),
                Cell::num(row.status.get(4)),
                Cell::right(&bytes(row.bytes)),
            ]);
        }
        table.render(out);
    }
    if !r.agents.is_empty() {
        out.push_str("<h2>Top user agents</h2>\n");
        let mut table = Table::new(&["Agent", "Requests", "Kind"]);
        for row in &r.agents {
            table.row(vec![
                Cell::text(&row.agent),
                Cell::num(row.requests),
                Cell::plain(row.kind.as_deref().unwrap_or("")),
            ]);
        }
        table.render(out);
    }
}

pub(super) fn bots(out: &mut String, r: &Report) {
    if r.bots.is_empty() {
        return;
    }
    out.push_str("<h2>Scanners, scripts and crawlers</h2>\n");
    let mut table = Table::new(&["Match", "Kind", "Requests", "Addresses", "Most active"]);
    for bot in &r.bots {
        table.row(vec![
            Cell::text(&bot.pattern),
            Cell::plain(&bot.kind),
            Cell::num(bot.requests),
            Cell::num(bot.address_count),
            Cell::text(&addr_list(&bot.addresses)),
        ]);
    }
    table.render(out);
}

pub(super) fn errors(out: &mut String, r: &Report) {
    let e = &r.errors;
    let lists = [
        ("401 Unauthorized", &e.unauthorized),
        ("403 Forbidden", &e.forbidden),
        ("429 Too Many Requests", &e.too_many_requests),
        ("5xx", &e.server_errors),
    ];
    if lists.iter().all(|(_, l)| l.is_empty()) {
        return;
    }
    out.push_str("<h2>Error responses by address</h2>\n");
    let mut table = Table::new(&["Response", "Addresses (count)"]);
    for (name, list) in lists {
        if !list.is_empty() {
            table.row(vec![Cell::plain(name), Cell::text(&addr_list(list))]);
        }
    }
    table.render(out);
}

pub(super) fn exports(out: &mut String, r: &Report) {
    let e = &r.exports;
    if e.top.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<h2>Response volume</h2>\n<p class=\"muted\">Flagged from {} per address; a large \
         response is {} or more.</p>",
        bytes(e.threshold_bytes),
        bytes(e.large_response_bytes)
    );
    let mut table = Table::new(&["Address", "Bytes", "Requests", "Large responses", "Flag"]);
    for row in &e.top {
        table.row(vec![
            Cell::text(&row.address),
            Cell::right(&bytes(row.bytes)),
            Cell::num(row.requests),
            Cell::num(row.large_responses),
            Cell::flag(row.flagged, "export"),
        ]);
    }
    table.render(out);
}
