//! The zonecfg lexer, following illumos `zonecfg_lex.l`.
//!
//! Four states, switched by the lexer itself (never by the parser):
//! - *command* (`INITIAL`): only command words, `#` comments, terminators and stray input.
//!   Command words are matched like lex does, by the longest rule that matches at this point;
//!   there is no word rule in this state, so `exit-F` is `exit` followed by the word `-F`
//!   (exactly what zonecfg does). Where no command word starts, lex's one-character rule would
//!   report `crete` as `c`, which tells the user nothing: the whole word is the stray token
//!   here (`syntax error at 'crete'`).
//! - *token* (`TSTATE`, after a command word): resource-type and property keywords, words,
//!   double-quoted strings, `=`, `[` (enters list state) and `(` (enters complex state).
//! - *list* (`LSTATE`, inside `[...]`): words (no keywords), quoted strings, `,`, `=`, `(`
//!   and `]` (back to token state).
//! - *complex* (`CSTATE`, inside `(...)`): property keywords, words (brackets allowed, no
//!   quotes), `,`, `=` and `)` (back to the state `(` was met in).
//!
//! `;` and newline are terminators in every state and reset to command state. A keyword only
//! wins over a word of the same length (longest match, then first rule), so `net0` is a word.
//! The input is one line; the lexer supplies the line's newline itself at the end. A double
//! quote without a closing quote swallows that newline as lex does (the value then ends in
//! `\n`), which leaves the command unterminated. A NUL byte reads as end of input, as with
//! lex's `input()`.
//!
//! Non-ASCII characters are word characters in token, list and complex state (lex works on
//! bytes and its word classes are negated ASCII sets); in command state such a character is a
//! single stray character, reported whole rather than as its first byte.

use super::command::CmdKind;
use crate::config::keywords::{PropName, ResourceType};

/// Lexer start condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LexState {
    Command,
    Token,
    List,
    Complex,
}

/// What a token is. Words carry their text in [`Token`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokKind {
    Cmd(CmdKind),
    Res(ResourceType),
    Prop(PropName),
    /// A plain or double-quoted word (yacc `TOKEN`).
    Word,
    Equal,
    OpenBracket,
    CloseBracket,
    OpenParen,
    CloseParen,
    Comma,
    Semicolon,
    Newline,
    /// Any other single character (lex's `.` rule); always a syntax error.
    Stray,
    /// A NUL byte: end of input in the middle of the line.
    Nul,
    /// The line and its newline are used up.
    Eof,
}

/// One token. `text` is the matched input (quotes included); `value` is the word's value
/// (quotes stripped). Both borrow the input line, so lexing allocates nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token<'a> {
    pub kind: TokKind,
    pub text: &'a str,
    pub value: &'a str,
    /// An unclosed double quote that ran to the end of the line and swallowed its newline,
    /// which lex keeps at the end of the value.
    pub open_quote: bool,
}

