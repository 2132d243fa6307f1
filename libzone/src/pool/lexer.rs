//! The poolcfg lexer (`poolcfg.l`). Values are typed by context as in the original: after
//! `int`/`uint`/`boolean`/`string`/`float` the next `=` switches to that type's value syntax;
//! after `transfer` a bare unsigned quantity is accepted; after `cpu` a digit string is a
//! name. These states persist until a value of that kind is read, exactly like lex's
//! start conditions, so odd inputs fail the same way they do on Solaris.

use super::value::{c_strtod, c_strtoll_digits, c_strtoull_digits};

/// A token and the text it was read from (what error messages quote).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: Tok,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Info,
    Create,
    Destroy,
    Modify,
    Associate,
    Transfer,
    Discover,
    Rename,
    To,
    From,
    TypeInt,
    TypeUint,
    TypeBoolean,
    TypeString,
    TypeFloat,
    Cpu,
    Pset,
    Pool,
    System,
    Open,
    Close,
    Assign,
    Sep,
    Undef,
    Symbol(String),
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
    Str(String),
    Eof,
}

/// Lexical failures; poolcfg reports them and exits without "command parsing failed".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LexError {
    #[error("Illegal character at '{ch}'")]
    IllegalCharacter { line: usize, ch: String },
    #[error("Invalid value at '{text}'")]
    InvalidValue { line: usize, text: String },
}

