//! zlogin's escape sequences (`~.` and friends), as a pure state machine over the bytes the
//! user types: recognised only at the start of a line (session start, or after a byte that ends
//! a line on the user's terminal), so a `~` typed inside a word or a path always reaches the
//! zone unchanged.

/// The default escape character.
pub const DEFAULT_ESCAPE: u8 = b'~';

/// What an escape sequence asks zlogin to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `~.` or `~` followed by the EOF character: leave; the byte after the escape char is
    /// carried so it can be echoed (`~.`, `~^D`).
    Disconnect(u8),
    /// `~` followed by the suspend character (`^Z`): stop zlogin as a shell job.
    Suspend,
}

/// The control characters of the user's terminal (from its settings before raw mode) that
/// matter to escape handling. 0 means "disabled" (`_POSIX_VDISABLE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TermChars {
    pub eof: u8,
    pub eol: u8,
    pub kill: u8,
    pub intr: u8,
    pub susp: u8,
}

impl Default for TermChars {
    /// The usual defaults: `^D`, none, `^U`, `^C`, `^Z`.
    fn default() -> Self {
        TermChars {
            eof: 0x04,
            eol: 0,
            kill: 0x15,
            intr: 0x03,
            susp: 0x1a,
        }
    }
}

impl TermChars {
    fn is(c: u8, b: u8) -> bool {
        c != 0 && c == b
    }

    /// Whether `b` leaves the user at the start of a new line (Solaris counts the kill,
    /// end-of-line, suspend and interrupt characters too: each starts a fresh input line).
    fn ends_line(&self, b: u8) -> bool {
        b == b'\r'
            || b == b'\n'
            || Self::is(self.kill, b)
            || Self::is(self.eol, b)
            || Self::is(self.susp, b)
            || Self::is(self.intr, b)
    }
}

/// How much of a chunk of input was consumed, and the action it ended with, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fed {
    pub consumed: usize,
    pub action: Option<Action>,
}

/// The escape state of one session.
#[derive(Debug, Clone)]
pub struct Escape {
    ch: Option<u8>,
    chars: TermChars,
    at_line_start: bool,
    /// The escape char was typed at the start of a line; the next byte decides.
    held: bool,
}

impl Escape {
    /// `ch` is the escape character, `None` with `-E` (no escapes at all).
    pub fn new(ch: Option<u8>, chars: TermChars) -> Escape {
        Escape {
            ch,
            chars,
            at_line_start: true,
            held: false,
        }
    }

    /// The escape character, `None` when escapes are off.
    pub fn char(&self) -> Option<u8> {
        self.ch
    }

    /// Whether an escape char is being held back waiting for the next byte.
    pub fn holding(&self) -> bool {
        self.held
    }

    /// Process typed bytes: what is to be sent to the zone is appended to `out`. Stops at the
    /// first action (the bytes after it are not consumed).
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> Fed {
        for (i, &b) in input.iter().enumerate() {
            if let Some(action) = self.byte(b, out) {
                return Fed {
                    consumed: i + 1,
                    action: Some(action),
                };
            }
        }
        Fed {
            consumed: input.len(),
            action: None,
        }
    }

    fn byte(&mut self, b: u8, out: &mut Vec<u8>) -> Option<Action> {
        let Some(esc) = self.ch else {
            out.push(b);
            return None;
        };
        if self.held {
            self.held = false;
            if b == b'.' || TermChars::is(self.chars.eof, b) {
                return Some(Action::Disconnect(b));
            }
            if TermChars::is(self.chars.susp, b) {
                // After the job resumes, the user is still at the start of a line.
                self.at_line_start = true;
                return Some(Action::Suspend);
            }
            if b == esc {
                out.push(esc);
                self.at_line_start = false;
                return None;
            }
            // Not a sequence: both bytes go through, as typed.
            out.push(esc);
            out.push(b);
            self.at_line_start = self.chars.ends_line(b);
            return None;
        }
        if self.at_line_start && b == esc {
            self.held = true;
            return None;
        }
        out.push(b);
        self.at_line_start = self.chars.ends_line(b);
        None
    }
}

