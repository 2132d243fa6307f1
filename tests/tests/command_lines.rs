//! The command lines of zonecfg, zoneadm and zlogin as users type them: `-V`/`--version` on
//! every command, the help options, each kind of misuse (unknown option, option without its
//! argument, operand too many) with Solaris' texts and exit statuses, and where options end
//! and operands begin (`--`, zlogin's command, zoneadm's subcommand).

use zones_tests::{require_root, run, Scratch};

/// zonecfg's usage synopsis (spec §1.1).
const ZONECFG_SYNOPSIS: &str = "usage:\tzonecfg help\n\tzonecfg -z <zone>\t\t\t(interactive)\n\tzonecfg -z <zone> <command>\n\tzonecfg -z <zone> -f <command-file>\n";

const ZLOGIN_USAGE: &str =
    "usage: zlogin [ -nQCES ] [ -e cmdchar ] [-l user] zonename [command [args ...] ]\n";

const BOOT_USAGE: &str = "usage:\tboot [-- boot_arguments]\n\tActivates (boots) specified zone.  See zoneadm(8) for valid boot\n\targuments.\n";

#[test]
fn every_command_prints_its_version() {
    let version = env!("CARGO_PKG_VERSION");
    for cmd in [
        "zonecfg", "zoneadm", "zlogin", "pooladm", "poolcfg", "poolbind", "poolstat",
    ] {
        for flag in ["-V", "--version"] {
            let r = run(cmd, &[flag], None);
            assert_eq!(
                (r.code, r.stdout, r.stderr.as_str()),
                (0, format!("{cmd} (zones) {version}\n"), ""),
                "{cmd} {flag}"
            );
        }
    }
    // Among other options, where it stands.
    let s = Scratch::new();
    let r = s.zoneadm(Some("z"), &["-V", "-k"]);
    assert_eq!(
        (r.code, r.stdout),
        (0, format!("zoneadm (zones) {version}\n"))
    );
    let r = run("zlogin", &["-QV", "-x"], None);
    assert_eq!(
        (r.code, r.stdout),
        (0, format!("zlogin (zones) {version}\n"))
    );
    let r = run("poolcfg", &["-d", "-V"], None);
    assert_eq!(
        (r.code, r.stdout),
        (0, format!("poolcfg (zones) {version}\n"))
    );
}