impl LexError {
    pub fn line(&self) -> usize {
        match self {
            LexError::IllegalCharacter { line, .. } | LexError::InvalidValue { line, .. } => *line,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Initial,
    Int,
    Uint,
    Bool,
    Str,
    Float,
    Cpu,
}

pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    line: usize,
    /// The active start condition.
    state: State,
    /// The state `=` switches to (set by the last type keyword).
    pending: State,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a [u8]) -> Lexer<'a> {
        Lexer {
            src,
            pos: 0,
            line: 1,
            state: State::Initial,
            pending: State::Initial,
        }
    }

    /// The current line (`lex_lineno`): 1 plus the newlines consumed so far.
    pub fn line(&self) -> usize {
        self.line
    }

    fn peek_byte(&self, off: usize) -> Option<u8> {
        self.src.get(self.pos + off).copied()
    }

    fn run(&self, from: usize, pred: impl Fn(u8) -> bool) -> usize {
        self.src[from..].iter().take_while(|&&b| pred(b)).count()
    }

    fn text(&self, start: usize, end: usize) -> String {
        String::from_utf8_lossy(&self.src[start..end]).into_owned()
    }

    pub fn next_token(&mut self) -> Result<Token, LexError> {
        loop {
            let Some(b) = self.peek_byte(0) else {
                return Ok(Token {
                    kind: Tok::Eof,
                    text: String::new(),
                });
            };
            match b {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b' ' | b'\t' => self.pos += 1,
                b'#' => self.pos += self.run(self.pos, |c| c != b'\n'),
                _ => break,
            }
        }
        let start = self.pos;
        let word = self.run(start, is_symbol_byte);
        let word_ok = self.src[start].is_ascii_alphabetic();

        // Value rules of the active state compete with the keyword/symbol rules on length
        // (lex takes the longest match; on a tie the earlier rule, i.e. the value rule).
        match self.state {
            State::Int => {
                let neg = usize::from(self.src[start] == b'-');
                let digits = self.run(start + neg, |c| c.is_ascii_digit());
                if digits > 0 {
                    let end = start + neg + digits;
                    let text = self.text(start, end);
                    self.pos = end;
                    let v = c_strtoll_digits(&text).map_err(|_| LexError::InvalidValue {
                        line: self.line,
                        text: text.clone(),
                    })?;
                    self.state = State::Initial;
                    return Ok(Token {
                        kind: Tok::Int(v),
                        text,
                    });
                }
            }
            State::Uint | State::Cpu => {
                let digits = self.run(start, |c| c.is_ascii_digit());
                if digits > 0 {
                    let end = start + digits;
                    let text = self.text(start, end);
                    self.pos = end;
                    let kind = if self.state == State::Cpu {
                        Tok::Symbol(text.clone())
                    } else {
                        Tok::Uint(
                            c_strtoull_digits(&text).map_err(|_| LexError::InvalidValue {
                                line: self.line,
                                text: text.clone(),
                            })?,
                        )
                    };
                    self.state = State::Initial;
                    return Ok(Token { kind, text });
                }
            }
            State::Bool => {
                for (lit, v) in [("true", true), ("false", false)] {
                    if self.src[start..].starts_with(lit.as_bytes()) && word <= lit.len() {
                        self.pos = start + lit.len();
                        self.state = State::Initial;
                        return Ok(Token {
                            kind: Tok::Bool(v),
                            text: lit.into(),
                        });
                    }
                }
            }
            State::Str => {
                if self.src[start] == b'"' {
                    let body = self.run(start + 1, |c| c != b'"' && c != b'\n');
                    let end = start + 1 + body;
                    if let Some(&term) = self.src.get(end) {
                        // A newline ends the string too and stays in the value; lex does not
                        // count that line.
                        let value_end = if term == b'"' { end } else { end + 1 };
                        let value = self.text(start + 1, value_end);
                        self.pos = end + 1;
                        self.state = State::Initial;
                        return Ok(Token {
                            kind: Tok::Str(value),
                            text: self.text(start, end + 1),
                        });
                    }
                }
            }
            State::Float => {
                let len = float_len(&self.src[start..]);
                if len > 0 {
                    let text = self.text(start, start + len);
                    self.pos = start + len;
                    let v = c_strtod(&text).map_err(|_| LexError::InvalidValue {
                        line: self.line,
                        text: text.clone(),
                    })?;
                    self.state = State::Initial;
                    return Ok(Token {
                        kind: Tok::Float(v),
                        text,
                    });
                }
            }
            State::Initial => {}
        }

        if word_ok {
            let text = self.text(start, start + word);
            self.pos = start + word;
            let kind = match text.as_str() {
                "info" => Tok::Info,
                "create" => Tok::Create,
                "destroy" => Tok::Destroy,
                "modify" => Tok::Modify,
                "associate" => Tok::Associate,
                "transfer" => {
                    self.state = State::Uint;
                    Tok::Transfer
                }
                "discover" => Tok::Discover,
                "rename" => Tok::Rename,
                "to" => Tok::To,
                "from" => Tok::From,
                "int" => {
                    self.pending = State::Int;
                    Tok::TypeInt
                }
                "uint" => {
                    self.pending = State::Uint;
                    Tok::TypeUint
                }
                "boolean" => {
                    self.pending = State::Bool;
                    Tok::TypeBoolean
                }
                "string" => {
                    self.pending = State::Str;
                    Tok::TypeString
                }
                "float" => {
                    self.pending = State::Float;
                    Tok::TypeFloat
                }
                "cpu" => {
                    self.state = State::Cpu;
                    Tok::Cpu
                }
                "pset" => Tok::Pset,
                "pool" => Tok::Pool,
                "system" => Tok::System,
                _ => Tok::Symbol(text.clone()),
            };
            return Ok(Token { kind, text });
        }

        let kind = match self.src[start] {
            b'(' => Tok::Open,
            b')' => Tok::Close,
            b'=' => {
                self.state = self.pending;
                Tok::Assign
            }
            b';' => Tok::Sep,
            b'~' => Tok::Undef,
            _ => {
                let ch = match std::str::from_utf8(&self.src[start..]) {
                    Ok(s) => s.chars().next().map(String::from).unwrap_or_default(),
                    Err(e) if e.valid_up_to() > 0 => {
                        let s = std::str::from_utf8(&self.src[start..start + e.valid_up_to()])
                            .unwrap_or_default();
                        s.chars().next().map(String::from).unwrap_or_default()
                    }
                    Err(_) => String::from_utf8_lossy(&self.src[start..start + 1]).into_owned(),
                };
                return Err(LexError::IllegalCharacter {
                    line: self.line,
                    ch,
                });
            }
        };
        self.pos = start + 1;
        Ok(Token {
            kind,
            text: self.text(start, start + 1),
        })
    }
}

fn is_symbol_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b',' | b'.' | b'_' | b'-')
}

