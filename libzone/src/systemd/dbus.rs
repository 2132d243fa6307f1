//! A minimal D-Bus client: enough of the wire protocol to call methods on systemd and
//! systemd-machined and read their answers, over a blocking Unix socket.
//!
//! Why our own and not zbus: zbus (even its blocking API) runs on an async executor and pulls
//! in some sixty crates (async-io, event-listener, futures, serde_repr, zvariant, ...) for
//! what here is three method calls at zone boot. The part we need (EXTERNAL authentication,
//! marshalling a handful of basic types, arrays, structs and variants, reading a reply) is a
//! few hundred lines, tested against a real bus daemon.
//!
//! Spec: <https://dbus.freedesktop.org/doc/dbus-specification.html> ("Message Protocol").
//! All alignment is from the start of the message; a body starts 8-aligned, so a body can be
//! written on its own from offset 0.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What went wrong talking to a bus.
#[derive(Debug, thiserror::Error)]
pub enum DbusError {
    #[error("{path}: {source}")]
    Connect {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: authentication refused: {answer}")]
    Auth { path: PathBuf, answer: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: malformed message: {what}")]
    Malformed { path: PathBuf, what: &'static str },
    /// The peer answered with an error.
    #[error("{name}: {message}")]
    Remote { name: String, message: String },
}

const METHOD_CALL: u8 = 1;
const METHOD_RETURN: u8 = 2;
const ERROR: u8 = 3;

const FIELD_PATH: u8 = 1;
const FIELD_INTERFACE: u8 = 2;
const FIELD_MEMBER: u8 = 3;
const FIELD_ERROR_NAME: u8 = 4;
const FIELD_REPLY_SERIAL: u8 = 5;
const FIELD_DESTINATION: u8 = 6;
const FIELD_SIGNATURE: u8 = 8;

/// Longest message we accept (the spec's limit is 128 MiB; our replies are tiny).
const MAX_MESSAGE: usize = 1 << 24;

/// Marshals values in D-Bus little-endian wire format.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer::default()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn pad(&mut self, align: usize) {
        while !self.buf.len().is_multiple_of(align) {
            self.buf.push(0);
        }
    }

    pub fn byte(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn u32(&mut self, v: u32) {
        self.pad(4);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.pad(8);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn bool(&mut self, v: bool) {
        self.u32(u32::from(v));
    }

    /// A string or an object path (`s`, `o`).
    pub fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(0);
    }

    /// A signature (`g`): one length byte.
    pub fn sig(&mut self, s: &str) {
        self.buf.push(s.len() as u8);
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.push(0);
    }

    /// An array whose elements align to `elem_align` (8 for structs and dict entries), written
    /// by `f`. The length counts the elements' bytes, not the padding before the first.
    pub fn array(&mut self, elem_align: usize, f: impl FnOnce(&mut Writer)) {
        self.u32(0);
        let at = self.buf.len() - 4;
        self.pad(elem_align);
        let start = self.buf.len();
        f(self);
        let len = (self.buf.len() - start) as u32;
        self.buf[at..at + 4].copy_from_slice(&len.to_le_bytes());
    }

    /// A struct (or dict entry): 8-aligned.
    pub fn structure(&mut self, f: impl FnOnce(&mut Writer)) {
        self.pad(8);
        f(self);
    }

    /// A variant of signature `sig`, its value written by `f`.
    pub fn variant(&mut self, sig: &str, f: impl FnOnce(&mut Writer)) {
        self.sig(sig);
        f(self);
    }
}

/// Reads values from a message body (or header) in either byte order.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    big: bool,
}

/// Out of data or a value that breaks the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Short;

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8], big_endian: bool) -> Reader<'a> {
        Reader {
            buf,
            pos: 0,
            big: big_endian,
        }
    }

    fn align(&mut self, a: usize) -> Result<(), Short> {
        let to = self.pos.div_ceil(a) * a;
        if to > self.buf.len() {
            return Err(Short);
        }
        self.pos = to;
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Short> {
        let end = self.pos.checked_add(n).ok_or(Short)?;
        let s = self.buf.get(self.pos..end).ok_or(Short)?;
        self.pos = end;
        Ok(s)
    }

    pub fn byte(&mut self) -> Result<u8, Short> {
        Ok(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, Short> {
        self.align(4)?;
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| Short)?;
        Ok(if self.big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    pub fn u64(&mut self) -> Result<u64, Short> {
        self.align(8)?;
        let b: [u8; 8] = self.take(8)?.try_into().map_err(|_| Short)?;
        Ok(if self.big {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }

    /// `s` or `o`.
    pub fn str(&mut self) -> Result<&'a str, Short> {
        let n = self.u32()? as usize;
        let s = self.take(n)?;
        if self.byte()? != 0 {
            return Err(Short);
        }
        std::str::from_utf8(s).map_err(|_| Short)
    }

    pub fn sig(&mut self) -> Result<&'a str, Short> {
        let n = usize::from(self.byte()?);
        let s = self.take(n)?;
        if self.byte()? != 0 {
            return Err(Short);
        }
        std::str::from_utf8(s).map_err(|_| Short)
    }

    /// Where the reader is in its buffer.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Start an array of elements of type `elem`: read its length, align to the elements;
    /// returns the position where the array ends.
    pub fn begin_array(&mut self, elem: &str) -> Result<usize, Short> {
        let n = self.u32()? as usize;
        self.align(type_align(elem))?;
        let end = self.pos.checked_add(n).ok_or(Short)?;
        if end > self.buf.len() {
            return Err(Short);
        }
        Ok(end)
    }

    /// Start a struct or dict entry.
    pub fn begin_struct(&mut self) -> Result<(), Short> {
        self.align(8)
    }

    /// Skip one complete value of the single complete type at the start of `sig`; returns
    /// the rest of the signature.
    pub fn skip<'s>(&mut self, sig: &'s str) -> Result<&'s str, Short> {
        let (first, rest) = split_type(sig).ok_or(Short)?;
        match first.as_bytes()[0] {
            b'y' => {
                self.byte()?;
            }
            b'n' | b'q' => {
                self.align(2)?;
                self.take(2)?;
            }
            b'b' | b'i' | b'u' | b'h' => {
                self.u32()?;
            }
            b'x' | b't' | b'd' => {
                self.u64()?;
            }
            b's' | b'o' => {
                self.str()?;
            }
            b'g' => {
                self.sig()?;
            }
            b'v' => {
                let inner = self.sig()?.to_string();
                let rest = self.skip(&inner)?;
                if !rest.is_empty() {
                    return Err(Short);
                }
            }
            b'a' => {
                let n = self.u32()? as usize;
                let elem = &first[1..];
                self.align(type_align(elem))?;
                self.take(n)?;
            }
            b'(' | b'{' => {
                self.align(8)?;
                let mut inner = &first[1..first.len() - 1];
                while !inner.is_empty() {
                    inner = self.skip(inner)?;
                }
            }
            _ => return Err(Short),
        }
        Ok(rest)
    }
}

/// Alignment of the values of the complete type starting `sig`.
fn type_align(sig: &str) -> usize {
    match sig.as_bytes().first() {
        Some(b'n' | b'q') => 2,
        Some(b'b' | b'i' | b'u' | b'h' | b's' | b'o' | b'a') => 4,
        Some(b'x' | b't' | b'd' | b'(' | b'{') => 8,
        _ => 1,
    }
}

/// The first complete type of `sig` and the rest.
fn split_type(sig: &str) -> Option<(&str, &str)> {
    let b = sig.as_bytes();
    let mut i = 0;
    while *b.get(i)? == b'a' {
        i += 1;
    }
    let end = match b[i] {
        open @ (b'(' | b'{') => {
            let close = if open == b'(' { b')' } else { b'}' };
            let mut depth = 0usize;
            let mut j = i;
            loop {
                let c = *b.get(j)?;
                if c == b'(' || c == b'{' {
                    depth += 1;
                } else if c == b')' || c == b'}' {
                    depth -= 1;
                    if depth == 0 {
                        if c != close {
                            return None;
                        }
                        break j + 1;
                    }
                }
                j += 1;
            }
        }
        _ => i + 1,
    };
    Some((&sig[..end], &sig[end..]))
}

/// One method call: where it goes and what it carries.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub destination: Option<&'a str>,
    pub path: &'a str,
    pub interface: &'a str,
    pub member: &'a str,
    /// The body's signature (`""`: no body) and its bytes, as a [`Writer`] made them.
    pub signature: &'a str,
    pub body: Vec<u8>,
}