#[test]
fn zonecfg_misuse() {
    let r = run("zonecfg", &["-q", "-z", "a"], None);
    assert_eq!(
        (r.code, r.stderr),
        (
            2,
            format!("zonecfg: illegal option -- q\n{ZONECFG_SYNOPSIS}")
        )
    );
    // A long option is an illegal `-`, as getopt reads it.
    let r = run("zonecfg", &["--zone", "a"], None);
    assert_eq!(
        (r.code, r.stderr),
        (
            2,
            format!("zonecfg: illegal option -- -\n{ZONECFG_SYNOPSIS}")
        )
    );
    let r = run("zonecfg", &["-z"], None);
    assert_eq!(
        (r.code, r.stderr),
        (
            2,
            format!("zonecfg: option requires an argument -- z\n{ZONECFG_SYNOPSIS}")
        )
    );
    // The first problem in the order of the words is the one reported.
    let r = run("zonecfg", &["-R", "relative", "-q"], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (2, "root path must be absolute: relative\n")
    );
    let r = run("zonecfg", &["-r", "-q"], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "zonecfg: -r: not supported\n")
    );
    let r = run("zonecfg", &["-z", "bad name", "-q"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("bad name: Bogus zone name\n"),
        "{}",
        r.stderr
    );
    // An option's argument is the next word, or what is attached to it, `=` included.
    let r = run("zonecfg", &["-z", "-f"], None);
    assert!(
        r.stderr.starts_with("-f: Bogus zone name\n"),
        "{}",
        r.stderr
    );
    let r = run("zonecfg", &["-z=a"], None);
    assert!(
        r.stderr.starts_with("=a: Bogus zone name\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn zonecfg_help_options() {
    // -?: the full usage on standard output, with the usage status (Solaris').
    let r = run("zonecfg", &["-?"], None);
    assert_eq!((r.code, r.stderr.as_str()), (2, ""));
    assert!(r.stdout.starts_with(ZONECFG_SYNOPSIS), "{}", r.stdout);
    assert!(r.stdout.contains("Commands:\n"));
    let asked = r.stdout;
    // --help: the same text, asked for, so status 0.
    let r = run("zonecfg", &["--help"], None);
    assert_eq!((r.code, r.stdout, r.stderr.as_str()), (0, asked, ""));
}

#[test]
fn zonecfg_options_end_at_the_command() {
    require_root();
    let s = Scratch::new();
    s.configure("cl1", &[]);
    // `-z` after the command's first word is the command's: here `info`'s, which refuses it
    // with its own usage (an error of the session, not of the command line).
    let r = s.zonecfg("cl1", &["info", "-z", "x"], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("usage:\ninfo "), "{}", r.stderr);
    // `--` ends zonecfg's options; `help` counts only as the first word.
    let r = s.zonecfg("cl1", &["--", "info", "zonename"], None);
    assert_eq!((r.code, r.stdout.as_str()), (0, "zonename: cl1\n"));
    let r = run("zonecfg", &["--", "help"], None);
    assert_eq!((r.code, r.stderr.as_str()), (2, ZONECFG_SYNOPSIS));
}

#[test]
fn zoneadm_misuse() {
    let s = Scratch::new();
    let usage = run("zoneadm", &[], None);
    assert_eq!(usage.code, 2);
    assert!(usage.stderr.starts_with("usage:\tzoneadm help\n"));
    // Unknown option, option without its argument, unknown subcommand: zoneadm's usage.
    for args in [
        &["-k", "list"][..],
        &["-z"],
        &["-R"],
        &["--zone", "z", "list"],
        &["-z", "z", "bogus"],
        &["-z", "global", "bogus"],
        &["bogus"],
    ] {
        let r = s.zoneadm(None, args);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (2, "", usage.stderr.as_str()),
            "{args:?}"
        );
    }
    // A misused subcommand: its own usage.
    for args in [&["boot", "x"][..], &["boot", "-s"], &["boot", "--help"]] {
        let r = s.zoneadm(Some("z"), args);
        assert_eq!((r.code, r.stderr.as_str()), (2, BOOT_USAGE), "{args:?}");
    }
    let r = s.zoneadm(Some("z"), &["mark"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("usage:\tmark incomplete\n"),
        "{}",
        r.stderr
    );
    let r = s.zoneadm(Some("z"), &["uninstall", "-F", "x"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("usage:\tuninstall [-F]"),
        "{}",
        r.stderr
    );
    // Hidden subcommands misused: zoneadm's usage.
    let r = s.zoneadm(Some("z"), &["apply", "x"]);
    assert_eq!((r.code, r.stderr), (2, usage.stderr.clone()));
    let r = s.zoneadm(Some("z"), &["plan", "x"]);
    assert_eq!((r.code, r.stderr), (2, usage.stderr.clone()));
}

#[test]
fn zoneadm_help_options() {
    let help = run("zoneadm", &["help"], None);
    assert_eq!((help.code, help.stderr.as_str()), (0, ""));
    assert!(help
        .stdout
        .contains("\nboot [-- boot_arguments]\n\tActivates (boots) specified zone."));
    for args in [
        &["-?"][..],
        &["--help"],
        &["help", "boot", "-x"],
        &["-?", "-k"],
    ] {
        let r = run("zoneadm", args, None);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (0, help.stdout.as_str(), ""),
            "{args:?}"
        );
    }
}

#[test]
fn zoneadm_subcommand_after_the_global_options() {
    require_root();
    let s = Scratch::new();
    s.configure("cl2", &[]);
    let root = s.root_str();
    // -R and -z in either order, then the subcommand and its boot arguments after `--`:
    // read, then refused for the zone's state, not for the command line.
    for args in [
        &["-R", &root, "-z", "cl2", "boot", "--", "-s"][..],
        &["-z", "cl2", "-R", &root, "boot", "--", "-s"],
        &["-zcl2", &format!("-R{root}"), "boot", "--", "-s", "--", "x"],
    ] {
        let r = run("zoneadm", args, None);
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (1, "zoneadm: zone 'cl2': must be installed before boot.\n"),
            "{args:?}"
        );
    }
    // The global options end at `--` (Solaris' getopt), or at the subcommand: a -z after
    // it is the subcommand's.
    let r = s.zoneadm(None, &["--", "list", "-c"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "global\ncl2\n"));
    let r = s.zoneadm(None, &["list", "-z", "cl2"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("usage:\tlist [-cipv]\n"),
        "{}",
        r.stderr
    );
    // A lone `--` after a subcommand that takes no operands ends its (no) options.
    let r = s.zoneadm(Some("cl2"), &["list", "--"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "cl2\n"));
    // install's words are the brand's, whatever they look like.
    let r = s.zoneadm(Some("nosuch"), &["install", "-a", "/x.tar", "-V"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "zoneadm: nosuch: No such zone configured\n")
    );
}

#[test]
fn zoneadm_clone_move_detach_attach_check_the_zone_first() {
    require_root();
    let s = Scratch::new();
    let usage = run("zoneadm", &[], None);
    // clone, move, detach and attach act on a zone: the zone they name is checked before
    // anything else, as for every such subcommand.
    for (sub, words) in [
        ("clone", &["-m", "copy", "src"][..]),
        ("move", &["/new/path"]),
        ("detach", &["-n"]),
        ("attach", &["-F"]),
    ] {
        let line: Vec<&str> = std::iter::once(sub).chain(words.iter().copied()).collect();
        let r = s.zoneadm(Some("global"), &line);
        assert_eq!(
            (r.code, r.stderr),
            (
                1,
                format!(
                    "zoneadm: zone 'global': {sub} operation is invalid for the global zone.\n"
                )
            ),
            "{line:?}"
        );
        let r = s.zoneadm(Some("SUNWz"), &line);
        assert_eq!(r.code, 1, "{line:?}");
        let r = s.zoneadm(Some("z"), &line);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (1, "", "zoneadm: z: No such zone configured\n"),
            "{line:?}"
        );
        let r = s.zoneadm(None, &line);
        assert_eq!(
            (r.code, r.stderr),
            (2, format!("zoneadm: no zone specified\n{}", usage.stderr)),
            "{line:?}"
        );
    }
    // Their own misuses get their own usage.
    for (words, usage) in [
        (
            &["clone"][..],
            "usage:\tclone [-m method] [-s <ZFS snapshot>] [brand-specific args] zonename\n",
        ),
        (&["move", "--", "-x", "y"], "usage:\tmove zonepath\n"),
        (
            &["detach", "--bogus"],
            "usage:\tdetach [-n] [brand-specific args]\n",
        ),
        (
            &["attach", "-n"],
            "usage:\tattach [-F] [-n <path>] [brand-specific args]\n",
        ),
    ] {
        let r = s.zoneadm(Some("z"), words);
        assert_eq!(r.code, 2, "{words:?}");
        assert!(r.stderr.starts_with(usage), "{words:?}: {}", r.stderr);
    }
}

#[test]
fn zlogin_misuse() {
    for (args, msg) in [
        (&["-x", "z"][..], "illegal option -- x"),
        (&["--foo", "z"], "illegal option -- -"),
        (&["-?", "z"], "illegal option -- ?"),
        (&["-l"], "option requires an argument -- l"),
        (&["-Ce"], "option requires an argument -- e"),
        // The first problem in the order of the words is the one reported.
        (&["-x", "-R", "relative", "z"], "illegal option -- x"),
        (
            &["-e", "\\9", "-x", "z"],
            "Unrecognized escape character option \\9",
        ),
    ] {
        let r = run("zlogin", args, None);
        assert_eq!(
            (r.code, r.stderr),
            (2, format!("zlogin: {msg}\n{ZLOGIN_USAGE}")),
            "{args:?}"
        );
    }
    let r = run("zlogin", &["-R", "relative", "-x", "z"], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (2, "zlogin: root path must be absolute.\n")
    );
    // No zone: the usage alone.
    for args in [&[][..], &["-Q"], &["--"]] {
        let r = run("zlogin", args, None);
        assert_eq!((r.code, r.stderr.as_str()), (2, ZLOGIN_USAGE), "{args:?}");
    }
    let r = run("zlogin", &["--help"], None);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, ZLOGIN_USAGE, "")
    );
}

#[test]
fn zlogin_options_end_at_the_zone() {
    // Only root may look for a zone to enter.
    require_root();
    let s = Scratch::new();
    // What follows the zone is the command's, options and `--` included: zlogin goes on
    // to look for the zone.
    for args in [
        &["nosuch", "-x"][..],
        &["nosuch", "ls", "-C"],
        &["nosuch", "--", "-V"],
        &["-l", "-C", "nosuch", "id"],
    ] {
        let r = s.zlogin(args, None);
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (1, "zlogin: zone 'nosuch' unknown\n"),
            "{args:?}"
        );
    }
    // `--` before the zone ends zlogin's options: a zone name may then start with `-`.
    let r = s.zlogin(&["--", "-z", "id"], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (1, "zlogin: zone '-z' unknown\n")
    );
}