/// Length of the longest match of `[0-9]+|([0-9]*\.[0-9]+)([eE][-+]?[0-9]+)?`.
fn float_len(s: &[u8]) -> usize {
    let digits = |from: usize| s[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int_part = digits(0);
    let mut best = int_part;
    if s.get(int_part) == Some(&b'.') {
        let frac = digits(int_part + 1);
        if frac > 0 {
            let mut end = int_part + 1 + frac;
            if matches!(s.get(end), Some(b'e' | b'E')) {
                let sign = usize::from(matches!(s.get(end + 1), Some(b'-' | b'+')));
                let exp = digits(end + 1 + sign);
                if exp > 0 {
                    end += 1 + sign + exp;
                }
            }
            best = end;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        let mut lx = Lexer::new(src.as_bytes());
        let mut out = Vec::new();
        loop {
            let t = lx.next_token().unwrap();
            if t.kind == Tok::Eof {
                return out;
            }
            out.push(t.kind);
        }
    }

    fn sym(s: &str) -> Tok {
        Tok::Symbol(s.into())
    }

    #[test]
    fn keywords_and_symbols() {
        assert_eq!(
            kinds("info create destroy modify associate discover rename to from pset pool system infox pool_default"),
            vec![
                Tok::Info, Tok::Create, Tok::Destroy, Tok::Modify, Tok::Associate, Tok::Discover,
                Tok::Rename, Tok::To, Tok::From, Tok::Pset, Tok::Pool, Tok::System, sym("infox"),
                sym("pool_default")
            ]
        );
    }

    #[test]
    fn typed_values() {
        assert_eq!(
            kinds(
                "(int a = -5; uint b = 010; boolean c = true; string d = \"x y\"; float e = 1.5e3)"
            ),
            vec![
                Tok::Open,
                Tok::TypeInt,
                sym("a"),
                Tok::Assign,
                Tok::Int(-5),
                Tok::Sep,
                Tok::TypeUint,
                sym("b"),
                Tok::Assign,
                Tok::Uint(8),
                Tok::Sep,
                Tok::TypeBoolean,
                sym("c"),
                Tok::Assign,
                Tok::Bool(true),
                Tok::Sep,
                Tok::TypeString,
                sym("d"),
                Tok::Assign,
                Tok::Str("x y".into()),
                Tok::Sep,
                Tok::TypeFloat,
                sym("e"),
                Tok::Assign,
                Tok::Float(1500.0),
                Tok::Close
            ]
        );
    }

    #[test]
    fn transfer_and_cpu_states() {
        assert_eq!(
            kinds("transfer 2 from pset a to b"),
            vec![
                Tok::Transfer,
                Tok::Uint(2),
                Tok::From,
                Tok::Pset,
                sym("a"),
                Tok::To,
                sym("b")
            ]
        );
        assert_eq!(
            kinds("transfer to pset a (cpu 0; cpu 12)"),
            vec![
                Tok::Transfer,
                Tok::To,
                Tok::Pset,
                sym("a"),
                Tok::Open,
                Tok::Cpu,
                sym("0"),
                Tok::Sep,
                Tok::Cpu,
                sym("12"),
                Tok::Close
            ]
        );
    }

    #[test]
    fn comments_whitespace_and_lines() {
        let mut lx = Lexer::new(b"# comment\n\ninfo # trailing\n");
        assert_eq!(lx.next_token().unwrap().kind, Tok::Info);
        assert_eq!(lx.line(), 3);
        assert_eq!(lx.next_token().unwrap().kind, Tok::Eof);
        assert_eq!(lx.line(), 4);
    }

    #[test]
    fn illegal_characters() {
        let mut lx = Lexer::new(b"info\n  $");
        lx.next_token().unwrap();
        assert_eq!(
            lx.next_token(),
            Err(LexError::IllegalCharacter {
                line: 2,
                ch: "$".into()
            })
        );
        // digits outside a numeric context are illegal
        let mut lx = Lexer::new(b"5");
        assert!(matches!(
            lx.next_token(),
            Err(LexError::IllegalCharacter { .. })
        ));
        // a string outside `string x =` is illegal
        let mut lx = Lexer::new(b"(int x = \"a\")");
        for _ in 0..4 {
            lx.next_token().unwrap();
        }
        assert_eq!(
            lx.next_token().unwrap_err().to_string(),
            "Illegal character at '\"'"
        );
        let mut lx = Lexer::new(b"\r");
        assert!(matches!(
            lx.next_token(),
            Err(LexError::IllegalCharacter { .. })
        ));
    }

    #[test]
    fn invalid_values() {
        let mut lx = Lexer::new(b"uint x = 99999999999999999999");
        for _ in 0..3 {
            lx.next_token().unwrap();
        }
        assert_eq!(
            lx.next_token(),
            Err(LexError::InvalidValue {
                line: 1,
                text: "99999999999999999999".into()
            })
        );
        let mut lx = Lexer::new(b"float x = 1.0e999");
        for _ in 0..3 {
            lx.next_token().unwrap();
        }
        assert!(matches!(
            lx.next_token(),
            Err(LexError::InvalidValue { .. })
        ));
    }

    #[test]
    fn unterminated_string_keeps_newline() {
        let mut lx = Lexer::new(b"string x = \"abc\ninfo");
        for _ in 0..3 {
            lx.next_token().unwrap();
        }
        assert_eq!(lx.next_token().unwrap().kind, Tok::Str("abc\n".into()));
        assert_eq!(lx.next_token().unwrap().kind, Tok::Info);
        assert_eq!(lx.line(), 1);
    }

    #[test]
    fn bool_state_prefers_longer_symbol() {
        assert_eq!(
            kinds("boolean b = trueish"),
            vec![Tok::TypeBoolean, sym("b"), Tok::Assign, sym("trueish")]
        );
    }
}