impl Call<'_> {
    /// The whole message with serial `serial`.
    pub fn encode(&self, serial: u32) -> Vec<u8> {
        let mut w = Writer::new();
        w.byte(b'l');
        w.byte(METHOD_CALL);
        w.byte(0);
        w.byte(1);
        w.u32(self.body.len() as u32);
        w.u32(serial);
        let field = |w: &mut Writer, code: u8, sig: &str, value: &str| {
            w.structure(|w| {
                w.byte(code);
                w.variant(sig, |w| match sig {
                    "g" => w.sig(value),
                    _ => w.str(value),
                });
            });
        };
        w.array(8, |w| {
            field(w, FIELD_PATH, "o", self.path);
            field(w, FIELD_INTERFACE, "s", self.interface);
            field(w, FIELD_MEMBER, "s", self.member);
            if let Some(d) = self.destination {
                field(w, FIELD_DESTINATION, "s", d);
            }
            if !self.signature.is_empty() {
                field(w, FIELD_SIGNATURE, "g", self.signature);
            }
        });
        w.pad(8);
        let mut out = w.into_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

/// A message as read from the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    pub kind: u8,
    pub serial: u32,
    pub reply_serial: Option<u32>,
    pub error_name: Option<String>,
    pub path: Option<String>,
    pub interface: Option<String>,
    pub member: Option<String>,
    pub signature: String,
    pub big_endian: bool,
    pub body: Vec<u8>,
}

