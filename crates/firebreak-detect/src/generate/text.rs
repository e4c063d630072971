//! Writing the pieces of a line by hand, without `fmt`: decimal numbers and times — nginx's
//! `$time_local` (`10/Oct/2025:13:55:36 +0000`) or RFC 3339 (`2025-10-10T13:55:36Z`) —
//! recomputed only when the second changes.

/// Appends `n` in decimal.
pub(super) fn push_number(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(at..).unwrap_or_default());
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// How a [`Clock`] writes its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stamp {
    /// nginx's `$time_local`.
    Clf,
    /// RFC 3339 in UTC, as Traefik writes `time`.
    Rfc3339,
}

/// The time of the current second, in UTC, in one [`Stamp`].
#[derive(Debug, Clone)]
pub(super) struct Clock {
    stamp: Stamp,
    second: i64,
    text: Vec<u8>,
}

impl Clock {
    pub fn new(stamp: Stamp) -> Clock {
        Clock {
            stamp,
            second: i64::MIN,
            text: Vec::with_capacity(26),
        }
    }

    /// The time for unix time `second`.
    pub fn at(&mut self, second: i64) -> &[u8] {
        if second != self.second {
            self.second = second;
            self.text.clear();
            let (days, in_day) = (second.div_euclid(86_400), second.rem_euclid(86_400));
            let (year, month, day) = crate::time::civil_from_days(days);
            let year = year.max(0) as u64;
            let text = &mut self.text;
            match self.stamp {
                Stamp::Clf => {
                    two_digits(text, day);
                    text.push(b'/');
                    let month = MONTHS.get(month as usize - 1).copied().unwrap_or(b"Jan");
                    text.extend_from_slice(month);
                    text.push(b'/');
                    push_number(text, year);
                    text.push(b':');
                }
                Stamp::Rfc3339 => {
                    push_number(text, year);
                    text.push(b'-');
                    two_digits(text, month);
                    text.push(b'-');
                    two_digits(text, day);
                    text.push(b'T');
                }
            }
            two_digits(text, (in_day / 3600) as u32);
            for part in [in_day / 60 % 60, in_day % 60] {
                text.push(b':');
                two_digits(text, part as u32);
            }
            text.extend_from_slice(match self.stamp {
                Stamp::Clf => b" +0000",
                Stamp::Rfc3339 => b"Z",
            });
        }
        &self.text
    }
}

fn two_digits(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10 % 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_match_the_calendar() {
        let mut clock = Clock::new(Stamp::Clf);
        assert_eq!(clock.at(0), b"01/Jan/1970:00:00:00 +0000");
        assert_eq!(clock.at(1_740_787_200), b"01/Mar/2025:00:00:00 +0000");
        assert_eq!(clock.at(951_782_400 - 1), b"28/Feb/2000:23:59:59 +0000");
        assert_eq!(
            clock.at(951_782_400 + 86_399),
            b"29/Feb/2000:23:59:59 +0000"
        );
        assert_eq!(clock.at(4_102_444_799), b"31/Dec/2099:23:59:59 +0000");
        let mut clock = Clock::new(Stamp::Rfc3339);
        assert_eq!(clock.at(0), b"1970-01-01T00:00:00Z");
        assert_eq!(clock.at(951_782_400 + 86_399), b"2000-02-29T23:59:59Z");
        for second in [
            0,
            951_782_400 + 86_399,
            1_740_787_200 + 45_296,
            4_102_444_799,
        ] {
            let text = clock.at(second).to_vec();
            assert_eq!(crate::time::iso8601(&text), Some(second));
        }
    }

    #[test]
    fn numbers_are_decimal() {
        let mut out = Vec::new();
        for n in [0, 7, 10, 4096, u64::MAX] {
            push_number(&mut out, n);
            out.push(b' ');
        }
        assert_eq!(out, b"0 7 10 4096 18446744073709551615 ");
    }
}
