//! zonecfg from the command line: usage and exit statuses, one-shot commands, command files
//! (errors, atomicity, standard input), export and re-import, `info` layouts, rename,
//! delete, the global zone, and many zonecfg processes committing into one root at once.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use zones_tests::{require_root, run, unique_zone, Scratch};

/// The usage synopsis of spec §1.1.
const SYNOPSIS: &str = "usage:\tzonecfg help\n\tzonecfg -z <zone>\t\t\t(interactive)\n\tzonecfg -z <zone> <command>\n\tzonecfg -z <zone> -f <command-file>\n";

fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write command file");
    p
}

fn read(p: &Path) -> Option<Vec<u8>> {
    std::fs::read(p).ok()
}

#[test]
fn usage_and_exit_statuses() {
    require_root();
    let r = run("zonecfg", &[], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with(SYNOPSIS), "{}", r.stderr);
    assert!(r.stderr.contains("Commands:\n"));
    assert_eq!(r.stdout, "");

    let r = run("zonecfg", &["-q"], None);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!("zonecfg: illegal option -- q\n{SYNOPSIS}")
    );

    let r = run("zonecfg", &["-z"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("option requires an argument -- z"));

    let s = Scratch::new();
    let root = s.root_str();
    let r = run("zonecfg", &["-R", &root], None);
    assert_eq!((r.code, r.stderr.as_str()), (2, SYNOPSIS));

    let r = run("zonecfg", &["help"], None);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("Commands:\n\nadd <resource-type>\n"));
    let r = run("zonecfg", &["help", "usage"], None);
    assert_eq!((r.code, r.stdout.as_str()), (0, SYNOPSIS));
    let r = run("zonecfg", &["help", "nonsense"], None);
    assert_eq!(r.code, 0);
    assert!(r.stderr.starts_with("Unknown help subject nonsense.  "));

    let r = s.zonecfg("bad/name", &["info"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("bad/name: Bogus zone name\n\n<zone> := [A-Za-z0-9][A-Za-z0-9_.-]*\n"),
        "{}",
        r.stderr
    );
    let r = s.zonecfg("-leading", &["info"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("-leading: Bogus zone name\n"));

    let r = run("zonecfg", &["-R", "relative", "-z", "z"], None);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (2, "root path must be absolute: relative\n")
    );
    // Nothing was written by any of this.
    assert!(!s.root().join("etc").exists());
}

#[test]
fn one_shot_commands() {
    require_root();
    let s = Scratch::new();
    let a = unique_zone("one");
    let r = s
        .zonecfg(&a, &["create; set zonepath=/zones/one; commit"], None)
        .ok();
    assert_eq!(
        r.stdout,
        "create: Using system default template 'SYSdefault'\n"
    );
    // The `\;` form: separate words joined by single spaces.
    let b = unique_zone("one");
    s.zonecfg(
        &b,
        &[
            "create",
            "-b",
            ";",
            "set",
            "zonepath=/zones/two",
            ";",
            "commit",
        ],
        None,
    )
    .ok();
    assert_eq!(
        s.zonecfg(&b, &["info", "zonepath"], None).ok().stdout,
        "zonepath: /zones/two\n"
    );
    let mut zones = s.zones();
    zones.sort();
    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(zones, want);

    // After a bad command the next ones still run (and commit), but the status says so.
    let r = s.zonecfg(&a, &["set autoboot=true; frobnicate; commit"], None);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("syntax error at 'frobnicate'\n"),
        "{}",
        r.stderr
    );
    assert_eq!(
        s.zonecfg(&a, &["info", "autoboot"], None).ok().stdout,
        "autoboot: true\n"
    );

    // Uncommitted changes of a one-shot command are committed at the end.
    s.zonecfg(&a, &["set", "bootargs=-s"], None).ok();
    assert_eq!(
        s.zonecfg(&a, &["info", "bootargs"], None).ok().stdout,
        "bootargs: -s\n"
    );
    // A zone that does not exist.
    let r = s.zonecfg("nosuchzone", &["info"], None);
    assert_eq!(r.code, 1);
    assert_eq!(r.stderr, "nosuchzone: No such zone configured\n");
}

