//! The pool commands as users run them: exit codes, stdout and stderr, on scratch files and
//! a scratch alternate root (no root privileges and no kernel changes needed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A scratch directory removed when the test ends, pass or fail.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pooladm-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn root(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(bin: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn poolcfg(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_poolcfg"), args, None)
}

fn pooladm(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_pooladm"), args, None)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const TESTER: &str = "\nsystem tester\n\tstring\tsystem.comment \n\tint\tsystem.version 1\n\
                      \tboolean\tsystem.bind-default true\n\n";

#[test]
fn create_system_tester() {
    let d = Scratch::new();
    let f = d.path("pooladm.conf");
    let o = poolcfg(&["-c", "create system tester", s(&f)]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(out(&o), "");
    let o = poolcfg(&["-c", "info", s(&f)]);
    assert_eq!(code(&o), 0);
    assert_eq!(out(&o), TESTER);
    assert_eq!(err(&o), "");
}

#[test]
fn default_file_is_under_the_alternate_root() {
    let d = Scratch::new();
    std::fs::create_dir_all(d.path("etc")).unwrap();
    let o = poolcfg(&["-R", d.root(), "-c", "create system tester"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(d.path("etc/pooladm.conf").exists());
    let o = poolcfg(&["-R", d.root(), "-c", "info"]);
    assert_eq!(out(&o), TESTER);
}

#[test]
fn man_page_examples() {
    let d = Scratch::new();
    let f = d.path("pooladm.conf");
    let f = s(&f);
    for cmd in [
        "discover",
        "create pset small-1 ( uint pset.min = 1 ; uint pset.max = 4)",
        "create pool Accounting",
        "associate pool Accounting ( pset small-1 )",
        "modify pool pool_default (string pool.scheduler=\"FSS\")",
    ] {
        let o = poolcfg(&["-c", cmd, f]);
        assert_eq!(code(&o), 0, "{cmd}: {}", err(&o));
    }
    let o = poolcfg(&["-c", "info pool Accounting", f]);
    assert!(out(&o).starts_with("\npool Accounting\n\tboolean\tpool.active true\n"));
    assert!(out(&o).contains("\tpset\tsmall-1\n\n\tpset small-1\n"));
    let o = poolcfg(&["-c", "info pool pool_0", f]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "poolcfg: cannot locate the pool, pool_0: Invalid search\n"
    );
    let o = poolcfg(&["-c", "destroy pool pool_0", f]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "poolcfg: cannot locate the pool, pool_0: Invalid search\n"
    );
    let o = poolcfg(&["-c", "info", f]);
    assert!(out(&o).contains("\t\tstring\tpool.scheduler FSS\n"));
    // validation against this machine: small-1 needs one CPU besides the default set's
    let cpus = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
    if cpus.trim() != "0" {
        let o = pooladm(&["-R", d.root(), "-n", "-c", f]);
        assert_eq!(code(&o), 0, "{}", err(&o));
        assert_eq!(err(&o), "");
    }
}

#[test]
fn dynamic_examples_need_the_facility() {
    let d = Scratch::new();
    for cmd in [
        "transfer to pset pset1 ( cpu 2 )",
        "transfer 2 from pset pset1 to pset2",
    ] {
        let o = poolcfg(&["-R", d.root(), "-dc", cmd]);
        assert_eq!(code(&o), 1);
        assert_eq!(
            err(&o),
            "poolcfg: cannot load configuration from /dev/poolctl: Facility is not active\n"
        );
    }
}

#[test]
fn errors_and_exit_codes() {
    let d = Scratch::new();
    let f = d.path("pooladm.conf");
    let f = s(&f);
    let o = poolcfg(&["-c", "info", f]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        format!("poolcfg: cannot load configuration from {f}: No such file or directory\n")
    );
    assert!(!Path::new(f).exists());
    poolcfg(&["-c", "create system t", f]);
    let o = poolcfg(&["-c", "create pool", f]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "poolcfg: syntax error, token expected\npoolcfg: command parsing failed, terminating...\n"
    );
    let o = poolcfg(&["-c", "info $", f]);
    assert_eq!(code(&o), 1);
    assert_eq!(err(&o), "poolcfg: Illegal character at '$'\n");
    let o = poolcfg(&["-c", "create pset p (uint pset.min = 2)", f]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "poolcfg: put property pset.min failed: Error putting property\n"
    );
    let o = poolcfg(&["-c", "info system other", f]);
    assert_eq!(err(&o), "poolcfg: incorrect system name supplied: other\n");
}

#[test]
fn scripts_from_files_and_stdin() {
    let d = Scratch::new();
    let f = d.path("pooladm.conf");
    let script = d.path("script");
    std::fs::write(
        &script,
        "create system t\n# a comment\ncreate pset ps (uint pset.max = 2)\n\ncreate pool\n",
    )
    .unwrap();
    let o = poolcfg(&["-f", s(&script), s(&f)]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "poolcfg: line 6, syntax error, token expected\npoolcfg: command parsing failed, terminating...\n"
    );
    assert!(!f.exists(), "a failing script writes nothing");
    let o = run(
        env!("CARGO_BIN_EXE_poolcfg"),
        &["-f", "-", s(&f)],
        Some("create system t\ncreate pset ps\ninfo pset ps\n"),
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(out(&o).starts_with("\npset ps\n\tint\tpset.sys_id -2\n"));
    let o = run(
        env!("CARGO_BIN_EXE_poolcfg"),
        &["-f", "-", s(&f)],
        Some("info\n%\n"),
    );
    assert_eq!(code(&o), 1);
    assert_eq!(err(&o), "poolcfg: line 2, Illegal character at '%'\n");
    let o = poolcfg(&["-f", s(&d.path("missing")), s(&f)]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "poolcfg: cannot initialise command sequence: No such file or directory\n"
    );
}

#[test]
fn failing_script_leaves_file_byte_identical() {
    let d = Scratch::new();
    let f = d.path("pooladm.conf");
    assert_eq!(code(&poolcfg(&["-c", "discover", s(&f)])), 0);
    let before = std::fs::read(&f).unwrap();
    for script in [
        "create pool a\ncreate pool a",
        "create pset p (uint pset.max = 1)\ndestroy pool nope",
        "destroy system nothere",
        "create pool b\n)",
        "rename pool pool_default to x\nmodify pool x (int pool.importance = 7)\n$",
    ] {
        let o = poolcfg(&["-c", script, s(&f)]);
        assert_eq!(code(&o), 1, "{script}");
        assert_eq!(std::fs::read(&f).unwrap(), before, "{script}");
    }
}

#[test]
fn usage() {
    let d = Scratch::new();
    let f = d.path("x.conf");
    let short = "Usage:\npoolcfg -h\npoolcfg -c command [ -d | [ file ] ]\npoolcfg -f command-file [-d | [ file ] ]\n\n";
    for args in [
        vec![],
        vec!["-c", "info", "-f", "x"],
        vec!["-f", "/dev/null", "-c", "info"],
        vec!["-d", "-c", "info", s(&f)],
        vec!["-c", "info", "a", "b"],
    ] {
        let o = poolcfg(&args);
        assert_eq!(code(&o), 2, "{args:?}");
        assert_eq!(err(&o), short, "{args:?}");
    }
    let o = poolcfg(&["-z"]);
    assert_eq!(code(&o), 2);
    assert_eq!(err(&o), format!("poolcfg: illegal option -- z\n{short}"));
    let o = poolcfg(&["-c"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        err(&o),
        format!("poolcfg: option requires an argument -- c\n{short}")
    );
    let o = poolcfg(&["-h"]);
    assert_eq!(code(&o), 2);
    assert!(err(&o).starts_with(short));
    assert!(err(&o).contains("proptype:\n  boolean | int | uint | string | float\n\n"));
}

#[test]
fn pooladm_without_the_facility() {
    let d = Scratch::new();
    let o = pooladm(&["-R", d.root()]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "pooladm: couldn't open pools state file: Facility is not active\n"
    );
    let o = pooladm(&["-R", d.root(), "-s", s(&d.path("save.conf"))]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "pooladm: couldn't open pools state file: Facility is not active\n"
    );
    // validation only needs the online CPUs
    let f = d.path("big.conf");
    let o = poolcfg(&[
        "-c",
        "discover\ncreate pset big (uint pset.max = 100000; uint pset.min = 100000)",
        s(&f),
    ]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let o = pooladm(&["-R", d.root(), "-n", "-c", s(&f)]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        format!(
            "pooladm: configuration at '{}' cannot be instantiated on current system\n",
            s(&f)
        )
    );
    let o = pooladm(&["-R", d.root(), "-n", "-c", s(&d.path("missing.conf"))]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        format!(
            "pooladm: couldn't open configuration at '{}': No such file or directory\n",
            s(&d.path("missing.conf"))
        )
    );
    // -n -x changes nothing and needs nothing
    assert_eq!(code(&pooladm(&["-R", d.root(), "-n", "-x"])), 0);
    // disabling a disabled facility is fine
    let root = nix::unistd::geteuid().is_root();
    if root {
        assert_eq!(code(&pooladm(&["-R", d.root(), "-d"])), 0);
    }
    let o = pooladm(&["-R", d.root(), "-e"]);
    if root {
        // The real facility: cpuset cgroups of this scratch root, gone again after -d.
        assert_eq!(code(&o), 0, "{}", err(&o));
        let o = pooladm(&["-R", d.root()]);
        assert_eq!(code(&o), 0, "{}", err(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains("pool pool_default"));
        assert_eq!(code(&pooladm(&["-R", d.root(), "-d"])), 0);
        let o = pooladm(&["-R", d.root()]);
        assert_eq!(code(&o), 1);
    } else {
        assert_eq!(code(&o), 1);
        assert_eq!(err(&o), "pooladm: insufficient privileges\n");
    }
}

#[test]
fn pooladm_usage() {
    let text = "Usage:\tpooladm [-n] [-s] [-c] [filename]\nUsage:\tpooladm [-n] -x\nUsage:\tpooladm -d | -e\n";
    for args in [
        vec!["-x", "-c"],
        vec!["-d", "-e"],
        vec!["-e", "-s"],
        vec!["file"],
        vec!["-c", "a", "b"],
    ] {
        let o = pooladm(&args);
        assert_eq!(code(&o), 2, "{args:?}");
        assert_eq!(err(&o), text, "{args:?}");
    }
    let o = pooladm(&["-q"]);
    assert_eq!(code(&o), 2);
    assert_eq!(err(&o), format!("pooladm: illegal option -- q\n{text}"));
}

#[test]
fn poolbind_and_poolstat() {
    let d = Scratch::new();
    let bind = env!("CARGO_BIN_EXE_poolbind");
    let stat = env!("CARGO_BIN_EXE_poolstat");
    let o = run(bind, &["-R", d.root(), "-q", "1"], None);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "poolbind: couldn't open pools state file: Facility is not active\n"
    );
    let o = run(bind, &["-q"], None);
    assert_eq!(code(&o), 2);
    assert!(err(&o).starts_with("Usage:\n    poolbind -p pool_name -e command [arguments...]\n"));
    let o = run(bind, &["-p", "x", "-q", "1"], None);
    assert_eq!(code(&o), 2);
    let o = run(stat, &["-R", d.root()], None);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "poolstat: couldn't open pools state file: Facility is not active\n"
    );
    let o = run(stat, &["-o", "id"], None);
    assert_eq!(code(&o), 2);
    let o = run(stat, &["-r", "pset", "-o", "bogus"], None);
    assert_eq!(code(&o), 2);
    assert!(err(&o).starts_with("unsupported statistic field: bogus\nUsage:\n"));
    let o = run(stat, &["0"], None);
    assert_eq!(code(&o), 2);
    let o = run(stat, &["-p"], None);
    assert_eq!(code(&o), 2);
    assert!(err(&o).starts_with("Option -p requires an argument\n"));
}

const POOLBIND_USAGE: &str = "Usage:\n    poolbind -p pool_name -e command [arguments...]\n    poolbind -p pool_name [-i pid | -i taskid | -i projid | -i zoneid] id ...\n    poolbind -q pid ...\n    poolbind -Q pid ... \n";

const POOLCFG_SHORT: &str = "Usage:\npoolcfg -h\npoolcfg -c command [ -d | [ file ] ]\npoolcfg -f command-file [-d | [ file ] ]\n\n";

const POOLADM_USAGE: &str =
    "Usage:\tpooladm [-n] [-s] [-c] [filename]\nUsage:\tpooladm [-n] -x\nUsage:\tpooladm -d | -e\n";

#[test]
fn version_and_help() {
    let version = env!("CARGO_PKG_VERSION");
    for (name, bin) in [
        ("pooladm", env!("CARGO_BIN_EXE_pooladm")),
        ("poolcfg", env!("CARGO_BIN_EXE_poolcfg")),
        ("poolbind", env!("CARGO_BIN_EXE_poolbind")),
        ("poolstat", env!("CARGO_BIN_EXE_poolstat")),
    ] {
        for flag in ["-V", "--version"] {
            let o = run(bin, &[flag], None);
            assert_eq!(code(&o), 0, "{name} {flag}");
            assert_eq!(out(&o), format!("{name} (zones) {version}\n"));
            assert_eq!(err(&o), "");
        }
        // --help: the usage on standard output, status 0 (poolcfg's is -h's, below).
        let o = run(bin, &["--help"], None);
        assert_eq!((code(&o), err(&o).as_str()), (0, ""), "{name}");
        if name != "poolcfg" {
            let misused = run(bin, &["-%"], None);
            assert_eq!(code(&misused), 2, "{name}");
            assert_eq!(
                err(&misused),
                format!("{name}: illegal option -- %\n{}", out(&o))
            );
        }
    }
    // poolcfg's --help is its full usage, as -h prints it.
    let o = poolcfg(&["--help"]);
    assert!(out(&o).starts_with(POOLCFG_SHORT));
    assert!(out(&o).contains("proptype:\n  boolean | int | uint | string | float\n\n"));
}

#[test]
fn misuse_reported_as_getopt_reports_it() {
    let o = pooladm(&["-R"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        err(&o),
        format!("pooladm: option requires an argument -- R\n{POOLADM_USAGE}")
    );
    let o = pooladm(&["--foo"]);
    assert_eq!(
        err(&o),
        format!("pooladm: illegal option -- -\n{POOLADM_USAGE}")
    );
    let bind = env!("CARGO_BIN_EXE_poolbind");
    let o = run(bind, &["-p"], None);
    assert_eq!(code(&o), 2);
    assert_eq!(
        err(&o),
        format!("poolbind: option requires an argument -- p\n{POOLBIND_USAGE}")
    );
    let stat = env!("CARGO_BIN_EXE_poolstat");
    let o = run(stat, &["-x"], None);
    assert_eq!(code(&o), 2);
    assert!(err(&o).starts_with("poolstat: illegal option -- x\nUsage:\n"));
    let o = run(stat, &["-T"], None);
    assert!(err(&o).starts_with("Option -T requires an argument\nUsage:\n"));
    // Operands too many.
    let o = run(stat, &["1", "2", "3"], None);
    assert_eq!(code(&o), 2);
    assert!(err(&o).starts_with("Usage:\n"));
}

#[test]
fn options_act_in_command_line_order() {
    let d = Scratch::new();
    let missing = d.path("missing");
    let missing = s(&missing);
    // poolcfg reads a command file as soon as it meets -f...
    let o = poolcfg(&["-f", missing, "-z"]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "poolcfg: cannot initialise command sequence: No such file or directory\n"
    );
    let o = poolcfg(&["-f", missing, "-c", "info"]);
    assert_eq!(code(&o), 1);
    // ... refuses -f after -c, and -h, where they stand, before a later bad option.
    for args in [
        vec!["-c", "info", "-f", missing, "-z"],
        vec!["-c", "info", "-f", missing],
    ] {
        let o = poolcfg(&args);
        assert_eq!(
            (code(&o), err(&o)),
            (2, POOLCFG_SHORT.to_string()),
            "{args:?}"
        );
    }
    let o = poolcfg(&["-h", "-z"]);
    assert_eq!(code(&o), 2);
    assert!(err(&o).starts_with(POOLCFG_SHORT));
    assert!(err(&o).contains("proptype:\n"));
    let o = poolcfg(&["-z", "-h"]);
    assert_eq!(
        err(&o),
        format!("poolcfg: illegal option -- z\n{POOLCFG_SHORT}")
    );
    // An attached argument is taken whole.
    let f = d.path("f.conf");
    let o = poolcfg(&["-c=info", s(&f)]);
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "poolcfg: syntax error at '='\npoolcfg: command parsing failed, terminating...\n"
    );

    // poolbind refuses an option an earlier one excludes, there.
    let bind = env!("CARGO_BIN_EXE_poolbind");
    for args in [
        &["-q", "-p", "x", "-z", "1"][..],
        &["-p", "x", "-p", "y", "-z"],
        &["-i", "bogus", "-z"],
        &["-Q", "-q", "-Q", "1"],
    ] {
        let o = run(bind, args, None);
        assert_eq!(
            (code(&o), err(&o)),
            (2, POOLBIND_USAGE.to_string()),
            "{args:?}"
        );
    }
    let o = run(bind, &["-z", "-q", "-p", "x", "1"], None);
    assert_eq!(
        err(&o),
        format!("poolbind: illegal option -- z\n{POOLBIND_USAGE}")
    );
    // -i after -e is fine (Solaris' poolbind checks -e against -i, not -i against -e): the
    // command gets as far as the facility.
    let o = run(
        bind,
        &["-R", d.root(), "-e", "-i", "pid", "-p", "x", "true"],
        None,
    );
    assert_eq!(code(&o), 1);
    assert_eq!(
        err(&o),
        "poolbind: couldn't open pools state file: Facility is not active\n"
    );
    let o = run(
        bind,
        &["-R", d.root(), "-i", "pid", "-e", "-p", "x", "true"],
        None,
    );
    assert_eq!((code(&o), err(&o)), (2, POOLBIND_USAGE.to_string()));
    // The ids, or the command, are operands, whatever they look like.
    let o = run(bind, &["-R", d.root(), "-p", "x", "-e", "ls", "-l"], None);
    assert_eq!(code(&o), 1);
    assert!(err(&o).contains("Facility is not active"));

    // poolstat checks -o and -T as it reads them.
    let stat = env!("CARGO_BIN_EXE_poolstat");
    let o = run(stat, &["-o", "bogus", "-x"], None);
    assert!(err(&o).starts_with("unsupported statistic field: bogus\nUsage:\n"));
    let o = run(stat, &["-x", "-o", "bogus"], None);
    assert!(err(&o).starts_with("poolstat: illegal option -- x\nUsage:\n"));
    let o = run(stat, &["-T", "x", "-x"], None);
    assert_eq!(code(&o), 2);
    assert!(err(&o).starts_with("Usage:\n"));
}