impl Message {
    /// Parse one whole message (`bytes` holds exactly it).
    pub fn parse(bytes: &[u8]) -> Result<Message, Short> {
        let big = match bytes.first() {
            Some(b'l') => false,
            Some(b'B') => true,
            _ => return Err(Short),
        };
        let mut r = Reader::new(bytes, big);
        r.byte()?;
        let kind = r.byte()?;
        let _flags = r.byte()?;
        if r.byte()? != 1 {
            return Err(Short);
        }
        let body_len = r.u32()? as usize;
        let serial = r.u32()?;
        let fields_len = r.u32()? as usize;
        r.align(8)?;
        let fields_end = r.pos.checked_add(fields_len).ok_or(Short)?;
        let mut m = Message {
            kind,
            serial,
            big_endian: big,
            ..Message::default()
        };
        while r.pos < fields_end {
            r.align(8)?;
            let code = r.byte()?;
            let sig = r.sig()?;
            match (code, sig) {
                (FIELD_REPLY_SERIAL, "u") => m.reply_serial = Some(r.u32()?),
                (FIELD_ERROR_NAME, "s") => m.error_name = Some(r.str()?.to_string()),
                (FIELD_PATH, "o") => m.path = Some(r.str()?.to_string()),
                (FIELD_INTERFACE, "s") => m.interface = Some(r.str()?.to_string()),
                (FIELD_MEMBER, "s") => m.member = Some(r.str()?.to_string()),
                (FIELD_SIGNATURE, "g") => m.signature = r.sig()?.to_string(),
                (_, sig) => {
                    let sig = sig.to_string();
                    r.skip(&sig)?;
                }
            }
        }
        if r.pos != fields_end {
            return Err(Short);
        }
        r.align(8)?;
        m.body = r.take(body_len)?.to_vec();
        if r.pos != bytes.len() {
            return Err(Short);
        }
        Ok(m)
    }