#[test]
fn command_file_error_saves_nothing() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("file");
    s.configure(&z, &["set bootargs=first"]);
    let index = s.root().join("etc/zones/index");
    let xml = s.zone_file(&z);
    let (index_before, xml_before) = (read(&index), read(&xml));
    assert!(xml_before.is_some());

    let dir = tempfile::tempdir().unwrap();
    let cmds = write_file(
        dir.path(),
        "cmds",
        "# change a few things\nset autoboot=true\n\nset bootargs=second\nset autoboot=maybe\nset bootargs=third\ncommit\n",
    );
    let path = cmds.to_string_lossy().into_owned();
    let r = s.zonecfg(&z, &["-f", &path], None);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        format!("On line 5 of {path}:\nautoboot value must be 'true' or 'false'.\n")
    );
    assert_eq!(r.stdout, "");
    assert_eq!(read(&index), index_before, "index changed");
    assert_eq!(read(&xml), xml_before, "zone file changed");

    // A syntax error names the file's line itself.
    let cmds = write_file(
        dir.path(),
        "syntax",
        "set autoboot=true\nset autoboot=true true\ncommit\n",
    );
    let r = s.zonecfg(&z, &["-f", &cmds.to_string_lossy()], None);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("syntax error on line 2 at 'true'\n"),
        "{}",
        r.stderr
    );
    assert_eq!(read(&xml), xml_before);

    // Files zonecfg cannot use.
    let missing = dir.path().join("missing").to_string_lossy().into_owned();
    let r = s.zonecfg(&z, &["-f", &missing], None);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        format!("could not open file {missing}: No such file or directory\n")
    );
    let d = dir.path().to_string_lossy().into_owned();
    let r = s.zonecfg(&z, &["-f", &d], None);
    assert_eq!(
        (r.code, r.stderr),
        (1, format!("{d} is not a regular file.\n"))
    );
}

#[test]
fn command_file_from_stdin() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("stdin");
    let r = s.zonecfg(
        &z,
        &["-f", "-"],
        Some("create\nset zonepath=/zones/stdin\nset autoboot=true\ncommit\n"),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "create: Using system default template 'SYSdefault'\n"
    );
    assert_eq!(
        s.zonecfg(&z, &["info", "autoboot"], None).ok().stdout,
        "autoboot: true\n"
    );
    // Errors read from `-` are reported as `On line N:`.
    let r = s.zonecfg(
        &z,
        &["-f", "-"],
        Some("set autoboot=false\nclear zonepath\n"),
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "On line 2:\nzonepath: Clearing this property is not allowed\n"
    );
    assert_eq!(
        s.zonecfg(&z, &["info", "autoboot"], None).ok().stdout,
        "autoboot: true\n"
    );
    // Piped into plain `zonecfg -z zone`: no prompts, commands after an error still run.
    let r = s.zonecfg(&z, &[], Some("bogus\nset autoboot=false\ncommit\n"));
    assert_eq!(r.code, 1);
    assert!(!r.stdout.contains("zonecfg:"), "{}", r.stdout);
    assert_eq!(
        s.zonecfg(&z, &["info", "autoboot"], None).ok().stdout,
        "autoboot: false\n"
    );
}