impl<'a> Token<'a> {
    fn new(kind: TokKind, text: &'a str) -> Token<'a> {
        Token {
            kind,
            text,
            value: text,
            open_quote: false,
        }
    }

    /// The word's value as zonecfg stores it.
    pub fn value_string(&self) -> String {
        let mut s = String::with_capacity(self.value.len() + usize::from(self.open_quote));
        s.push_str(self.value);
        if self.open_quote {
            s.push('\n');
        }
        s
    }

    /// The token as `yyerror` prints it in `syntax error at '<token>'`: a newline token is
    /// shown as the two characters `\n`, anything else as matched.
    pub fn shown(&self) -> String {
        match self.kind {
            TokKind::Newline => "\\n".to_owned(),
            _ if self.open_quote => format!("{}\n", self.text),
            _ => self.text.to_owned(),
        }
    }
}

/// The command words, as `zonecfg_lex.l` lists them for the command state.
const COMMAND_WORDS: [(&str, CmdKind); 17] = [
    ("add", CmdKind::Add),
    ("cancel", CmdKind::Cancel),
    ("clear", CmdKind::Clear),
    ("commit", CmdKind::Commit),
    ("create", CmdKind::Create),
    ("delete", CmdKind::Delete),
    ("end", CmdKind::End),
    ("exit", CmdKind::Exit),
    ("export", CmdKind::Export),
    ("help", CmdKind::Help),
    ("?", CmdKind::Help),
    ("info", CmdKind::Info),
    ("remove", CmdKind::Remove),
    ("revert", CmdKind::Revert),
    ("select", CmdKind::Select),
    ("set", CmdKind::Set),
    ("verify", CmdKind::Verify),
];

/// Whether `b` can be part of a word in `state` (NUL never is: it ends the input).
pub(crate) fn is_word_byte(state: LexState, b: u8) -> bool {
    match b {
        0 | b' ' | b'\t' | b'\n' | b'"' | b';' | b'=' | b'(' | b')' => false,
        b'[' | b']' => state == LexState::Complex,
        b',' => state == LexState::Token,
        _ => true,
    }
}

/// The resource-type keywords of token state. `inherit-pkg-dir` is kept from the older
/// grammar so Solaris 10 configurations still read.
pub(crate) fn resource_keyword(word: &str) -> Option<ResourceType> {
    ResourceType::parse(word)
}

/// The property keywords of token and complex state.
pub(crate) fn property_keyword(word: &str) -> Option<PropName> {
    PropName::parse(word)
}

/// Tokens of one input line.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    state: LexState,
    /// Where `)` returns to: the token or list state `(` was met in.
    paren_return: LexState,
    /// The line's own newline has been handed out (or swallowed by an open quote).
    newline_done: bool,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            pos: 0,
            state: LexState::Command,
            paren_return: LexState::Token,
            newline_done: false,
        }
    }

    #[cfg(test)]
    pub fn state(&self) -> LexState {
        self.state
    }

    /// The next token; after the end of the line, `Eof` for ever.
    pub fn next_token(&mut self) -> Token<'a> {
        let bytes = self.src.as_bytes();
        loop {
            let Some(&b) = bytes.get(self.pos) else {
                if self.newline_done {
                    return Token::new(TokKind::Eof, "");
                }
                self.newline_done = true;
                self.state = LexState::Command;
                return Token::new(TokKind::Newline, "\n");
            };
            match b {
                b' ' | b'\t' => {
                    self.pos += 1;
                    continue;
                }
                b'\n' => {
                    self.state = LexState::Command;
                    return self.take(TokKind::Newline, 1);
                }
                b';' => {
                    self.state = LexState::Command;
                    return self.take(TokKind::Semicolon, 1);
                }
                0 => return self.take(TokKind::Nul, 1),
                _ => {}
            }
            return match self.state {
                LexState::Command => {
                    if b == b'#' {
                        self.skip_comment();
                        continue;
                    }
                    self.command_word()
                }
                LexState::Token | LexState::List => self.token_or_list(b),
                LexState::Complex => self.complex(b),
            };
        }
    }

    /// Consume `len` bytes as one token of `kind`.
    fn take(&mut self, kind: TokKind, len: usize) -> Token<'a> {
        let text = &self.src[self.pos..self.pos + len];
        self.pos += len;
        Token::new(kind, text)
    }

    /// One character (whole, even if it is not ASCII) as a stray token.
    fn stray(&mut self) -> Token<'a> {
        let len = self.src[self.pos..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
        self.take(TokKind::Stray, len)
    }

    /// A comment runs to the end of the line, leaving the newline to terminate the command.
    fn skip_comment(&mut self) {
        let rest = &self.src.as_bytes()[self.pos..];
        let len = rest
            .iter()
            .position(|&c| c == b'\n' || c == 0)
            .unwrap_or(rest.len());
        self.pos += len;
    }

    /// The longest command word starting here; else the whole word that is none (a stray
    /// token), or a single stray character where no word starts.
    fn command_word(&mut self) -> Token<'a> {
        let rest = &self.src[self.pos..];
        let found = COMMAND_WORDS
            .iter()
            .filter(|(word, _)| rest.starts_with(word))
            .max_by_key(|(word, _)| word.len());
        if let Some(&(word, kind)) = found {
            self.state = LexState::Token;
            return self.take(TokKind::Cmd(kind), word.len());
        }
        let len = rest
            .bytes()
            .position(|c| !is_word_byte(LexState::Token, c))
            .unwrap_or(rest.len());
        if len == 0 {
            return self.stray();
        }
        self.take(TokKind::Stray, len)
    }

    fn token_or_list(&mut self, b: u8) -> Token<'a> {
        let in_list = self.state == LexState::List;
        match b {
            b'=' => self.take(TokKind::Equal, 1),
            b'[' if !in_list => {
                self.state = LexState::List;
                self.take(TokKind::OpenBracket, 1)
            }
            b']' if in_list => {
                self.state = LexState::Token;
                self.take(TokKind::CloseBracket, 1)
            }
            b'(' => {
                self.paren_return = self.state;
                self.state = LexState::Complex;
                self.take(TokKind::OpenParen, 1)
            }
            b',' if in_list => self.take(TokKind::Comma, 1),
            b'"' => self.quoted(),
            _ if is_word_byte(self.state, b) => {
                let tok = self.word();
                if in_list {
                    return tok;
                }
                let kind = if let Some(rt) = resource_keyword(tok.text) {
                    TokKind::Res(rt)
                } else if let Some(p) = property_keyword(tok.text) {
                    TokKind::Prop(p)
                } else {
                    TokKind::Word
                };
                Token { kind, ..tok }
            }
            _ => self.stray(),
        }
    }

    fn complex(&mut self, b: u8) -> Token<'a> {
        match b {
            b'=' => self.take(TokKind::Equal, 1),
            b',' => self.take(TokKind::Comma, 1),
            b')' => {
                self.state = self.paren_return;
                self.take(TokKind::CloseParen, 1)
            }
            _ if is_word_byte(LexState::Complex, b) => {
                let tok = self.word();
                match property_keyword(tok.text) {
                    Some(p) => Token {
                        kind: TokKind::Prop(p),
                        ..tok
                    },
                    None => tok,
                }
            }
            _ => self.stray(),
        }
    }

    /// The longest run of word bytes. Word runs end on ASCII bytes, so the slice is on
    /// character boundaries.
    fn word(&mut self) -> Token<'a> {
        let state = self.state;
        let rest = &self.src.as_bytes()[self.pos..];
        let len = rest
            .iter()
            .position(|&c| !is_word_byte(state, c))
            .unwrap_or(rest.len());
        self.take(TokKind::Word, len)
    }

    /// `"..."` up to the closing quote or a newline (lex keeps that newline in the value and
    /// does not end the command). Without either, the quote is a stray character, except at
    /// the end of the line, where the line's own newline closes it.
    fn quoted(&mut self) -> Token<'a> {
        let start = self.pos;
        let body = &self.src.as_bytes()[start + 1..];
        match body.iter().position(|&c| c == b'"' || c == b'\n' || c == 0) {
            Some(i) if body[i] == b'"' => {
                let end = start + 1 + i;
                self.pos = end + 1;
                Token {
                    kind: TokKind::Word,
                    text: &self.src[start..=end],
                    value: &self.src[start + 1..end],
                    open_quote: false,
                }
            }
            Some(i) if body[i] == b'\n' => {
                let end = start + 1 + i;
                self.pos = end + 1;
                Token {
                    kind: TokKind::Word,
                    text: &self.src[start..=end],
                    value: &self.src[start + 1..=end],
                    open_quote: false,
                }
            }
            Some(_) => self.stray(),
            None => {
                self.pos = self.src.len();
                self.newline_done = true;
                Token {
                    kind: TokKind::Word,
                    text: &self.src[start..],
                    value: &self.src[start + 1..],
                    open_quote: true,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of `line` up to `Eof`.
    fn tokens(line: &str) -> Vec<Token<'_>> {
        let mut lx = Lexer::new(line);
        std::iter::from_fn(|| Some(lx.next_token()).filter(|t| t.kind != TokKind::Eof)).collect()
    }

    fn kinds(line: &str) -> Vec<TokKind> {
        tokens(line).iter().map(|t| t.kind).collect()
    }

    fn texts(line: &str) -> Vec<String> {
        tokens(line).iter().map(Token::shown).collect()
    }

    #[test]
    fn keyword_tables_match_the_shared_spellings() {
        for rt in ResourceType::ALL {
            assert_eq!(resource_keyword(rt.as_str()), Some(rt));
            assert_eq!(property_keyword(rt.as_str()), None);
        }
        for p in PropName::ALL {
            assert_eq!(property_keyword(p.as_str()), Some(p));
            assert_eq!(resource_keyword(p.as_str()), None);
        }
        for c in CmdKind::ALL {
            assert!(COMMAND_WORDS
                .iter()
                .any(|&(w, k)| w == c.as_str() && k == c));
        }
    }

    #[test]
    fn states_and_terminators() {
        use TokKind::*;
        assert_eq!(
            kinds("set options=[ro,(name=x)]"),
            vec![
                Cmd(CmdKind::Set),
                Prop(PropName::Options),
                Equal,
                OpenBracket,
                Word,
                Comma,
                OpenParen,
                Prop(PropName::Name),
                Equal,
                Word,
                CloseParen,
                CloseBracket,
                Newline
            ]
        );
        // `;` resets to command state even inside a list.
        let mut lx = Lexer::new("set a=[x;");
        for _ in 0..5 {
            lx.next_token();
        }
        assert_eq!(lx.state(), LexState::List);
        assert_eq!(lx.next_token().kind, Semicolon);
        assert_eq!(lx.state(), LexState::Command);
    }

    #[test]
    fn longest_match_and_keywords() {
        use TokKind::*;
        assert_eq!(kinds("add net0"), vec![Cmd(CmdKind::Add), Word, Newline]);
        assert_eq!(
            kinds("add net"),
            vec![Cmd(CmdKind::Add), Res(ResourceType::Net), Newline]
        );
        // Command words are only words in command state, keywords only after them.
        assert_eq!(kinds("help set"), vec![Cmd(CmdKind::Help), Word, Newline]);
        // lex has no word rule in command state: a command word followed by more letters
        // is that command and a word.
        assert_eq!(
            texts("exitx"),
            vec!["exit".to_owned(), "x".to_owned(), "\\n".to_owned()]
        );
        // Where no command word starts, the whole word is stray (and shown whole).
        assert_eq!(kinds("bogus")[0], Stray);
        assert_eq!(texts("crete")[0], "crete");
        assert_eq!(texts("crete;commit")[..2], ["crete", ";"]);
        assert_eq!(texts("=x")[0], "=");
        // Resource keywords are plain words inside a complex value and in lists.
        assert_eq!(kinds("add value (name=fs)")[5], Word);
        assert_eq!(kinds("set x=[fs]")[4], Word);
    }

    #[test]
    fn quotes_and_word_classes() {
        let mut lx = Lexer::new("set match=\"/dev/cua/a00[2-5]\"");
        for _ in 0..3 {
            lx.next_token();
        }
        let t = lx.next_token();
        assert_eq!(t.kind, TokKind::Word);
        assert_eq!(t.value, "/dev/cua/a00[2-5]");
        assert_eq!(t.text, "\"/dev/cua/a00[2-5]\"");
        // brackets are word characters inside a complex value only
        assert_eq!(texts("add value (a=[x])")[5], "[x]");
        // a quote is a stray character in complex state
        assert_eq!(texts("add value (name=\"x\")")[5], "\"");
        // unclosed quote swallows the line's newline
        let mut lx = Lexer::new("set bootargs=\"-m v");
        for _ in 0..3 {
            lx.next_token();
        }
        let t = lx.next_token();
        assert!(t.open_quote);
        assert_eq!(t.value_string(), "-m v\n");
        assert_eq!(lx.next_token().kind, TokKind::Eof);
    }

    #[test]
    fn comments_only_at_command_start() {
        assert_eq!(kinds("   # add fs"), vec![TokKind::Newline]);
        assert_eq!(
            kinds("end; # a comment")[1..],
            [TokKind::Semicolon, TokKind::Newline]
        );
        assert_eq!(texts("set a=b # c")[4], "#");
    }

    #[test]
    fn non_ascii() {
        assert_eq!(texts("é"), vec!["é".to_owned(), "\\n".to_owned()]);
        assert_eq!(texts("set bootargs=héllo")[3], "héllo");
        assert_eq!(kinds("set a\0b")[2], TokKind::Nul);
    }
}