    pub fn reader(&self) -> Reader<'_> {
        Reader::new(&self.body, self.big_endian)
    }

    /// An error's text: the first string of its body, if it has one.
    fn error_text(&self) -> String {
        if self.signature.starts_with('s') {
            if let Ok(s) = self.reader().str() {
                return s.to_string();
            }
        }
        String::new()
    }
}

/// A connection to a bus (a daemon's, which wants `Hello` first) or straight to a peer
/// (systemd's private socket, which does not).
#[derive(Debug)]
pub struct Connection {
    stream: UnixStream,
    path: PathBuf,
    serial: u32,
}

/// How long one call may take before we give up on the peer.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

impl Connection {
    /// Connect to the socket at `path` and authenticate as our uid (EXTERNAL). With `hello`
    /// (a bus daemon), register on the bus.
    pub fn open(path: &Path, hello: bool) -> Result<Connection, DbusError> {
        let stream = UnixStream::connect(path).map_err(|source| DbusError::Connect {
            path: path.to_path_buf(),
            source,
        })?;
        let io = |source| DbusError::Io {
            path: path.to_path_buf(),
            source,
        };
        stream.set_read_timeout(Some(CALL_TIMEOUT)).map_err(io)?;
        stream.set_write_timeout(Some(CALL_TIMEOUT)).map_err(io)?;
        let mut c = Connection {
            stream,
            path: path.to_path_buf(),
            serial: 0,
        };
        c.authenticate()?;
        if hello {
            c.call(&Call {
                destination: Some("org.freedesktop.DBus"),
                path: "/org/freedesktop/DBus",
                interface: "org.freedesktop.DBus",
                member: "Hello",
                signature: "",
                body: Vec::new(),
            })?;
        }
        Ok(c)
    }