/// A configuration with every resource type but capped-cpu (which excludes dedicated-cpu
/// and cpu-shares), and a second one with capped-cpu.
const EVERYTHING: &str = r#"create -b
set zonepath=/zones/all
set brand=sparse
set autoboot=true
set bootargs="-m verbose"
set limitpriv=default,sys_time
set scheduling-class=FSS
set ip-type=shared
set hostid=0x1a2b3c4d
set fs-allowed=ext4,xfs
set max-lwps=5000
set max-processes=4000
set max-shm-memory=1G
set max-shm-ids=100
set max-msg-ids=101
set max-sem-ids=102
add fs
set dir=/usr/local
set special=/opt/local
set type=lofs
add options [ro,nodevices]
end
add fs
set dir=/data
set special=/dev/sdz1
set raw=/dev/sdz
set type=ext4
end
add inherit-pkg-dir
set dir=/opt/pkgs
end
add net
set address=192.168.0.1/24
set physical=eth0
set defrouter=192.168.0.254
end
add device
set match="/dev/cua/a00[2-5]"
end
add rctl
set name=zone.max-lofi
add value (priv=privileged,limit=10,action=deny)
add value (priv=privileged,limit=20,action=none)
end
add attr
set name=comment
set type=string
set value="hello world"
end
add attr
set name=count
set type=int
set value=42
end
add dataset
set name=tank/zone1
end
add dedicated-cpu
set ncpus=1-3
set importance=2
end
add capped-memory
set physical=50M
set swap=100M
set locked=20M
end
add admin
set user=root
set auths=login,manage
end
add security-flags
set lower=none
set default=aslr
set upper=all
end
commit
"#;

const CAPPED: &str = "create -b\nset zonepath=/zones/capped\nset cpu-shares=10\nadd capped-cpu\nset ncpus=1.5\nend\ncommit\n";

#[test]
fn export_reimports_identically() {
    require_root();
    let s = Scratch::new();
    let dir = tempfile::tempdir().unwrap();
    for script in [EVERYTHING, CAPPED] {
        let a = unique_zone("exp");
        let b = unique_zone("imp");
        s.zonecfg(&a, &["-f", "-"], Some(script)).ok();
        let first = s.zonecfg(&a, &["export"], None).ok().stdout;
        assert!(first.starts_with("create -b\n"), "{first}");
        let file = write_file(dir.path(), &format!("{a}.cfg"), &first);
        s.zonecfg(&b, &["-f", &file.to_string_lossy()], None).ok();
        let second = s.zonecfg(&b, &["export"], None).ok().stdout;
        assert_eq!(first, second);
        // `export -f` writes the same text to a file.
        let out = dir.path().join(format!("{b}.out"));
        s.zonecfg(&b, &["export", "-f", &out.to_string_lossy()], None)
            .ok();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), first);
        let info_a = s.zonecfg(&a, &["info"], None).ok().stdout;
        let info_b = s.zonecfg(&b, &["info"], None).ok().stdout;
        assert_eq!(
            info_a.replacen(&a, "Z", 1),
            info_b.replacen(&b, "Z", 1),
            "info differs after re-import"
        );
    }
}

/// The zonecfg(8) example configuration (§1.10), with capped-cpu; dedicated-cpu apart.
const MAN_EXAMPLE: &str = r#"create
set zonepath=/zones/man
set autoboot=true
add fs
set dir=/usr/local
set special=/opt/local
set type=lofs
add options [ro,nodevices]
end
add net
set address=192.168.0.1/24
set physical=eri0
end
add device
set match="/dev/cua/a00[2-5]"
end
add capped-cpu
set ncpus=3
end
add capped-memory
set physical=50M
set swap=100M
set locked=20M
end
add attr
set name=comment
set type=string
set value="hello world"
end
add dataset
set name=tank/zone1
end
add rctl
set name=zone.cpu-shares
add value (priv=privileged,limit=5,action=none)
end
commit
"#;

