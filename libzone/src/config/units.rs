//! Memory quantities as zonecfg reads and prints them (spec §1.6, §1.10).
//!
//! Input (libzonecfg `zonecfg_str_to_bytes()`): a non-negative number, fractions allowed,
//! optionally followed by one of `K`, `M`, `G`, `T` (any case) meaning 2^10 .. 2^40; a plain
//! number is bytes. Output (zonecfg `bytes_to_units()`): below 1024 the raw number, otherwise
//! the largest unit up to `T`, with one decimal when the value is not a whole number of that
//! unit and below 10 (`1.5G`), else rounded to an integer (`50M`, `11K`).

/// The message zonecfg prints when a memory value does not parse (the `locked` cap and the
/// `max-shm-memory` alias); note the line break before `here.`.
pub const NON_NEGATIVE_EXPECTED: &str =
    "A non-negative number with a required scale suffix (K, M, G or T) was expected\nhere.";

/// The message for the `physical` and `swap` caps of `capped-memory`.
pub const POSITIVE_EXPECTED: &str =
    "A positive number with a required scale suffix (K, M, G or T) was expected here.";

pub const KIB: u64 = 1 << 10;
pub const MIB: u64 = 1 << 20;
pub const GIB: u64 = 1 << 30;
pub const TIB: u64 = 1 << 40;

/// A memory value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitsError {
    #[error(
        "A non-negative number with a required scale suffix (K, M, G or T) was expected\nhere."
    )]
    NotAMemoryValue,
}

/// Parses a memory value (`512`, `1.5G`, `50m`) into bytes; fractions of a byte are dropped.
/// The arithmetic is exact decimal arithmetic, so `1.1G` is `floor(1.1 * 2^30)`.
pub fn parse_bytes(s: &str) -> Result<u64, UnitsError> {
    let bad = Err(UnitsError::NotAMemoryValue);
    let s = s.strip_prefix('+').unwrap_or(s);
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut mantissa: u128 = 0;
    let mut digits = 0usize;
    let mut frac_digits: i64 = 0;
    let mut seen_point = false;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_digit() {
            // Digits beyond what u128 holds cannot matter for a u64 result unless they are
            // integer digits, in which case the value overflows anyway.
            if mantissa < (u128::MAX / 10) {
                mantissa = mantissa * 10 + u128::from(c - b'0');
                if seen_point {
                    frac_digits += 1;
                }
            } else if !seen_point {
                return bad;
            }
            digits += 1;
        } else if c == b'.' && !seen_point {
            seen_point = true;
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 {
        return bad;
    }
    let mut exponent: i64 = 0;
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        let mut negative = false;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            negative = bytes[j] == b'-';
            j += 1;
        }
        let start = j;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            exponent = exponent
                .saturating_mul(10)
                .saturating_add(i64::from(bytes[j] - b'0'));
            j += 1;
        }
        if j > start {
            if negative {
                exponent = -exponent;
            }
            i = j;
        } else {
            exponent = 0;
        }
    }
    let scale: u128 = match &s[i..] {
        "" => 1,
        u if u.eq_ignore_ascii_case("k") => u128::from(KIB),
        u if u.eq_ignore_ascii_case("m") => u128::from(MIB),
        u if u.eq_ignore_ascii_case("g") => u128::from(GIB),
        u if u.eq_ignore_ascii_case("t") => u128::from(TIB),
        _ => return bad,
    };
    let Some(value) = mantissa.checked_mul(scale) else {
        return bad;
    };
    let power = exponent.saturating_sub(frac_digits);
    let result = if power >= 0 {
        let mut v = value;
        for _ in 0..power {
            match v.checked_mul(10) {
                Some(n) => v = n,
                None if v == 0 => break,
                None => return bad,
            }
        }
        v
    } else {
        let mut v = value;
        for _ in 0..power.unsigned_abs() {
            v /= 10;
            if v == 0 {
                break;
            }
        }
        v
    };
    u64::try_from(result).or(bad)
}

/// The leading decimal number of `s` the way `strtoll()` reads it (0 when there is none); used
/// on values stored as byte counts, such as the `mcap` physical cap.
pub fn leading_number(s: &str) -> u64 {
    let mut n: u64 = 0;
    for c in s.trim_start().bytes() {
        if !c.is_ascii_digit() {
            break;
        }
        n = n.saturating_mul(10).saturating_add(u64::from(c - b'0'));
    }
    n
}

/// Formats a byte count the way zonecfg's `info` and `export` show memory caps.
pub fn bytes_to_units(bytes: u64) -> String {
    const UNITS: [char; 5] = ['B', 'K', 'M', 'G', 'T'];
    let mut num = bytes;
    if num < 1024 {
        return num.to_string();
    }
    let mut unit = 0;
    let mut save = 0u64;
    while num >= 1024 && UNITS[unit] != 'T' {
        unit += 1;
        save = num;
        num = (num + 512) >> 10;
    }
    if save & 1023 != 0 && (save >> 10) < 10 {
        // zonecfg divides in single precision and lets printf round to one decimal.
        let value = (save as f32) / 1024.0f32;
        format!("{:.1}{}", f64::from(value), UNITS[unit])
    } else {
        format!("{}{}", num, UNITS[unit])
    }
}

/// [`bytes_to_units`] on a stored decimal string.
pub fn str_to_units(stored: &str) -> String {
    bytes_to_units(leading_number(stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_bytes("0"), Ok(0));
        assert_eq!(parse_bytes("512"), Ok(512));
        assert_eq!(parse_bytes("1K"), Ok(1024));
        assert_eq!(parse_bytes("1k"), Ok(1024));
        assert_eq!(parse_bytes("50M"), Ok(50 * MIB));
        assert_eq!(parse_bytes("1.5G"), Ok(3 * GIB / 2));
        assert_eq!(parse_bytes("2t"), Ok(2 * TIB));
        assert_eq!(parse_bytes(".5K"), Ok(512));
        assert_eq!(parse_bytes("5."), Ok(5));
        assert_eq!(parse_bytes("1e3"), Ok(1000));
        assert_eq!(parse_bytes("1.3G"), Ok(1_395_864_371));
        assert_eq!(parse_bytes("0.1"), Ok(0));
        for bad in [
            "",
            "K",
            "-1",
            "1KB",
            "1 K",
            "abc",
            "1.2.3",
            "1P",
            "99999999999999999999T",
        ] {
            assert_eq!(parse_bytes(bad), Err(UnitsError::NotAMemoryValue), "{bad}");
        }
        assert_eq!(
            UnitsError::NotAMemoryValue.to_string(),
            NON_NEGATIVE_EXPECTED
        );
    }

    #[test]
    fn formats_units() {
        assert_eq!(bytes_to_units(0), "0");
        assert_eq!(bytes_to_units(1023), "1023");
        assert_eq!(bytes_to_units(1024), "1K");
        assert_eq!(bytes_to_units(1536), "1.5K");
        assert_eq!(bytes_to_units(10752), "11K");
        assert_eq!(bytes_to_units(50 * MIB), "50M");
        assert_eq!(bytes_to_units(100 * MIB), "100M");
        assert_eq!(bytes_to_units(3 * GIB / 2), "1.5G");
        assert_eq!(bytes_to_units(GIB), "1G");
        assert_eq!(bytes_to_units(1_395_864_371), "1.3G");
        assert_eq!(bytes_to_units(2048 * TIB), "2048T");
        assert_eq!(str_to_units("52428800"), "50M");
        assert_eq!(leading_number("12abc"), 12);
        assert_eq!(leading_number("x"), 0);
    }
}
