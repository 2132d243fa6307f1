//! The one XML writer both documents (zone files, pool configurations) use, and the
//! text-level helpers they share: the references that escape a character, and the line of a
//! byte offset for error messages.

use std::fmt::Write as _;

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

/// Escapes an attribute value or element text into `out`. Control characters become
/// character references so that an XML reader's attribute-value normalisation cannot turn
/// them into spaces; NUL, which no XML document can carry (nor a C string in libzonecfg or
/// libpool), is dropped.
pub(crate) fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match (c, reference_for(c)) {
            (_, Some(r)) => out.push_str(r),
            ('\0', None) => {}
            (c, None) if c.is_control() => {
                let _ = write!(out, "&#{};", c as u32);
            }
            (c, None) => out.push(c),
        }
    }
}

/// What an element holds besides its attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    Children(Vec<Element>),
    Text(String),
}

/// An element to write: attributes in the order given, then children (each on its own
/// line, indented two blanks a level) or text (on the element's line). An element with
/// neither is written empty (`<name .../>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
    content: Content,
}

impl Element {
    pub(crate) fn new(name: &'static str) -> Element {
        Element {
            name,
            attrs: Vec::new(),
            content: Content::Children(Vec::new()),
        }
    }

    /// An attribute written even when empty (the DTD requires it).
    pub(crate) fn req(mut self, key: &'static str, value: &str) -> Element {
        self.attrs.push((key, value.to_string()));
        self
    }

    /// An optional attribute: left out when empty (absent and empty read alike).
    pub(crate) fn opt(self, key: &'static str, value: &str) -> Element {
        if value.is_empty() {
            self
        } else {
            self.req(key, value)
        }
    }

    /// Appends a child element in place. An element given text has no children.
    pub(crate) fn push(&mut self, c: Element) {
        match &mut self.content {
            Content::Children(v) => v.push(c),
            Content::Text(_) => self.content = Content::Children(vec![c]),
        }
    }

    /// The element's text content.
    pub(crate) fn text(mut self, t: &str) -> Element {
        self.content = Content::Text(t.to_string());
        self
    }

    fn write(&self, out: &mut String, depth: usize) {
        for _ in 0..depth {
            out.push_str("  ");
        }
        out.push('<');
        out.push_str(self.name);
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            escape_into(v, out);
            out.push('"');
        }
        match &self.content {
            Content::Children(c) if c.is_empty() => {
                out.push_str("/>\n");
                return;
            }
            Content::Children(children) => {
                out.push_str(">\n");
                for c in children {
                    c.write(out, depth + 1);
                }
                for _ in 0..depth {
                    out.push_str("  ");
                }
            }
            Content::Text(t) => {
                out.push('>');
                escape_into(t, out);
            }
        }
        out.push_str("</");
        out.push_str(self.name);
        out.push_str(">\n");
    }
}

/// A whole document: the prolog lines (XML declaration, DOCTYPE, comments) as given, each
/// followed by a newline, then the root element.
pub(crate) fn document(prolog: &[&str], root: &Element) -> String {
    let mut out = String::with_capacity(512);
    for line in prolog {
        out.push_str(line);
        out.push('\n');
    }
    root.write(&mut out, 0);
    out
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

    #[test]
    fn elements() {
        let mut root = Element::new("a")
            .req("x", "")
            .opt("y", "")
            .opt("z", "1 & \u{1}\0");
        root.push(Element::new("b").text("t<"));
        let mut c = Element::new("c");
        c.push(Element::new("d"));
        root.push(c);
        assert_eq!(
            document(&["<?xml version=\"1.0\"?>"], &root),
            "<?xml version=\"1.0\"?>\n<a x=\"\" z=\"1 &amp; &#1;\">\n  <b>t&lt;</b>\n  <c>\n    <d/>\n  </c>\n</a>\n"
        );
        assert_eq!(document(&[], &Element::new("e")), "<e/>\n");
    }
}