#[test]
fn info_formats() {
    require_root();
    let s = Scratch::new();
    let z = unique_zone("man");
    s.zonecfg(&z, &["-f", "-"], Some(MAN_EXAMPLE)).ok();
    let info = s.zonecfg(&z, &["info"], None).ok().stdout;
    let head = format!(
        "zonename: {z}\nzonepath: /zones/man\nbrand: sparse\nautoboot: true\nbootargs: \npool: \nlimitpriv: \nscheduling-class: \nip-type: shared\nhostid: \nfs-allowed: \n[cpu-shares: 5]\n"
    );
    assert!(info.starts_with(&head), "{info}");
    for block in [
        "fs:\n\tdir: /usr/local\n\tspecial: /opt/local\n\traw not specified\n\ttype: lofs\n\toptions: [ro,nodevices]\n",
        "net:\n\taddress: 192.168.0.1/24\n\tallowed-address not specified\n\tphysical: eri0\n\tdefrouter not specified\n",
        "device:\n\tmatch: /dev/cua/a00[2-5]\n",
        "capped-cpu:\n\t[ncpus: 3.00]\n",
        "capped-memory:\n\tphysical: 50M\n\t[swap: 100M]\n\t[locked: 20M]\n",
        "attr:\n\tname: comment\n\ttype: string\n\tvalue: \"hello world\"\n",
        "dataset:\n\tname: tank/zone1\n",
        "rctl:\n\tname: zone.cpu-shares\n\tvalue: (priv=privileged,limit=5,action=none)\n",
    ] {
        assert!(info.contains(block), "missing\n{block}in\n{info}");
    }
    // fs, net and device come first, in that order.
    let at = |b: &str| info.find(b).unwrap();
    assert!(at("fs:\n") < at("net:\n") && at("net:\n") < at("device:\n"));

    // One property, one resource type, a filter.
    let one = |args: &[&str]| s.zonecfg(&z, args, None);
    assert_eq!(
        one(&["info", "zonepath"]).ok().stdout,
        "zonepath: /zones/man\n"
    );
    assert_eq!(
        one(&["info", "cpu-shares"]).ok().stdout,
        "[cpu-shares: 5]\n"
    );
    assert_eq!(
        one(&["info", "device"]).ok().stdout,
        "device:\n\tmatch: /dev/cua/a00[2-5]\n"
    );
    assert_eq!(
        one(&["info", "net", "physical=eri0"]).ok().stdout,
        "net:\n\taddress: 192.168.0.1/24\n\tallowed-address not specified\n\tphysical: eri0\n\tdefrouter not specified\n"
    );
    assert_eq!(one(&["info", "inherit-pkg-dir"]).ok().stdout, "");

    let p = unique_zone("pset");
    s.zonecfg(
        &p,
        &["create; set zonepath=/zones/pset; add dedicated-cpu; set ncpus=1-3; set importance=2; end; commit"],
        None,
    )
    .ok();
    assert_eq!(
        s.zonecfg(&p, &["info", "dedicated-cpu"], None).ok().stdout,
        "dedicated-cpu:\n\tncpus: 1-3\n\timportance: 2\n"
    );
}

#[test]
fn rename_and_delete() {
    require_root();
    let s = Scratch::new();
    let old = unique_zone("ren");
    let new = unique_zone("ren");
    s.configure(&old, &["set autoboot=true"]);
    s.zonecfg(&old, &[&format!("set zonename={new}; commit")], None)
        .ok();
    assert_eq!(s.zones(), vec![new.clone()]);
    let dir = s.root().join("etc/zones");
    assert!(!dir.join(format!("{old}.xml")).exists());
    assert!(dir.join(format!("{new}.xml")).exists());
    assert_eq!(
        s.zonecfg(&new, &["info", "zonename"], None).ok().stdout,
        format!("zonename: {new}\n")
    );
    assert_eq!(
        s.zonecfg(&new, &["info", "autoboot"], None).ok().stdout,
        "autoboot: true\n"
    );
    // The index keeps the zonepath with the new name.
    let index = std::fs::read_to_string(dir.join("index")).unwrap();
    assert!(
        index.contains(&format!("{new}:configured:/zones/{old}:")),
        "{index}"
    );

    // delete without -F needs a terminal.
    let r = s.zonecfg(&new, &["delete"], None);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("-F not specified"), "{}", r.stderr);
    assert_eq!(s.zones(), vec![new.clone()]);
    s.zonecfg(&new, &["delete", "-F"], None).ok();
    assert!(s.zones().is_empty());
    assert!(!dir.join(format!("{new}.xml")).exists());
    let r = s.zonecfg(&new, &["info"], None);
    assert_eq!(r.code, 1);
}

