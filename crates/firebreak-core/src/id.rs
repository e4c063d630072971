//! Incident identifiers: `INC-YYYY-MM-DD-NNN`, the UTC day of declaration and a counter that
//! starts at 1 each day. The counter is allocated by the store under its write lock, so this
//! module only formats and parses.

use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;

/// An incident's identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IncidentId {
    day: Date,
    number: u32,
}

/// Why a string is not an incident identifier.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{given:?} is not an incident id ({why}); ids look like INC-2026-11-23-001")]
pub struct BadId {
    given: String,
    why: &'static str,
}

impl IncidentId {
    /// The id for counter `number` on `day`. Numbers start at 1.
    pub fn new(day: Date, number: u32) -> Self {
        Self { day, number }
    }

    /// The UTC day the incident was declared.
    pub fn day(&self) -> Date {
        self.day
    }

    /// The counter within the day.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The day as stored: `YYYY-MM-DD`.
    pub fn day_key(day: Date) -> String {
        day.strftime("%Y-%m-%d").to_string()
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "INC-{}-{:03}",
            self.day.strftime("%Y-%m-%d"),
            self.number
        )
    }
}

impl FromStr for IncidentId {
    type Err = BadId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why| BadId {
            given: s.to_string(),
            why,
        };
        let rest = s
            .strip_prefix("INC-")
            .or_else(|| s.strip_prefix("inc-"))
            .ok_or_else(|| bad("it must start with INC-"))?;
        if rest.len() < 14 || !rest.is_char_boundary(10) {
            return Err(bad("expected INC-YYYY-MM-DD-NNN"));
        }
        let (date, number) = rest.split_at(10);
        let number = number
            .strip_prefix('-')
            .ok_or_else(|| bad("expected '-' after the date"))?;
        if number.len() < 3 || number.len() > 9 || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the counter must be 3 to 9 digits"));
        }
        let number: u32 = number
            .parse()
            .map_err(|_| bad("the counter is not a number"))?;
        if number == 0 {
            return Err(bad("counters start at 001"));
        }
        let bytes = date.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(bad("the date must be YYYY-MM-DD"));
        }
        let day: Date = date
            .parse()
            .map_err(|_| bad("the date is not a real day"))?;
        Ok(Self { day, number })
    }
}

impl serde::Serialize for IncidentId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for IncidentId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        let id = IncidentId::new(jiff::civil::date(2026, 11, 23), 7);
        assert_eq!(id.to_string(), "INC-2026-11-23-007");
        assert_eq!("INC-2026-11-23-007".parse::<IncidentId>(), Ok(id));
        let big = IncidentId::new(jiff::civil::date(2026, 1, 2), 1234);
        assert_eq!(big.to_string(), "INC-2026-01-02-1234");
        assert_eq!(big.to_string().parse::<IncidentId>(), Ok(big));
    }

    #[test]
    fn rejects_malformed_ids_with_a_reason() {
        for bad in [
            "",
            "INC",
            "INC-2026-11-23",
            "INC-2026-11-23-",
            "INC-2026-11-23-01",
            "INC-2026-11-23-000",
            "INC-2026-13-01-001",
            "INC-2026-02-30-001",
            "INC-2026-11-23-0x1",
            "INC-2026-11-23-ééé",
            "INC-2026/11/23-001",
            "XYZ-2026-11-23-001",
            "INC-2026-11-23-0000000001",
        ] {
            let err = bad.parse::<IncidentId>().expect_err(bad);
            assert!(err.to_string().contains("is not an incident id"), "{err}");
        }
    }
}