/// A printable form of a byte for local echo: `x`, `^D`, `\377`.
pub fn canonify(b: u8) -> String {
    match b {
        0x20..=0x7e => (b as char).to_string(),
        0..=31 => format!("^{}", (b + b'@') as char),
        _ => format!("\\{:03o}", b),
    }
}

/// A bad `-e` argument.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscapeCharError {
    #[error("Unrecognized escape character option {0}")]
    Unrecognized(String),
    #[error("Octal escape character '{0}' too large")]
    TooLarge(String),
}

/// Parse the argument of `-e`: a literal character (its first byte), or `\` followed by up to
/// three octal digits (`\nnn`); `\` alone or `\\` is the backslash.
pub fn parse_escape_char(arg: &str) -> Result<u8, EscapeCharError> {
    let bytes = arg.as_bytes();
    match bytes {
        [] => Err(EscapeCharError::Unrecognized(arg.to_string())),
        [b'\\'] | [b'\\', b'\\', ..] => Ok(b'\\'),
        [b'\\', rest @ ..] => {
            let digits: Vec<u8> = rest
                .iter()
                .copied()
                .take_while(|d| (b'0'..=b'7').contains(d))
                .collect();
            if digits.is_empty() {
                return Err(EscapeCharError::Unrecognized(arg.to_string()));
            }
            let value = digits
                .iter()
                .try_fold(0u32, |acc, d| {
                    acc.checked_mul(8)?.checked_add(u32::from(d - b'0'))
                })
                .unwrap_or(u32::MAX);
            u8::try_from(value).map_err(|_| EscapeCharError::TooLarge(arg.to_string()))
        }
        [first, ..] => Ok(*first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn run(esc: &mut Escape, input: &[u8]) -> (Vec<u8>, Option<Action>, usize) {
        let mut out = Vec::new();
        let fed = esc.feed(input, &mut out);
        (out, fed.action, fed.consumed)
    }

    fn tilde() -> Escape {
        Escape::new(Some(b'~'), TermChars::default())
    }

    #[test]
    fn tilde_dot_at_session_start_disconnects() {
        let (out, action, consumed) = run(&mut tilde(), b"~.rest");
        assert!(out.is_empty());
        assert_eq!(action, Some(Action::Disconnect(b'.')));
        assert_eq!(consumed, 2);
    }

    #[test]
    fn only_at_line_start() {
        let mut e = tilde();
        let (out, action, _) = run(&mut e, b"ls ~.x");
        assert_eq!(out, b"ls ~.x");
        assert_eq!(action, None);
        let (out, action, _) = run(&mut e, b"\r~.");
        assert_eq!(out, b"\r");
        assert_eq!(action, Some(Action::Disconnect(b'.')));
        let mut e = tilde();
        let (_, action, _) = run(&mut e, b"a\n~.");
        assert_eq!(action, Some(Action::Disconnect(b'.')));
    }

    #[test]
    fn line_start_after_kill_intr_and_susp() {
        for c in [0x15u8, 0x03, 0x1a] {
            let mut e = tilde();
            let (_, action, _) = run(&mut e, &[b'x', c, b'~', b'.']);
            assert_eq!(action, Some(Action::Disconnect(b'.')), "after {c:#x}");
        }
    }

    #[test]
    fn double_escape_sends_one() {
        let mut e = tilde();
        let (out, action, _) = run(&mut e, b"~~.");
        assert_eq!(out, b"~.");
        assert_eq!(action, None);
    }

    #[test]
    fn other_bytes_pass_with_the_escape() {
        let mut e = tilde();
        let (out, action, _) = run(&mut e, b"~/bin\r");
        assert_eq!(out, b"~/bin\r");
        assert_eq!(action, None);
        // The line ended: escapes work again.
        let (_, action, _) = run(&mut e, b"~.");
        assert!(action.is_some());
    }

    #[test]
    fn escape_then_newline_keeps_line_start() {
        let mut e = tilde();
        let (out, _, _) = run(&mut e, b"~\r");
        assert_eq!(out, b"~\r");
        let (_, action, _) = run(&mut e, b"~.");
        assert!(action.is_some());
    }

    #[test]
    fn split_across_reads() {
        let mut e = tilde();
        let (out, action, _) = run(&mut e, b"~");
        assert!(out.is_empty() && action.is_none());
        assert!(e.holding());
        let (out, action, _) = run(&mut e, b".");
        assert!(out.is_empty());
        assert_eq!(action, Some(Action::Disconnect(b'.')));
    }

    #[test]
    fn eof_char_disconnects_and_susp_suspends() {
        let (_, action, _) = run(&mut tilde(), b"~\x04");
        assert_eq!(action, Some(Action::Disconnect(0x04)));
        let mut e = tilde();
        let (_, action, consumed) = run(&mut e, b"~\x1azz");
        assert_eq!((action, consumed), (Some(Action::Suspend), 2));
        // Still at the start of a line after resuming.
        let (_, action, _) = run(&mut e, b"~.");
        assert!(action.is_some());
    }

    #[test]
    fn custom_and_disabled_escape() {
        let mut e = Escape::new(Some(b'#'), TermChars::default());
        let (out, action, _) = run(&mut e, b"~.");
        assert_eq!((out.as_slice(), action), (&b"~."[..], None));
        let mut e = Escape::new(Some(b'#'), TermChars::default());
        let (_, action, _) = run(&mut e, b"#.");
        assert!(action.is_some());
        let mut e = Escape::new(None, TermChars::default());
        let (out, action, _) = run(&mut e, b"~.~~");
        assert_eq!((out.as_slice(), action), (&b"~.~~"[..], None));
    }

    #[test]
    fn disabled_terminal_chars_are_not_line_ends() {
        let chars = TermChars {
            eol: 0,
            ..TermChars::default()
        };
        let mut e = Escape::new(Some(b'~'), chars);
        let (out, action, _) = run(&mut e, b"x\0~.");
        assert_eq!(out, b"x\0~.");
        assert_eq!(action, None);
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(canonify(b'.'), ".");
        assert_eq!(canonify(0x04), "^D");
        assert_eq!(canonify(0xff), "\\377");
    }

    #[test]
    fn escape_char_arguments() {
        assert_eq!(parse_escape_char("#"), Ok(b'#'));
        assert_eq!(parse_escape_char("^]"), Ok(b'^'));
        assert_eq!(parse_escape_char("\\"), Ok(b'\\'));
        assert_eq!(parse_escape_char("\\\\"), Ok(b'\\'));
        assert_eq!(parse_escape_char("\\035"), Ok(0o35));
        assert_eq!(parse_escape_char("\\1"), Ok(1));
        assert_eq!(parse_escape_char("\\377"), Ok(255));
        assert_eq!(
            parse_escape_char("\\400"),
            Err(EscapeCharError::TooLarge("\\400".into()))
        );
        assert_eq!(
            parse_escape_char("\\x"),
            Err(EscapeCharError::Unrecognized("\\x".into()))
        );
        assert!(parse_escape_char("").is_err());
        assert_eq!(
            EscapeCharError::TooLarge("\\777".into()).to_string(),
            "Octal escape character '\\777' too large"
        );
    }

    proptest! {
        /// Without escapes every byte passes unchanged; with them, input holding no escape
        /// char passes unchanged too.
        #[test]
        fn transparent_without_escape_chars(input in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut out = Vec::new();
            let fed = Escape::new(None, TermChars::default()).feed(&input, &mut out);
            prop_assert_eq!(&out, &input);
            prop_assert_eq!(fed.consumed, input.len());
            let clean: Vec<u8> = input.iter().copied().filter(|&b| b != b'~').collect();
            let mut out = Vec::new();
            let fed = tilde().feed(&clean, &mut out);
            prop_assert_eq!(&out, &clean);
            prop_assert!(fed.action.is_none());
        }

        /// Feeding in pieces gives the same result as feeding at once.
        #[test]
        fn chunking_does_not_matter(input in proptest::collection::vec(any::<u8>(), 0..100), cut in 0usize..100) {
            let cut = cut.min(input.len());
            let mut whole = Vec::new();
            let a = tilde().feed(&input, &mut whole);
            let mut e = tilde();
            let mut parts = Vec::new();
            let first = e.feed(&input[..cut], &mut parts);
            let action = if first.action.is_some() {
                first.action
            } else {
                e.feed(&input[cut..], &mut parts).action
            };
            prop_assert_eq!(a.action, action);
            prop_assert_eq!(whole, parts);
        }
    }
}
