//! `zoneadm list` and its options, the zone it is restricted to, and zoneadm's usage
//! errors (spec §2.1, §2.3).

use zones_tests::{require_root, run, unique_zone, Scratch};

/// A `list -v` row as zoneadm prints it.
fn row(id: &str, name: &str, state: &str, path: &str, brand: &str, ip: &str) -> String {
    format!("{id:>4} {name:<16} {state:<10} {path:<30} {brand:<8} {ip:<6}\n")
}

const HEADER: &str =
    "  ID NAME             STATUS     PATH                           BRAND    IP    \n";
const GLOBAL_ROW: &str =
    "   0 global           running    /                              linux    shared\n";

/// Two configured zones and one installed one.
fn populated() -> (Scratch, String, String, String) {
    let s = Scratch::new();
    let a = unique_zone("la");
    let b = unique_zone("lb");
    let c = unique_zone("lc");
    s.configure(&a, &[]);
    s.configure(&b, &["set ip-type=exclusive"]);
    s.configure(&c, &[]);
    s.zoneadm(Some(&c), &["install"]).ok();
    (s, a, b, c)
}

#[test]
fn list_filters_by_state() {
    require_root();
    let (s, a, b, c) = populated();
    // Default: running zones only (here just the global zone).
    assert_eq!(s.zoneadm(None, &["list"]).ok().stdout, "global\n");
    assert_eq!(
        s.zoneadm(None, &["list", "-c"]).ok().stdout,
        format!("global\n{a}\n{b}\n{c}\n")
    );
    assert_eq!(
        s.zoneadm(None, &["list", "-i"]).ok().stdout,
        format!("global\n{c}\n")
    );
    // -i and -c together: the lower state wins.
    assert_eq!(
        s.zoneadm(None, &["list", "-ic"]).ok().stdout,
        format!("global\n{a}\n{b}\n{c}\n")
    );
    assert_eq!(
        s.zoneadm(None, &["list", "-v"]).ok().stdout,
        format!("{HEADER}{GLOBAL_ROW}")
    );
    assert_eq!(
        s.zoneadm(None, &["list", "-cv"]).ok().stdout,
        format!(
            "{HEADER}{GLOBAL_ROW}{}{}{}",
            row(
                "-",
                &a,
                "configured",
                &format!("/zones/{a}"),
                "sparse",
                "shared"
            ),
            row(
                "-",
                &b,
                "configured",
                &format!("/zones/{b}"),
                "sparse",
                "excl"
            ),
            row(
                "-",
                &c,
                "installed",
                &format!("/zones/{c}"),
                "sparse",
                "shared"
            ),
        )
    );
}

#[test]
fn list_parsable() {
    require_root();
    let (s, a, b, c) = populated();
    assert_eq!(
        s.zoneadm(None, &["list", "-p"]).ok().stdout,
        "0:global:running:/::linux:shared\n"
    );
    let out = s.zoneadm(None, &["list", "-cp"]).ok().stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0], "0:global:running:/::linux:shared");
    assert_eq!(
        lines[1],
        format!("-:{a}:configured:/zones/{a}::sparse:shared")
    );
    assert_eq!(
        lines[2],
        format!("-:{b}:configured:/zones/{b}::sparse:excl")
    );
    // An installed zone has its uuid.
    let f: Vec<&str> = lines[3].split(':').collect();
    assert_eq!(f.len(), 7, "{}", lines[3]);
    assert_eq!(
        (f[0], f[1], f[2], f[3], f[5], f[6]),
        (
            "-",
            c.as_str(),
            "installed",
            format!("/zones/{c}").as_str(),
            "sparse",
            "shared"
        )
    );
    assert_eq!(f[4].len(), 36, "uuid {}", f[4]);
}

#[test]
fn list_one_zone() {
    require_root();
    let (s, a, _b, c) = populated();
    // A zone named with -z is listed whatever its state.
    assert_eq!(s.zoneadm(Some(&a), &["list"]).ok().stdout, format!("{a}\n"));
    assert_eq!(
        s.zoneadm(Some(&a), &["list", "-v"]).ok().stdout,
        format!(
            "{HEADER}{}",
            row(
                "-",
                &a,
                "configured",
                &format!("/zones/{a}"),
                "sparse",
                "shared"
            )
        )
    );
    assert_eq!(
        s.zoneadm(Some(&a), &["list", "-p"]).ok().stdout,
        format!("-:{a}:configured:/zones/{a}::sparse:shared\n")
    );
    assert_eq!(
        s.zoneadm(Some(&c), &["list", "-v"]).ok().stdout,
        format!(
            "{HEADER}{}",
            row(
                "-",
                &c,
                "installed",
                &format!("/zones/{c}"),
                "sparse",
                "shared"
            )
        )
    );
    assert_eq!(
        s.zoneadm(Some("global"), &["list", "-p"]).ok().stdout,
        "0:global:running:/::linux:shared\n"
    );
    // -c and -i make no sense for one zone.
    let r = s.zoneadm(Some(&a), &["list", "-c"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("usage:\tlist [-cipv]\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn list_errors() {
    require_root();
    let (s, a, _b, _c) = populated();
    let r = s.zoneadm(None, &["list", "-pv"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "zoneadm: list -p and -v are mutually exclusive.\n"
    );
    assert_eq!(r.stdout, "");
    let r = s.zoneadm(Some(&a), &["list", "-p", "-v"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        format!("zoneadm: zone '{a}': list -p and -v are mutually exclusive.\n")
    );
    let r = s.zoneadm(None, &["list", "-x"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("usage:\tlist [-cipv]\n"));
    let r = s.zoneadm(Some("nosuchzone"), &["list"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "zoneadm: nosuchzone: No such zone configured\n");
    let r = s.zoneadm(Some("nosuchzone"), &["verify"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "zoneadm: nosuchzone: No such zone configured\n");
}

#[test]
fn usage_errors_and_help() {
    require_root();
    let s = Scratch::new();
    // A subcommand that needs a zone, without one.
    for sub in ["boot", "verify", "install", "halt"] {
        let r = s.zoneadm(None, &[sub]);
        assert_eq!(r.code, 2, "{sub}");
        assert!(
            r.stderr.contains("usage:\tzoneadm help\n"),
            "{sub}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("\nSubcommands:\n\n"), "{sub}");
    }
    // No subcommand, an unknown one, an unknown option.
    for args in [&[][..], &["frobnicate"][..], &["-k", "list"][..]] {
        let r = s.zoneadm(None, args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.stderr.contains("usage:\tzoneadm help\n"),
            "{args:?}: {}",
            r.stderr
        );
    }
    let r = run("zoneadm", &["help"], None);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with(
        "usage:\tzoneadm help\n\tzoneadm [-z <zone>] [-u <uuid-match>] list\n\tzoneadm {-z <zone>|-u <uuid-match>} <subcommand>\n\nSubcommands:\n\nhelp\n\tPrint usage message.\n"
    ), "{}", r.stdout);
    assert!(r
        .stdout
        .contains("\nverify\n\tCheck to make sure the configuration can safely be instantiated\n"));
    assert_eq!(r.stderr, "");
    // A subcommand given extra arguments prints its own usage.
    let z = unique_zone("v");
    s.configure(&z, &[]);
    let r = s.zoneadm(Some(&z), &["verify", "extra"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "usage:\tverify\n\tCheck to make sure the configuration can safely be instantiated\n\ton the machine: physical network interfaces exist, etc.\n"
    );
}
