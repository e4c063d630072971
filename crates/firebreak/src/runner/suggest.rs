//! `runbook suggest`: ranks runbooks for an incident by how many of its words (title and
//! summary) the runbook's tags, title, procedure names and notes contain — symptom items, prose
//! paragraphs and admonitions alike. Tags weigh most: they are the words the runbook's author
//! chose for matching; a note's words weigh least, as prose says many things. A runbook a
//! detection rule named for the incident outranks any word match.

use std::collections::BTreeSet;

use firebreak_core::runbook::Runbook;

/// Words too common to say anything.
const STOP: &[&str] = &[
    "the", "and", "for", "with", "from", "not", "are", "was", "has", "have", "this", "that", "all",
    "any", "too", "our", "out", "high", "low", "last", "since", "after", "before", "about", "into",
    "than", "then", "when", "roughly", "third", "one", "two", "some", "more", "less", "over",
    "under", "return", "now",
];

fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3 || w.chars().all(|c| c.is_ascii_digit()) && w.len() == 3)
        .map(str::to_lowercase)
        .filter(|w| !STOP.contains(&w.as_str()))
        .map(|w| w.trim_end_matches('s').to_string())
        .collect()
}

/// Score a detection's suggestion adds: more than any plausible word match.
const SUGGESTED: u32 = 100;

/// A runbook's score for the incident text and the words that matched, best first; runbooks
/// in `suggested` (named by the incident's detections) come first.
pub fn rank<'a>(
    incident_text: &str,
    suggested: &[&str],
    runbooks: &'a [Runbook],
) -> Vec<(u32, &'a Runbook, Vec<String>)> {
    let wanted = words(incident_text);
    let mut ranked: Vec<(u32, &Runbook, Vec<String>)> = runbooks
        .iter()
        .filter_map(|rb| {
            let tags: BTreeSet<String> = rb.tags.iter().flat_map(|t| words(t)).collect();
            let mut named = words(&rb.title);
            named.extend(words(&rb.name));
            let mut described = BTreeSet::new();
            for p in &rb.procedures {
                named.extend(words(&p.name));
                for n in &p.notes {
                    described.extend(words(&n.text));
                }
            }
            described.extend(rb.summary.iter().flat_map(|s| words(s)));
            let mut score = 0;
            let mut matched = Vec::new();
            for w in &wanted {
                let s = 3 * u32::from(tags.contains(w))
                    + 2 * u32::from(named.contains(w))
                    + u32::from(described.contains(w));
                if s > 0 {
                    score += s;
                    matched.push(w.clone());
                }
            }
            if suggested.contains(&rb.name.as_str()) {
                score += SUGGESTED;
                matched.insert(0, "suggested by detection".to_string());
            }
            (score > 0).then_some((score, rb, matched))
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book(name: &str, text: &str) -> Runbook {
        firebreak_core::runbook::parse(name, text.as_bytes()).0
    }

    #[test]
    fn prose_and_admonitions_are_matched_as_well_as_symptoms() {
        let books = [
            book(
                "cache",
                "# Cache\n\n## Recovery\n\nEvictions spike when the replica lags.\n\n```bash\nredis-cli info\n```\n",
            ),
            book(
                "queue",
                "# Queue\n\n## Recovery\n\n> [!WARNING]\n> Purging loses the backlog.\n\n```bash\nrabbitmqctl list_queues\n```\n",
            ),
            book("disk", "# Disk\n\n## Recovery\n\n```bash\ndf -h\n```\n"),
        ];
        let names = |text: &str| -> Vec<String> {
            rank(text, &[], &books)
                .iter()
                .map(|(_, rb, _)| rb.name.clone())
                .collect()
        };
        assert_eq!(names("Evictions after replica lag"), ["cache"]);
        assert_eq!(names("backlog growing"), ["queue"]);
    }
}
