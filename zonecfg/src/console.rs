//! The session's [`Ui`] on the process's standard streams, and where input lines come from:
//! a line editor with in-memory history and tab completion when standard input is a
//! terminal, plain reads otherwise.
//!
//! Pasted and typed-ahead lines: the editor reads the terminal in blocks, so one read may
//! hold several lines. Its `buffer-redux` feature keeps what a read brought beyond the
//! current line for the next one (without it every line after the first is lost), and
//! bracketed paste is off and its markers ignored, so a pasted block runs line by line,
//! each after its prompt, exactly as if typed.

use libzone::zonecfg::complete::{self, Context};
use libzone::zonecfg::session::Ui;
use rustyline::completion::{Completer, Pair};
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Cmd, Editor, Helper, KeyCode, KeyEvent, Modifiers};
use std::io::{BufRead, Write};

/// The most lines the history keeps (zonecfg's `MAX_CMD_HIST`).
const HISTORY_SIZE: usize = 1024;

/// One line of input, or why there is none.
pub enum Input {
    Line(String),
    /// Ctrl-C at the prompt: the line is dropped and a fresh prompt shown.
    Interrupted,
    Eof,
}

/// Tab completion from libzone's language tables, for the scope the session is in.
#[derive(Default)]
struct ZonecfgHelper {
    /// `None` while a yes/no question is asked: nothing to complete there.
    context: Option<Context>,
}

impl Completer for ZonecfgHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let Some(context) = &self.context else {
            return Ok((pos, Vec::new()));
        };
        let c = complete::complete(line, pos, context);
        let pairs = c
            .candidates
            .iter()
            .map(|cand| Pair {
                display: cand.display(),
                replacement: cand.replacement(),
            })
            .collect();
        Ok((c.start, pairs))
    }
}

impl Hinter for ZonecfgHelper {
    type Hint = String;
}
impl Highlighter for ZonecfgHelper {}
impl Validator for ZonecfgHelper {}
impl Helper for ZonecfgHelper {}

type LineEditor = Editor<ZonecfgHelper, DefaultHistory>;

pub struct Console {
    /// The line editor, when standard input is a terminal it can drive.
    editor: Option<LineEditor>,
    /// A terminal the editor cannot drive (`TERM=dumb`, an Emacs shell buffer, a bare
    /// serial line): lines are read plainly, but the prompts are still shown.
    plain_terminal: bool,
    stdin: std::io::StdinLock<'static>,
}

/// Terminals a line editor cannot drive: it would fall back to reading standard input
/// itself, which this console holds (and which a second reader would split).
const UNSUPPORTED_TERMS: [&str; 3] = ["dumb", "cons25", "emacs"];

fn editable_terminal(term: Option<&str>) -> bool {
    term.is_some_and(|t| !t.is_empty() && !UNSUPPORTED_TERMS.contains(&t))
}

fn line_editor() -> Option<LineEditor> {
    let config = Config::builder()
        .auto_add_history(false)
        .max_history_size(HISTORY_SIZE)
        .ok()?
        // libtecla's way: Tab completes as far as it can, a second Tab lists the choices.
        .completion_type(CompletionType::List)
        .bracketed_paste(false)
        .build();
    let mut ed = LineEditor::with_config(config).ok()?;
    ed.set_helper(Some(ZonecfgHelper::default()));
    // A terminal left in bracketed-paste mode still brackets pastes: the markers are
    // ignored so the lines between them run one by one.
    for code in [KeyCode::BracketedPasteStart, KeyCode::BracketedPasteEnd] {
        ed.bind_sequence(KeyEvent(code, Modifiers::NONE), Cmd::Noop);
    }
    Some(ed)
}

impl Console {
    /// A console for a terminal (`tty`) or for input read as a stream.
    pub fn new(tty: bool) -> Console {
        let term = std::env::var("TERM").ok();
        let editor = if tty && editable_terminal(term.as_deref()) {
            line_editor()
        } else {
            None
        };
        Console {
            plain_terminal: tty && editor.is_none(),
            editor,
            stdin: std::io::stdin().lock(),
        }
    }

    /// The next line. `prompt` is shown only on a terminal; Tab completes for `context`.
    pub fn read_line(&mut self, prompt: &str, context: Context) -> Input {
        match &mut self.editor {
            Some(ed) => {
                if let Some(h) = ed.helper_mut() {
                    h.context = Some(context);
                }
                let read = ed.readline(prompt);
                if let Some(h) = ed.helper_mut() {
                    h.context = None;
                }
                match read {
                    Ok(line) => {
                        if !line.trim().is_empty() {
                            let _ = ed.add_history_entry(line.as_str());
                        }
                        Input::Line(line)
                    }
                    Err(ReadlineError::Interrupted) => Input::Interrupted,
                    Err(ReadlineError::Eof) => Input::Eof,
                    Err(e) => {
                        self.err(&format!("zonecfg: {e}\n"));
                        Input::Eof
                    }
                }
            }
            None => {
                if self.plain_terminal {
                    self.out(prompt);
                }
                self.read_plain()
            }
        }
    }

    fn read_plain(&mut self) -> Input {
        let mut buf = Vec::new();
        match self.stdin.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => Input::Eof,
            Ok(_) => {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                }
                Input::Line(String::from_utf8_lossy(&buf).into_owned())
            }
        }
    }
}

impl Ui for Console {
    fn out(&mut self, text: &str) {
        // stdout is unbuffered in zonecfg, so output and prompts interleave as they happen.
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    fn err(&mut self, text: &str) {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    /// zonecfg's `ask_yesno()`: an empty answer is the default (no), an answer starting with
    /// `y` or `n` (any case) decides, anything else asks again; end of input is no.
    fn confirm(&mut self, prompt: &str) -> bool {
        loop {
            let answer = match &mut self.editor {
                Some(ed) => match ed.readline(prompt) {
                    Ok(line) => line,
                    Err(ReadlineError::Interrupted) => continue,
                    Err(_) => return false,
                },
                None => {
                    self.out(prompt);
                    match self.read_plain() {
                        Input::Line(line) => line,
                        _ => return false,
                    }
                }
            };
            match answer.chars().next().map(|c| c.to_ascii_lowercase()) {
                None => return false,
                Some('y') => return true,
                Some('n') => return false,
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminals_the_editor_cannot_drive() {
        assert!(editable_terminal(Some("xterm-256color")));
        assert!(editable_terminal(Some("vt100")));
        for t in ["dumb", "emacs", "cons25", ""] {
            assert!(!editable_terminal(Some(t)), "{t}");
        }
        assert!(!editable_terminal(None));
    }
}
