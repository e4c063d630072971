//! A certificate's validity period, read from its DER encoding (RFC 5280 §4.1): the
//! `validity` field of `tbsCertificate`, as UTCTime or GeneralizedTime. Only what the `cert`
//! check needs; verifying the chain and the name is webpki's job in the binary.

use jiff::Timestamp;

/// Why the validity could not be read.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
#[error("not a readable X.509 certificate: {0}")]
pub struct BadCertificate(&'static str);

/// When a certificate starts and stops being valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// `notBefore`.
    pub not_before: Timestamp,
    /// `notAfter`.
    pub not_after: Timestamp,
}

/// One DER element: its tag and contents, and what follows it.
fn element(bytes: &[u8]) -> Result<(u8, &[u8], &[u8]), BadCertificate> {
    let bad = BadCertificate("truncated DER");
    let (&tag, rest) = bytes.split_first().ok_or(bad)?;
    let (&first, rest) = rest.split_first().ok_or(bad)?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(BadCertificate("bad DER length"));
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(bad);
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

const SEQUENCE: u8 = 0x30;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const VERSION: u8 = 0xa0;

/// Reads the validity period of the certificate `der`.
pub fn read(der: &[u8]) -> Result<Validity, BadCertificate> {
    let (tag, cert, _) = element(der)?;
    if tag != SEQUENCE {
        return Err(BadCertificate("not a SEQUENCE"));
    }
    let (tag, tbs, _) = element(cert)?;
    if tag != SEQUENCE {
        return Err(BadCertificate("no tbsCertificate"));
    }
    let mut rest = tbs;
    let (tag, _, after) = element(rest)?;
    if tag == VERSION {
        rest = after;
    }
    // serialNumber, signature, issuer
    for _ in 0..3 {
        rest = element(rest)?.2;
    }
    let (tag, validity, _) = element(rest)?;
    if tag != SEQUENCE {
        return Err(BadCertificate("no validity"));
    }
    let (t1, before, rest) = element(validity)?;
    let (t2, after, _) = element(rest)?;
    Ok(Validity {
        not_before: time(t1, before)?,
        not_after: time(t2, after)?,
    })
}

/// A UTCTime (`YYMMDDHHMMSSZ`, years 1950–2049) or GeneralizedTime (`YYYYMMDDHHMMSSZ`).
fn time(tag: u8, text: &[u8]) -> Result<Timestamp, BadCertificate> {
    let bad = BadCertificate("bad time in validity");
    let text = std::str::from_utf8(text).map_err(|_| bad)?;
    let full = match tag {
        UTC_TIME if text.len() == 13 => {
            let yy: u32 = text[..2].parse().map_err(|_| bad)?;
            format!("{}{text}", if yy >= 50 { "19" } else { "20" })
        }
        GENERALIZED_TIME if text.len() == 15 => text.to_string(),
        _ => return Err(bad),
    };
    if !full.ends_with('Z') || !full[..14].bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &full[0..4],
        &full[4..6],
        &full[6..8],
        &full[8..10],
        &full[10..12],
        &full[12..14]
    );
    iso.parse().map_err(|_| bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal certificate-shaped DER: SEQUENCE { SEQUENCE { [0]{INTEGER 2}, INTEGER 1,
    /// SEQUENCE {}, SEQUENCE {}, SEQUENCE { UTCTime, GeneralizedTime } } }.
    fn shaped(before: &[u8], after: &[u8]) -> Vec<u8> {
        let mut validity = vec![UTC_TIME, before.len() as u8];
        validity.extend_from_slice(before);
        validity.extend_from_slice(&[GENERALIZED_TIME, after.len() as u8]);
        validity.extend_from_slice(after);
        let mut tbs = vec![VERSION, 3, 0x02, 1, 2, 0x02, 1, 1, SEQUENCE, 0, SEQUENCE, 0];
        tbs.push(SEQUENCE);
        tbs.push(validity.len() as u8);
        tbs.extend(validity);
        let mut cert = vec![SEQUENCE, tbs.len() as u8];
        cert.extend(tbs);
        let mut out = vec![SEQUENCE, cert.len() as u8];
        out.extend(cert);
        out
    }

    #[test]
    fn both_time_forms_are_read() {
        let v = read(&shaped(b"491231235959Z", b"20510102030405Z")).expect("valid");
        assert_eq!(v.not_before.to_string(), "2049-12-31T23:59:59Z");
        assert_eq!(v.not_after.to_string(), "2051-01-02T03:04:05Z");
        let v = read(&shaped(b"500101000000Z", b"20510102030405Z")).expect("valid");
        assert_eq!(v.not_before.to_string(), "1950-01-01T00:00:00Z");
    }

    #[test]
    fn damaged_input_is_an_error_not_a_panic() {
        let good = shaped(b"491231235959Z", b"20510102030405Z");
        for cut in 0..good.len() {
            assert!(read(&good[..cut]).is_err());
        }
        assert!(read(&shaped(b"4912312359xxZ", b"20510102030405Z")).is_err());
        assert!(read(b"not der at all").is_err());
    }
}
