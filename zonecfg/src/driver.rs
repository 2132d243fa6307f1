//! Feeding a session: one-shot arguments, a command file, or lines typed (or piped) on
//! standard input. The session decides everything else (see the driver contract in
//! `libzone::zonecfg::session`).

use crate::console::{Console, Input};
use libzone::store::{Editor, Repository, Store};
use libzone::zonecfg::help::{self, flags};
use libzone::zonecfg::parser::{parse_line, parse_line_recovering};
use libzone::zonecfg::session::{Flow, Mode, Options, Session, Ui};
use libzone::zonecfg::{Command, ParseError};

const EXIT_ERR: i32 = 1;
const EXIT_USAGE: i32 = 2;

/// How this zonecfg was started.
pub struct Run<'a> {
    pub program: &'a str,
    pub zone: &'a str,
    pub alt_root: bool,
    pub read_only: bool,
    pub stdin_tty: bool,
}

type Parsed = Vec<Result<Command, ParseError>>;

impl Run<'_> {
    fn open<'r>(
        &self,
        repo: &'r dyn Repository,
        mode: Mode,
        ui: &mut Console,
    ) -> Result<Session<'r>, i32> {
        let mut opts = Options::new(mode);
        opts.program = self.program.to_string();
        opts.stdin_is_tty = self.stdin_tty;
        opts.alt_root = self.alt_root;
        opts.read_only = self.read_only;
        Session::open(repo, self.zone, opts, ui).map_err(|e| {
            ui.err(&format!(
                "{e}\n{}",
                help::usage(self.program, flags::SYNTAX, false, None)
            ));
            EXIT_USAGE
        })
    }

    /// Runs the commands of one parsed line; `Exit` when the session is over.
    fn feed(session: &mut Session, parsed: Parsed, ui: &mut Console) -> Flow {
        for item in parsed {
            let flow = match item {
                Ok(cmd) => session.execute(&cmd, ui),
                Err(e) => session.parse_error(&e, ui),
            };
            if flow == Flow::Exit {
                return Flow::Exit;
            }
        }
        Flow::Continue
    }

    /// `zonecfg -z zone cmd ...`: the words joined by single spaces, read as one line with
    /// interactive error recovery (a bad command does not stop the ones after the next `;`).
    pub fn one_shot(&self, store: &Store, words: &[String], ui: &mut Console) -> i32 {
        let repo = Editor::batch(store, self.zone);
        let mut session = match self.open(&repo, Mode::Args, ui) {
            Ok(s) => s,
            Err(code) => return code,
        };
        let line = words.join(" ");
        if Self::feed(&mut session, parse_line_recovering(&line, 1), ui) == Flow::Continue {
            session.eof(ui);
        }
        session.exit_code()
    }

    /// `zonecfg -z zone -f file` (`-` is standard input, interactive when a terminal).
    pub fn command_file(&self, store: &Store, file: &str, ui: &mut Console) -> i32 {
        if file == "-" {
            return self.stream(store, Mode::File(file.to_string()), ui);
        }
        let text = match read_command_file(file) {
            Ok(t) => t,
            Err(msg) => {
                ui.err(&format!("{msg}\n"));
                return EXIT_ERR;
            }
        };
        let repo = Editor::batch(store, self.zone);
        let mut session = match self.open(&repo, Mode::File(file.to_string()), ui) {
            Ok(s) => s,
            Err(code) => return code,
        };
        for (n, line) in text.lines().enumerate() {
            if Self::feed(&mut session, parse_line(line, n + 1), ui) == Flow::Exit {
                return session.exit_code();
            }
        }
        session.eof(ui);
        session.exit_code()
    }

    /// `zonecfg -z zone`: commands from standard input, with prompts on a terminal.
    pub fn interactive(&self, store: &Store, ui: &mut Console) -> i32 {
        self.stream(store, Mode::Interactive, ui)
    }

    /// Commands read line by line from standard input. Typed commands (and any piped to a
    /// plain `zonecfg -z zone`) recover after an error; a command file piped to `-f -` stops
    /// at its first error, as the session decides.
    fn stream(&self, store: &Store, mode: Mode, ui: &mut Console) -> i32 {
        let recover = mode == Mode::Interactive || self.stdin_tty;
        // Piped commands run as a batch; a person at a terminal gets a checked commit.
        let repo = if self.stdin_tty {
            Editor::interactive(store)
        } else {
            Editor::batch(store, self.zone)
        };
        let mut session = match self.open(&repo, mode, ui) {
            Ok(s) => s,
            Err(code) => return code,
        };
        let mut line_no = 0;
        loop {
            let prompt = if self.stdin_tty {
                session.prompt()
            } else {
                String::new()
            };
            match ui.read_line(&prompt, session.completion_context()) {
                Input::Line(line) => {
                    line_no += 1;
                    let parsed = if recover {
                        parse_line_recovering(&line, line_no)
                    } else {
                        parse_line(&line, line_no)
                    };
                    if Self::feed(&mut session, parsed, ui) == Flow::Exit {
                        return session.exit_code();
                    }
                }
                Input::Interrupted => {}
                Input::Eof => {
                    if session.eof(ui) == Flow::Exit || !self.stdin_tty {
                        return session.exit_code();
                    }
                }
            }
        }
    }
}

/// The text of a command file, with zonecfg's messages when it cannot be used.
fn read_command_file(file: &str) -> Result<String, String> {
    let strerror = |e: &std::io::Error| {
        e.raw_os_error()
            .map(|c| nix::errno::Errno::from_raw(c).desc().to_string())
            .unwrap_or_else(|| e.to_string())
    };
    let f = std::fs::File::open(file)
        .map_err(|e| format!("could not open file {file}: {}", strerror(&e)))?;
    let meta = f
        .metadata()
        .map_err(|e| format!("could not stat file {file}: {}", strerror(&e)))?;
    if !meta.is_file() {
        return Err(format!("{file} is not a regular file."));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut &f, &mut bytes)
        .map_err(|e| format!("could not open file {file}: {}", strerror(&e)))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_file_errors() {
        let dir = std::env::temp_dir();
        let missing = dir.join(format!("zonecfg-missing-{}", std::process::id()));
        let m = missing.to_string_lossy().into_owned();
        assert_eq!(
            read_command_file(&m),
            Err(format!(
                "could not open file {m}: No such file or directory"
            ))
        );
        let d = dir.to_string_lossy().into_owned();
        assert_eq!(
            read_command_file(&d),
            Err(format!("{d} is not a regular file."))
        );
    }
}
