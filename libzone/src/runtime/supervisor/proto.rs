//! Messages between the zone tools: zoneadm ↔ zoneadmd (one JSON line each way over the
//! zone's control socket) and the console stream framing used by `zlogin -C`. What zoneadmd
//! and the zone's setup child say to each other is `platform::spawn`'s.

use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;

/// A request to a zone's supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    Ready,
    Boot {
        args: Vec<String>,
    },
    Halt,
    Reboot {
        args: Vec<String>,
    },
    Shutdown {
        reboot: bool,
        args: Vec<String>,
    },
    Status,
    /// Re-read the configuration and apply its resource controls and pool binding.
    Apply,
    /// Bind the running zone to a pool until it halts (`poolbind -i zoneid`).
    Bind {
        pool: String,
    },
    /// Take over the running zone of a supervisor that died (a new supervisor's first
    /// request, never sent over the socket).
    Adopt,
}

impl Request {
    pub fn verb(&self) -> &'static str {
        match self {
            Request::Ready => "ready",
            Request::Boot { .. } => "boot",
            Request::Halt => "halt",
            Request::Reboot { .. } => "reboot",
            Request::Shutdown { .. } => "shutdown",
            Request::Status => "status",
            Request::Apply => "apply",
            Request::Bind { .. } => "bind",
            Request::Adopt => "adopt",
        }
    }
}

/// The supervisor's answer: `ok`, the zone state afterwards, and a message (an error text
/// when not ok, or a note such as `zone is already halted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub ok: bool,
    pub state: String,
    pub message: String,
}

impl Response {
    pub fn ok(state: &str) -> Response {
        Response {
            ok: true,
            state: state.to_string(),
            message: String::new(),
        }
    }

    pub fn error(state: &str, message: impl Into<String>) -> Response {
        Response {
            ok: false,
            state: state.to_string(),
            message: message.into(),
        }
    }
}

/// Write one JSON value as a line.
pub fn send<T: Serialize>(w: &mut impl Write, msg: &T) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(msg).map_err(std::io::Error::other)?;
    line.push(b'\n');
    w.write_all(&line)?;
    w.flush()
}

/// Read one JSON line.
pub fn recv<T: for<'de> Deserialize<'de>>(r: &mut impl Read) -> std::io::Result<T> {
    let mut line = String::new();
    // One line only: a BufReader over a &mut reader, dropped before returning.
    let n = BufReader::new(r).read_line(&mut line)?;
    if n == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    serde_json::from_str(&line).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// One request, one response over a fresh connection.
pub fn call(socket: &std::path::Path, req: &Request) -> std::io::Result<Response> {
    let mut s = UnixStream::connect(socket)?;
    send(&mut s, req)?;
    s.shutdown(std::net::Shutdown::Write)?;
    recv(&mut s)
}

/// Console stream framing, client → supervisor: `[0][len:u16 BE][bytes]` keyboard input,
/// `[1][rows:u16][cols:u16]` window size. Supervisor → client is the raw console output.
pub const CONSOLE_DATA: u8 = 0;
pub const CONSOLE_WINSIZE: u8 = 1;

pub fn console_data_frame(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 3 * (bytes.len() / 0xffff + 1));
    for chunk in bytes.chunks(0xffff) {
        out.push(CONSOLE_DATA);
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

pub fn console_winsize_frame(rows: u16, cols: u16) -> Vec<u8> {
    let mut out = vec![CONSOLE_WINSIZE];
    out.extend_from_slice(&rows.to_be_bytes());
    out.extend_from_slice(&cols.to_be_bytes());
    out
}

/// A decoded client frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleFrame {
    Data(Vec<u8>),
    Winsize { rows: u16, cols: u16 },
}

/// A console stream that does not follow the framing: the unknown type byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed console frame (type {0:#04x})")]
pub struct BadFrame(pub u8);

/// Incremental decoder for client frames (input arrives in arbitrary pieces).
#[derive(Debug, Default)]
pub struct ConsoleDecoder {
    buf: Vec<u8>,
}

impl ConsoleDecoder {
    /// Feed bytes; returns the complete frames, `Err` on a malformed stream.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<ConsoleFrame>, BadFrame> {
        self.buf.extend_from_slice(bytes);
        let mut frames = Vec::new();
        loop {
            match self.buf.first() {
                None => break,
                Some(&CONSOLE_DATA) => {
                    if self.buf.len() < 3 {
                        break;
                    }
                    let len = u16::from_be_bytes([self.buf[1], self.buf[2]]) as usize;
                    if self.buf.len() < 3 + len {
                        break;
                    }
                    frames.push(ConsoleFrame::Data(self.buf[3..3 + len].to_vec()));
                    self.buf.drain(..3 + len);
                }
                Some(&CONSOLE_WINSIZE) => {
                    if self.buf.len() < 5 {
                        break;
                    }
                    let rows = u16::from_be_bytes([self.buf[1], self.buf[2]]);
                    let cols = u16::from_be_bytes([self.buf[3], self.buf[4]]);
                    frames.push(ConsoleFrame::Winsize { rows, cols });
                    self.buf.drain(..5);
                }
                Some(&other) => return Err(BadFrame(other)),
            }
        }
        Ok(frames)
    }
}

