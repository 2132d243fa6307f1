//! Text-level helpers both XML documents (zone files, pool configurations) use: the
//! references that escape a character, and the line of a byte offset for error messages.

/// The entity or character reference `c` needs in XML text or an attribute value: the five
/// markup characters, and tab, newline and carriage return, which an XML reader's
/// attribute-value normalisation would otherwise turn into spaces. `None`: `c` goes as it is
/// (each document decides about other control characters).
pub(crate) fn reference_for(c: char) -> Option<&'static str> {
    Some(match c {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '"' => "&quot;",
        '\'' => "&apos;",
        '\n' => "&#10;",
        '\r' => "&#13;",
        '\t' => "&#9;",
        _ => return None,
    })
}

/// The 1-based line of the byte at `offset` (an offset past the end counts as the end).
pub(crate) fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_lines() {
        let escaped: String = "a<b>&\"'\t\n\r\u{1}"
            .chars()
            .map(|c| reference_for(c).map_or_else(|| c.to_string(), str::to_string))
            .collect();
        assert_eq!(escaped, "a&lt;b&gt;&amp;&quot;&apos;&#9;&#10;&#13;\u{1}");
        assert_eq!(line_of(b"ab\ncd\nef", 0), 1);
        assert_eq!(line_of(b"ab\ncd\nef", 3), 2);
        assert_eq!(line_of(b"ab\ncd\nef", 99), 3);
    }
}