    fn io(&self, source: io::Error) -> DbusError {
        DbusError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn malformed(&self, what: &'static str) -> DbusError {
        DbusError::Malformed {
            path: self.path.clone(),
            what,
        }
    }

    fn authenticate(&mut self) -> Result<(), DbusError> {
        // SAFETY: getuid cannot fail.
        let uid = unsafe { libc::getuid() }.to_string();
        let hex: String = uid.bytes().map(|b| format!("{b:02x}")).collect();
        let hello = format!("\0AUTH EXTERNAL {hex}\r\n");
        self.stream
            .write_all(hello.as_bytes())
            .map_err(|e| self.io(e))?;
        let answer = self.read_line()?;
        if !answer.starts_with("OK ") {
            return Err(DbusError::Auth {
                path: self.path.clone(),
                answer,
            });
        }
        self.stream.write_all(b"BEGIN\r\n").map_err(|e| self.io(e))
    }

    /// One line of the authentication dialogue, read byte by byte so nothing after it is lost.
    fn read_line(&mut self) -> Result<String, DbusError> {
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        while !line.ends_with(b"\r\n") {
            if line.len() > 4096 {
                return Err(self.malformed("authentication line too long"));
            }
            match self.stream.read(&mut b) {
                Ok(0) => return Err(self.io(io::ErrorKind::UnexpectedEof.into())),
                Ok(_) => line.push(b[0]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.io(e)),
            }
        }
        line.truncate(line.len() - 2);
        Ok(String::from_utf8_lossy(&line).into_owned())
    }

    fn read_message(&mut self) -> Result<Message, DbusError> {
        let mut head = [0u8; 16];
        self.stream.read_exact(&mut head).map_err(|e| self.io(e))?;
        let big = match head[0] {
            b'l' => false,
            b'B' => true,
            _ => return Err(self.malformed("unknown byte order")),
        };
        let word = |b: &[u8]| {
            let a: [u8; 4] = [b[0], b[1], b[2], b[3]];
            if big {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        };
        let body = word(&head[4..8]) as usize;
        let fields = word(&head[12..16]) as usize;
        let total = (16 + fields).div_ceil(8) * 8 + body;
        if total > MAX_MESSAGE {
            return Err(self.malformed("message too long"));
        }
        let mut all = head.to_vec();
        all.resize(total, 0);
        self.stream
            .read_exact(&mut all[16..])
            .map_err(|e| self.io(e))?;
        Message::parse(&all).map_err(|_| self.malformed("bad header or body"))
    }

    /// Send `call` and wait for its answer (other messages, such as signals, are skipped). An
    /// error answer is [`DbusError::Remote`].
    pub fn call(&mut self, call: &Call<'_>) -> Result<Message, DbusError> {
        self.serial = self.serial.wrapping_add(1).max(1);
        let serial = self.serial;
        self.stream
            .write_all(&call.encode(serial))
            .map_err(|e| self.io(e))?;
        loop {
            let m = self.read_message()?;
            if m.reply_serial != Some(serial) {
                continue;
            }
            return match m.kind {
                METHOD_RETURN => Ok(m),
                ERROR => Err(DbusError::Remote {
                    name: m.error_name.clone().unwrap_or_default(),
                    message: m.error_text(),
                }),
                _ => Err(self.malformed("reply of unknown type")),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_values_are_aligned_from_the_start() {
        let mut w = Writer::new();
        w.byte(7);
        w.u32(1);
        w.byte(1);
        w.u64(2);
        w.str("ab");
        w.sig("as");
        let b = w.into_bytes();
        assert_eq!(
            b,
            [
                7, 0, 0, 0, 1, 0, 0, 0, // y, pad, u
                1, 0, 0, 0, 0, 0, 0, 0, // y, pad to 8
                2, 0, 0, 0, 0, 0, 0, 0, // t
                2, 0, 0, 0, b'a', b'b', 0, // s
                2, b'a', b's', 0, // g
            ]
        );
        let mut r = Reader::new(&b, false);
        assert_eq!(r.byte(), Ok(7));
        assert_eq!(r.u32(), Ok(1));
        assert_eq!(r.byte(), Ok(1));
        assert_eq!(r.u64(), Ok(2));
        assert_eq!(r.str(), Ok("ab"));
        assert_eq!(r.sig(), Ok("as"));
        assert_eq!(r.byte(), Err(Short));
    }

    #[test]
    fn array_length_leaves_out_the_padding_before_its_first_struct() {
        let mut w = Writer::new();
        w.array(8, |w| {
            w.structure(|w| {
                w.str("x");
                w.variant("b", |w| w.bool(true));
            })
        });
        let b = w.into_bytes();
        // length 4, padding to 8, then the struct: "x" (4+2), pad 2... sig "b", pad, u32 1.
        assert_eq!(&b[..8], &[16, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(b.len(), 8 + 16);
        let mut r = Reader::new(&b, false);
        assert_eq!(r.skip("a(sv)"), Ok(""));
        assert_eq!(r.pos, b.len());
        // An empty array of structs still pads to the struct alignment.
        let mut w = Writer::new();
        w.byte(1);
        w.array(8, |_| {});
        assert_eq!(w.into_bytes(), [1, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn signatures_split_into_complete_types() {
        assert_eq!(split_type("sa(sv)"), Some(("s", "a(sv)")));
        assert_eq!(split_type("a(sa(sv))u"), Some(("a(sa(sv))", "u")));
        assert_eq!(split_type("a{sv}"), Some(("a{sv}", "")));
        assert_eq!(split_type("(s"), None);
        assert_eq!(split_type("(s}"), None);
        assert_eq!(split_type(""), None);
        assert_eq!(split_type("aa"), None);
    }

    #[test]
    fn a_call_encodes_and_parses_back() {
        let mut body = Writer::new();
        body.str("zone-web.scope");
        body.str("fail");
        let call = Call {
            destination: Some("org.freedesktop.systemd1"),
            path: "/org/freedesktop/systemd1",
            interface: "org.freedesktop.systemd1.Manager",
            member: "StartTransientUnit",
            signature: "ss",
            body: body.into_bytes(),
        };
        let bytes = call.encode(9);
        assert_eq!(&bytes[..4], &[b'l', METHOD_CALL, 0, 1]);
        let m = Message::parse(&bytes).unwrap();
        assert_eq!(m.kind, METHOD_CALL);
        assert_eq!(m.serial, 9);
        assert_eq!(m.path.as_deref(), Some("/org/freedesktop/systemd1"));
        assert_eq!(m.member.as_deref(), Some("StartTransientUnit"));
        assert_eq!(m.signature, "ss");
        let mut r = m.reader();
        assert_eq!(r.str(), Ok("zone-web.scope"));
        assert_eq!(r.str(), Ok("fail"));
        // Truncated or padded messages are refused, never read past.
        assert_eq!(Message::parse(&bytes[..bytes.len() - 1]), Err(Short));
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Message::parse(&longer), Err(Short));
        for n in 0..bytes.len() {
            let _ = Message::parse(&bytes[..n]);
        }
    }

    /// A private bus daemon (`dbus-daemon --session`) checks every message it is sent
    /// against its signature and drops a client that sends a malformed one: a call that gets
    /// an answer was well formed.
    #[test]
    fn a_real_bus_daemon_takes_our_messages() {
        let Ok(dir) = tempfile::tempdir() else {
            return;
        };
        let sock = dir.path().join("bus");
        let daemon = std::process::Command::new("dbus-daemon")
            .arg("--session")
            .arg("--nofork")
            .arg(format!("--address=unix:path={}", sock.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let Ok(mut daemon) = daemon else {
            eprintln!("SKIPPED: dbus-daemon is not installed (package dbus-daemon)");
            return;
        };
        struct Kill<'a>(&'a mut std::process::Child);
        impl Drop for Kill<'_> {
            fn drop(&mut self) {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }
        let _kill = Kill(&mut daemon);
        let mut tries = 0;
        while !sock.exists() && tries < 500 {
            std::thread::sleep(Duration::from_millis(10));
            tries += 1;
        }
        let mut c = Connection::open(&sock, true).expect("Hello");
        // GetId answers a string.
        let id = c
            .call(&Call {
                destination: Some("org.freedesktop.DBus"),
                path: "/org/freedesktop/DBus",
                interface: "org.freedesktop.DBus",
                member: "GetId",
                signature: "",
                body: Vec::new(),
            })
            .unwrap();
        assert_eq!(id.signature, "s");
        assert_eq!(id.reader().str().unwrap().len(), 32);
        // The transient unit request, to a name nobody owns (nor can be started for): the
        // daemon read it whole and answers that the service is unknown.
        let (sig, body) = super::super::scope::start_request(
            "zone-web.scope",
            "zones.slice",
            "zone web",
            4242,
            &["zones.service"],
        );
        let e = c
            .call(&Call {
                destination: Some("org.zones.test.Nobody"),
                path: "/org/freedesktop/systemd1",
                interface: "org.freedesktop.systemd1.Manager",
                member: "StartTransientUnit",
                signature: sig,
                body,
            })
            .unwrap_err();
        match e {
            DbusError::Remote { name, .. } => {
                assert_eq!(name, "org.freedesktop.DBus.Error.ServiceUnknown")
            }
            e => panic!("{e}"),
        }
        // Still connected: the message was valid.
        c.call(&Call {
            destination: Some("org.freedesktop.DBus"),
            path: "/org/freedesktop/DBus",
            interface: "org.freedesktop.DBus",
            member: "GetId",
            signature: "",
            body: Vec::new(),
        })
        .unwrap();
    }
}
