//! Typed property values (libpool's `pool_value_t`) and the C number formats and parsers
//! libpool and poolcfg use, so values print and read back exactly as on Solaris.

use std::fmt::Write as _;

/// The five libpool value types, in libpool's order (`uint int float boolean string`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PropType {
    Uint,
    Int,
    Float,
    Bool,
    Str,
}

impl PropType {
    /// The tag used by `info` and in `<property type="...">`.
    pub fn tag(self) -> &'static str {
        match self {
            PropType::Uint => "uint",
            PropType::Int => "int",
            PropType::Float => "float",
            PropType::Bool => "boolean",
            PropType::Str => "string",
        }
    }

    pub fn from_tag(tag: &str) -> Option<PropType> {
        Some(match tag {
            "uint" => PropType::Uint,
            "int" => PropType::Int,
            "float" => PropType::Float,
            "boolean" => PropType::Bool,
            "string" => PropType::Str,
            _ => return None,
        })
    }
}

/// A property value.
#[derive(Debug, Clone, PartialEq)]
pub enum PropValue {
    Uint(u64),
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
}

impl PropValue {
    pub fn ty(&self) -> PropType {
        match self {
            PropValue::Uint(_) => PropType::Uint,
            PropValue::Int(_) => PropType::Int,
            PropValue::Float(_) => PropType::Float,
            PropValue::Bool(_) => PropType::Bool,
            PropValue::Str(_) => PropType::Str,
        }
    }

    /// The value as `info` prints it (`%llu`, `%lld`, `%g`, `true`/`false`, `%s`).
    pub fn info_text(&self) -> String {
        match self {
            PropValue::Uint(u) => u.to_string(),
            PropValue::Int(i) => i.to_string(),
            PropValue::Float(f) => format_g(*f),
            PropValue::Bool(b) => bool_text(*b).to_string(),
            PropValue::Str(s) => s.clone(),
        }
    }

    /// The value as libpool stores it in XML (floats with `%f`).
    pub fn xml_text(&self) -> String {
        match self {
            PropValue::Float(f) => format_f(*f),
            other => other.info_text(),
        }
    }

    /// Parse the XML text of a value of type `ty`. Stricter than libpool's `strtoull`/`atof`
    /// (which ignore trailing garbage): a damaged file is reported, not silently misread.
    pub fn parse_xml(ty: PropType, text: &str) -> Option<PropValue> {
        Some(match ty {
            PropType::Uint => PropValue::Uint(text.trim().parse().ok()?),
            PropType::Int => PropValue::Int(text.trim().parse().ok()?),
            PropType::Float => {
                let f: f64 = text.trim().parse().ok()?;
                if !f.is_finite() {
                    return None;
                }
                PropValue::Float(f)
            }
            PropType::Bool => match text.trim() {
                "true" => PropValue::Bool(true),
                "false" => PropValue::Bool(false),
                _ => return None,
            },
            PropType::Str => PropValue::Str(text.to_string()),
        })
    }

    pub fn as_uint(&self) -> Option<u64> {
        match self {
            PropValue::Uint(u) => Some(*u),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            PropValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            PropValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            PropValue::Str(s) => Some(s),
            _ => None,
        }
    }
}

pub(crate) fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// C's `%f`.
pub fn format_f(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf".into() } else { "inf".into() };
    }
    format!("{v:.6}")
}

/// C's `%g` (precision 6): the shorter of `%e` and `%f`, trailing zeros removed.
pub fn format_g(v: f64) -> String {
    const P: i32 = 6;
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Round to P significant digits first: the exponent after rounding decides the style.
    let sci = format!("{:.*e}", (P - 1) as usize, v);
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    if !(-4..P).contains(&exp) {
        let m = strip_fraction_zeros(&mantissa);
        let mut out = m;
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
        out
    } else {
        let decimals = (P - 1 - exp).max(0) as usize;
        strip_fraction_zeros(&format!("{v:.decimals$}"))
    }
}

fn strip_fraction_zeros(s: &str) -> String {
    if !s.contains('.') {
        return s.to_string();
    }
    let t = s.trim_end_matches('0');
    t.trim_end_matches('.').to_string()
}

/// Why a C-style number conversion failed: `strtoull`/`strtoll`/`strtod` set `ERANGE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange;