#[test]
fn global_zone() {
    require_root();
    let s = Scratch::new();
    let r = s.zonecfg("global", &["info"], None).ok();
    assert!(r.stdout.starts_with("zonename: global\n"), "{}", r.stdout);
    assert!(!r.stdout.contains("zonepath"), "{}", r.stdout);
    let r = s.zonecfg("global", &["set zonepath=/x"], None);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("zonepath is not a valid property for the global zone."),
        "{}",
        r.stderr
    );
    let r = s.zonecfg("global", &["add fs"], None);
    assert_eq!(r.code, 1);
    assert!(r
        .stderr
        .contains("Cannot add a fs resource to the global zone."));
}

/// Index lines as (name, state, zonepath, uuid); panics on a malformed line.
fn index_entries(root: &Path) -> Vec<(String, String, String, String)> {
    let text = std::fs::read_to_string(root.join("etc/zones/index")).expect("index");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            assert!(f.len() == 3 || f.len() == 4, "bad index line {l:?}");
            (
                f[0].to_string(),
                f[1].to_string(),
                f[2].to_string(),
                f.get(3).unwrap_or(&"").to_string(),
            )
        })
        .collect()
}

#[test]
fn concurrent_commits_into_one_root() {
    require_root();
    let s = Scratch::new();
    let root = s.root_str();
    let shared = unique_zone("same");
    let distinct: Vec<String> = (0..16).map(|_| unique_zone("par")).collect();
    let mut jobs: Vec<(String, String)> = distinct
        .iter()
        .map(|z| {
            (
                z.clone(),
                format!("create; set zonepath=/zones/{z}; set autoboot=true; commit"),
            )
        })
        .collect();
    for i in 0..8 {
        jobs.push((
            shared.clone(),
            format!("create -F; set zonepath=/zones/{shared}; set bootargs=run{i}; commit"),
        ));
    }
    let results: Vec<zones_tests::Run> = std::thread::scope(|sc| {
        let handles: Vec<_> = jobs
            .iter()
            .map(|(zone, cmd)| {
                let root = root.clone();
                sc.spawn(move || run("zonecfg", &["-R", &root, "-z", zone, cmd], None))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (r, (zone, _)) in results.iter().zip(&jobs) {
        assert_eq!(r.code, 0, "{zone}: {}", r.stderr);
    }

    let entries = index_entries(s.root());
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(
        names.len(),
        unique.len(),
        "duplicate index entries: {names:?}"
    );
    let mut want: BTreeSet<&str> = distinct.iter().map(String::as_str).collect();
    want.insert(&shared);
    want.insert("global");
    assert_eq!(unique, want);
    for (name, state, path, _) in &entries {
        if name != "global" {
            assert_eq!(state, "configured");
            assert_eq!(path, &format!("/zones/{name}"));
        }
    }
    for z in &distinct {
        let e = s.zonecfg(z, &["export"], None).ok().stdout;
        assert!(e.contains(&format!("set zonepath=/zones/{z}\n")), "{e}");
        assert!(e.contains("set autoboot=true\n"), "{e}");
    }
    let e = s.zonecfg(&shared, &["export"], None).ok().stdout;
    assert!(
        (0..8).any(|i| e.contains(&format!("set bootargs=run{i}\n"))),
        "{e}"
    );
    // No temporary files are left next to the index and the zone files.
    let leftovers: Vec<String> = std::fs::read_dir(s.root().join("etc/zones"))
        .unwrap()
        .flatten()
        .map(|d| d.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "index" && !n.ends_with(".xml"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
