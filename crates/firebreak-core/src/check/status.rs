//! A check's verdict: [`Status`] (ok, warn, critical, unknown), the [`Outcome`] a probe reports
//! (status, measured value, one-line reason), and [`Thresholds`], which turn a measured number
//! into a status. Unknown means the check could not be made: it is never reported as ok.

use serde::{Deserialize, Serialize};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Within limits.
    Ok,
    /// Past the warning threshold.
    Warn,
    /// Past the critical threshold, or plainly broken (port not listening, integrity failed).
    Critical,
    /// The check could not be made (unreadable, timed out, empty answer).
    Unknown,
}

impl Status {
    /// The name shown and exported: `ok`, `warn`, `critical`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Critical => "critical",
            Status::Unknown => "unknown",
        }
    }

    /// The number `/metrics` exports as `firebreak_check_status`: 0 ok, 1 warn, 2 critical,
    /// 3 unknown (the Nagios plugin numbering).
    pub fn code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warn => 1,
            Status::Critical => 2,
            Status::Unknown => 3,
        }
    }

    /// How bad it is, for picking the worst of several: ok < warn < unknown < critical. A
    /// check that failed outright outranks one that could not be made.
    fn rank(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Warn => 1,
            Status::Unknown => 2,
            Status::Critical => 3,
        }
    }

    /// The worse of two statuses.
    pub fn worse(self, other: Status) -> Status {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    /// The worst of `all` (ok when empty).
    pub fn worst(all: impl IntoIterator<Item = Status>) -> Status {
        all.into_iter().fold(Status::Ok, Status::worse)
    }
}

/// What one run of a probe found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The verdict.
    pub status: Status,
    /// What was measured, as shown (`93.5 %`, `12 days`, `listening`), when something was.
    pub value: Option<String>,
    /// One line saying why.
    pub reason: String,
}

impl Outcome {
    /// A verdict with a measured value.
    pub fn new(status: Status, value: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            status,
            value: Some(value.into()),
            reason: reason.into(),
        }
    }

    /// The check could not be made, and why.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Self {
            status: Status::Unknown,
            value: None,
            reason: reason.into(),
        }
    }
}

/// Which way a measured number gets worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Higher is worse (disk use, latency, OOM kills, a Prometheus value compared with `>`):
    /// a value at or past a threshold trips it.
    Above,
    /// Lower is worse (days a certificate has left, a value compared with `<`).
    Below,
}

/// Warning and critical limits on a number, with the side that is bad. A limit left out never
/// trips.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// The warning limit.
    pub warn: Option<f64>,
    /// The critical limit.
    pub critical: Option<f64>,
    /// Which side is bad.
    pub direction: Direction,
    /// Whether reaching the limit trips it (`>=`, `<=`) or only passing it (`>`, `<`).
    pub inclusive: bool,
}

impl Thresholds {
    /// Whether `value` trips `limit`.
    fn trips(&self, value: f64, limit: f64) -> bool {
        match (self.direction, self.inclusive) {
            (Direction::Above, true) => value >= limit,
            (Direction::Above, false) => value > limit,
            (Direction::Below, true) => value <= limit,
            (Direction::Below, false) => value < limit,
        }
    }

    /// The status of `value`; a value that is not a number (NaN) is unknown.
    pub fn judge(&self, value: f64) -> Status {
        if value.is_nan() {
            return Status::Unknown;
        }
        if self.critical.is_some_and(|c| self.trips(value, c)) {
            Status::Critical
        } else if self.warn.is_some_and(|w| self.trips(value, w)) {
            Status::Warn
        } else {
            Status::Ok
        }
    }

    /// The comparison as written (`>=`, `<`, …), for reasons.
    pub fn operator(&self) -> &'static str {
        match (self.direction, self.inclusive) {
            (Direction::Above, true) => ">=",
            (Direction::Above, false) => ">",
            (Direction::Below, true) => "<=",
            (Direction::Below, false) => "<",
        }
    }

    /// The limit `status` stands for, if any (for reasons: "93 % >= 90").
    pub fn limit_of(&self, status: Status) -> Option<f64> {
        match status {
            Status::Critical => self.critical,
            Status::Warn => self.warn,
            _ => None,
        }
    }

    /// Checks that the two limits are in order (warning before critical on the bad side).
    pub fn ordered(&self) -> Result<(), String> {
        if let (Some(w), Some(c)) = (self.warn, self.critical) {
            let fine = match self.direction {
                Direction::Above => w <= c,
                Direction::Below => w >= c,
            };
            if !fine {
                return Err(format!(
                    "warn ({w}) must come before critical ({c}) on the bad side ({} is worse)",
                    match self.direction {
                        Direction::Above => "higher",
                        Direction::Below => "lower",
                    }
                ));
            }
        }
        if self.warn.is_none() && self.critical.is_none() {
            return Err("give warn, critical or both".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_status_wins_and_unknown_is_never_ok() {
        assert_eq!(Status::worst([]), Status::Ok);
        assert_eq!(Status::worst([Status::Ok, Status::Warn]), Status::Warn);
        assert_eq!(
            Status::worst([Status::Ok, Status::Unknown]),
            Status::Unknown
        );
        assert_eq!(
            Status::worst([Status::Critical, Status::Unknown, Status::Warn]),
            Status::Critical
        );
        assert_eq!(Status::Unknown.code(), 3);
    }

    #[test]
    fn thresholds_trip_on_their_side() {
        let disk = Thresholds {
            warn: Some(70.0),
            critical: Some(90.0),
            direction: Direction::Above,
            inclusive: true,
        };
        assert_eq!(disk.judge(69.9), Status::Ok);
        assert_eq!(disk.judge(70.0), Status::Warn);
        assert_eq!(disk.judge(95.0), Status::Critical);
        assert_eq!(disk.judge(f64::NAN), Status::Unknown);
        let days = Thresholds {
            warn: Some(30.0),
            critical: Some(7.0),
            direction: Direction::Below,
            inclusive: true,
        };
        assert_eq!(days.judge(40.0), Status::Ok);
        assert_eq!(days.judge(12.0), Status::Warn);
        assert_eq!(days.judge(-1.0), Status::Critical);
        assert!(days.ordered().is_ok());
        let backwards = Thresholds {
            warn: Some(90.0),
            critical: Some(70.0),
            ..disk
        };
        assert!(backwards.ordered().is_err());
        let strict = Thresholds {
            warn: None,
            critical: Some(5.0),
            direction: Direction::Above,
            inclusive: false,
        };
        assert_eq!(strict.judge(5.0), Status::Ok);
        assert_eq!(strict.judge(5.1), Status::Critical);
    }
}