/// `strtoull(text, NULL, 0)` on a run of decimal digits: a leading `0` means octal and the
/// conversion stops at the first digit that is not octal (so `08` is 0), as in C.
pub fn c_strtoull_digits(digits: &str) -> Result<u64, OutOfRange> {
    let (radix, body) = if digits.len() > 1 && digits.starts_with('0') {
        (8u64, &digits[1..])
    } else {
        (10u64, digits)
    };
    let mut value: u64 = 0;
    for c in body.chars() {
        let d = match c.to_digit(radix as u32) {
            Some(d) => d as u64,
            None => break,
        };
        value = value
            .checked_mul(radix)
            .and_then(|v| v.checked_add(d))
            .ok_or(OutOfRange)?;
    }
    Ok(value)
}

/// `strtoll(text, NULL, 0)` on `-?[0-9]+`.
pub fn c_strtoll_digits(text: &str) -> Result<i64, OutOfRange> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = c_strtoull_digits(digits)?;
    if negative {
        if magnitude > i64::MAX as u64 + 1 {
            return Err(OutOfRange);
        }
        Ok((magnitude as i128).wrapping_neg() as i64)
    } else {
        i64::try_from(magnitude).map_err(|_| OutOfRange)
    }
}

/// `strtod` on poolcfg's float syntax; overflow and underflow are `ERANGE`.
pub fn c_strtod(text: &str) -> Result<f64, OutOfRange> {
    let v: f64 = text.parse().map_err(|_| OutOfRange)?;
    if v.is_infinite() {
        return Err(OutOfRange);
    }
    let has_nonzero_digit = text
        .split(['e', 'E'])
        .next()
        .is_some_and(|m| m.chars().any(|c| c.is_ascii_digit() && c != '0'));
    if (v == 0.0 && has_nonzero_digit) || v.is_subnormal() {
        return Err(OutOfRange);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_g_matches_c() {
        let cases = [
            (0.0, "0"),
            (1.0, "1"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (100000.0, "100000"),
            (1000000.0, "1e+06"),
            (1234567.0, "1.23457e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000123456789, "0.000123457"),
            (-2.5, "-2.5"),
            (2.71234567, "2.71235"),
            (999999.5, "1e+06"),
            (1e100, "1e+100"),
        ];
        for (v, want) in cases {
            assert_eq!(format_g(v), want, "{v}");
        }
    }

    #[test]
    fn percent_f_matches_c() {
        assert_eq!(format_f(1.5), "1.500000");
        assert_eq!(format_f(-0.25), "-0.250000");
    }

    #[test]
    fn strtoull_base_zero() {
        assert_eq!(c_strtoull_digits("10"), Ok(10));
        assert_eq!(c_strtoull_digits("010"), Ok(8));
        assert_eq!(c_strtoull_digits("08"), Ok(0));
        assert_eq!(c_strtoull_digits("0"), Ok(0));
        assert_eq!(c_strtoull_digits("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(c_strtoull_digits("18446744073709551616"), Err(OutOfRange));
    }

    #[test]
    fn strtoll_base_zero() {
        assert_eq!(c_strtoll_digits("-5"), Ok(-5));
        assert_eq!(c_strtoll_digits("-010"), Ok(-8));
        assert_eq!(c_strtoll_digits("9223372036854775807"), Ok(i64::MAX));
        assert_eq!(c_strtoll_digits("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(c_strtoll_digits("9223372036854775808"), Err(OutOfRange));
        assert_eq!(c_strtoll_digits("-9223372036854775809"), Err(OutOfRange));
    }

    #[test]
    fn strtod_ranges() {
        assert_eq!(c_strtod("1.5"), Ok(1.5));
        assert_eq!(c_strtod(".5e2"), Ok(50.0));
        assert_eq!(c_strtod("0.0"), Ok(0.0));
        assert_eq!(c_strtod("1e999"), Err(OutOfRange));
        assert_eq!(c_strtod("1.0e-999"), Err(OutOfRange));
    }

    #[test]
    fn xml_values() {
        assert_eq!(
            PropValue::parse_xml(PropType::Uint, "4"),
            Some(PropValue::Uint(4))
        );
        assert_eq!(PropValue::parse_xml(PropType::Uint, "-4"), None);
        assert_eq!(
            PropValue::parse_xml(PropType::Int, "-4"),
            Some(PropValue::Int(-4))
        );
        assert_eq!(PropValue::parse_xml(PropType::Bool, "yes"), None);
        assert_eq!(
            PropValue::parse_xml(PropType::Float, "1.500000"),
            Some(PropValue::Float(1.5))
        );
        assert_eq!(PropValue::Float(1.5).xml_text(), "1.500000");
        assert_eq!(PropValue::Float(1.5).info_text(), "1.5");
        assert_eq!(PropType::from_tag("boolean"), Some(PropType::Bool));
        assert_eq!(PropType::Str.tag(), "string");
    }
}
