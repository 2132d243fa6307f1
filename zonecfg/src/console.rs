//! The session's [`Ui`] on the process's standard streams, and where input lines come from:
//! a line editor with in-memory history when standard input is a terminal, plain reads
//! otherwise.

use libzone::zonecfg::session::Ui;
use rustyline::config::Config;
use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;
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

pub struct Console {
    /// The line editor, when standard input is a terminal.
    editor: Option<DefaultEditor>,
    stdin: std::io::StdinLock<'static>,
}

impl Console {
    /// A console for a terminal (`tty`) or for input read as a stream.
    pub fn new(tty: bool) -> Console {
        let editor = if tty {
            let config = Config::builder()
                .auto_add_history(false)
                .max_history_size(HISTORY_SIZE)
                .ok()
                .map(|b| b.build())
                .unwrap_or_default();
            DefaultEditor::with_config(config).ok()
        } else {
            None
        };
        Console {
            editor,
            stdin: std::io::stdin().lock(),
        }
    }

    /// The next line. `prompt` is shown only on a terminal.
    pub fn read_line(&mut self, prompt: &str) -> Input {
        match &mut self.editor {
            Some(ed) => match ed.readline(prompt) {
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
            },
            None => self.read_plain(),
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