/// First line the supervisor sends a console client.
pub const CONSOLE_OK: &str = "OK";
/// `BUSY <pid>`: another client holds the console.
pub const CONSOLE_BUSY: &str = "BUSY";

/// The supervisor's first line to a console client: the console is ours (`OK`), or another
/// client, whose process id is given, holds it (`BUSY <pid>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleGreeting {
    Ok,
    Busy(String),
}

impl ConsoleGreeting {
    /// The line as sent, newline included.
    pub fn line(&self) -> String {
        match self {
            ConsoleGreeting::Ok => format!("{CONSOLE_OK}\n"),
            ConsoleGreeting::Busy(pid) => format!("{CONSOLE_BUSY} {pid}\n"),
        }
    }

    /// Parse a received line (without its newline); `None` for anything else.
    pub fn parse(line: &str) -> Option<ConsoleGreeting> {
        let line = line.trim_end_matches('\r');
        if line == CONSOLE_OK {
            return Some(ConsoleGreeting::Ok);
        }
        let pid = line.strip_prefix(CONSOLE_BUSY)?.trim();
        Some(ConsoleGreeting::Busy(pid.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_arbitrary_splits() {
        // No input, no frame.
        assert!(console_data_frame(b"").is_empty());
        let mut stream = console_data_frame(b"hello");
        stream.extend(console_winsize_frame(24, 80));
        stream.extend([CONSOLE_DATA, 0, 0]);
        let mut dec = ConsoleDecoder::default();
        let mut got = Vec::new();
        for b in &stream {
            got.extend(dec.feed(&[*b]).unwrap());
        }
        assert_eq!(
            got,
            vec![
                ConsoleFrame::Data(b"hello".to_vec()),
                ConsoleFrame::Winsize { rows: 24, cols: 80 },
                ConsoleFrame::Data(vec![]),
            ]
        );
        assert!(ConsoleDecoder::default().feed(&[9]).is_err());
    }

    #[test]
    fn big_input_is_split_into_frames() {
        let data = vec![7u8; 70000];
        let mut dec = ConsoleDecoder::default();
        let frames = dec.feed(&console_data_frame(&data)).unwrap();
        let total: usize = frames
            .iter()
            .map(|f| match f {
                ConsoleFrame::Data(d) => d.len(),
                _ => 0,
            })
            .sum();
        assert_eq!(total, 70000);
    }

    #[test]
    fn console_greetings_round_trip() {
        for g in [ConsoleGreeting::Ok, ConsoleGreeting::Busy("4242".into())] {
            let line = g.line();
            assert!(line.ends_with('\n'));
            assert_eq!(ConsoleGreeting::parse(line.trim_end_matches('\n')), Some(g));
        }
        assert_eq!(ConsoleGreeting::parse("HELLO"), None);
        assert_eq!(ConsoleGreeting::parse(""), None);
    }

    #[test]
    fn requests_round_trip() {
        let mut buf = Vec::new();
        send(
            &mut buf,
            &Request::Boot {
                args: vec!["-s".into()],
            },
        )
        .unwrap();
        let r: Request = recv(&mut buf.as_slice()).unwrap();
        assert_eq!(
            r,
            Request::Boot {
                args: vec!["-s".into()]
            }
        );
    }
}
