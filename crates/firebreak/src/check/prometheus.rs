//! `prometheus`: a PromQL instant query (`GET /api/v1/query`) compared with the check's
//! limits. Of several series the worst is judged (the highest when higher is worse). An empty
//! result, a `NaN`, or an error from Prometheus is unknown: no data is not good news.

use firebreak_core::check::{Direction, Outcome, Status, Thresholds};
use serde_json::Value;

use super::{BODY_MAX, number};
use crate::notify::Http;

/// Asks the Prometheus server at `base` for `query`.
pub async fn probe(http: &Http, base: &str, query: &str, limits: &Thresholds) -> Outcome {
    let url = format!(
        "{}/api/v1/query?query={}",
        base.trim_end_matches('/'),
        encode(query)
    );
    let answer = match http.get(&url, BODY_MAX).await {
        Ok(a) => a,
        Err(e) => return Outcome::unknown(format!("asking Prometheus at {base}: {e}")),
    };
    let body: Value = match serde_json::from_slice(&answer.body) {
        Ok(v) => v,
        Err(_) => {
            return Outcome::unknown(format!(
                "Prometheus at {base} answered HTTP {} without its JSON",
                answer.status
            ));
        }
    };
    if body["status"] != "success" {
        let why = body["error"].as_str().unwrap_or("no reason given");
        return Outcome::unknown(format!(
            "Prometheus refused the query (HTTP {}): {}",
            answer.status,
            crate::output::clip(why, 200)
        ));
    }
    let samples = match samples(&body["data"]) {
        Ok(s) => s,
        Err(e) => return Outcome::unknown(e),
    };
    let worst =
        samples
            .iter()
            .filter(|(_, v)| !v.is_nan())
            .fold(None::<&(String, f64)>, |worst, s| match worst {
                None => Some(s),
                Some(w) => {
                    let worse = match limits.direction {
                        Direction::Above => s.1 > w.1,
                        Direction::Below => s.1 < w.1,
                    };
                    Some(if worse { s } else { w })
                }
            });
    let Some((series, value)) = worst else {
        return Outcome::unknown(if samples.is_empty() {
            format!("the query returned no data: {query}")
        } else {
            format!("the query returned only NaN: {query}")
        });
    };
    let status = limits.judge(*value);
    let of = if samples.len() > 1 {
        format!(" (worst of {} series: {series})", samples.len())
    } else {
        String::new()
    };
    let reason = match limits.limit_of(status) {
        Some(limit) => format!(
            "{query} = {}{of}, {} {}",
            number(*value),
            limits.operator(),
            number(limit)
        ),
        None => format!("{query} = {}{of}", number(*value)),
    };
    debug_assert!(status != Status::Unknown);
    Outcome::new(status, number(*value), reason)
}

/// The `(series, value)` pairs of a `vector` or `scalar` result.
fn samples(data: &Value) -> Result<Vec<(String, f64)>, String> {
    let value_of = |pair: &Value| -> Option<f64> {
        // `[ <unix time>, "<value>" ]`; Prometheus writes NaN and ±Inf as strings too.
        pair.get(1)?.as_str()?.parse().ok()
    };
    match data["resultType"].as_str() {
        Some("scalar") => Ok(value_of(&data["result"])
            .map(|v| vec![("scalar".to_string(), v)])
            .unwrap_or_default()),
        Some("vector") => {
            let list = data["result"].as_array().ok_or("no result list")?;
            Ok(list
                .iter()
                .filter_map(|s| {
                    let v = value_of(&s["value"])?;
                    Some((series(&s["metric"]), v))
                })
                .collect())
        }
        Some(other) => Err(format!(
            "the query gave a {other}; write one whose result is an instant vector or a scalar"
        )),
        None => Err("Prometheus's answer has no resultType".into()),
    }
}

/// `name{label="value",…}` for a series' labels.
fn series(metric: &Value) -> String {
    let Some(labels) = metric.as_object() else {
        return "{}".into();
    };
    let name = labels.get("__name__").and_then(Value::as_str).unwrap_or("");
    let rest: Vec<String> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}={:?}", v.as_str().unwrap_or("")))
        .collect();
    crate::output::clip(&format!("{name}{{{}}}", rest.join(",")), 160)
}

/// Percent-encodes a query parameter (everything but RFC 3986's unreserved characters).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vectors_and_scalars_are_read() {
        let v = json!({"resultType": "vector", "result": [
            {"metric": {"__name__": "q", "job": "a"}, "value": [1.0, "3"]},
            {"metric": {}, "value": [1.0, "NaN"]}
        ]});
        let s = samples(&v).expect("vector");
        assert_eq!(s[0], ("q{job=\"a\"}".to_string(), 3.0));
        assert!(s[1].1.is_nan());
        let s = samples(&json!({"resultType": "scalar", "result": [1.0, "7.5"]})).expect("scalar");
        assert_eq!(s, vec![("scalar".to_string(), 7.5)]);
        assert!(samples(&json!({"resultType": "matrix", "result": []})).is_err());
        assert_eq!(encode("rate(x[5m]) > 1"), "rate%28x%5B5m%5D%29%20%3E%201");
    }
}
