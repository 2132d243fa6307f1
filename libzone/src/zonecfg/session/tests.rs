//! Session tests: every subcommand's success paths and documented errors, with Solaris'
//! texts, exit statuses and `-f` line headers.

use super::testutil::*;
use super::*;
use crate::config::model::*;
use crate::zonecfg::command::Target;
use crate::zonecfg::export::export;
use crate::zonecfg::export::tests_support::rv;

fn zone(name: &str) -> ZoneConfig {
    ZoneConfig {
        name: name.into(),
        zonepath: format!("/zones/{name}"),
        ..Default::default()
    }
}

fn repo_with(name: &str, state: ZoneState) -> MemRepo {
    MemRepo::new().with_zone(zone(name), state)
}

fn args(repo: &MemRepo, z: &str, input: &str) -> Run {
    run(repo, z, Mode::Args, input)
}

fn tty(repo: &MemRepo, z: &str, input: &str, answers: &[bool]) -> Run {
    let ui = RecUi {
        answers: answers.iter().copied().collect(),
        ..Default::default()
    };
    run_with(repo, z, Options::new(Mode::Interactive), ui, input)
}

fn file(repo: &MemRepo, z: &str, name: &str, input: &str) -> Run {
    run(repo, z, Mode::File(name.into()), input)
}

// ----- the seed session, prompts, greeting -----

#[test]
fn seed_session() {
    let repo = MemRepo::new();
    let r = tty(
        &repo,
        "webzone",
        "create\nset zonepath=/zones/webzone\nset autoboot=true\ncommit\nexit\n",
        &[],
    );
    assert_eq!(r.ui.err, "webzone: No such zone configured\n");
    assert_eq!(
        r.ui.out,
        "Use 'create' to begin configuring a new zone.\ncreate: Using system default template 'SYSdefault'\n"
    );
    assert_eq!(r.code, 0);
    assert_eq!(r.prompt, "zonecfg:webzone> ");
    let cfg = repo.get("webzone").unwrap();
    assert_eq!(cfg.zonepath, "/zones/webzone");
    assert!(cfg.autoboot);
    assert_eq!(*repo.commits.borrow(), vec![(None, "webzone".to_string())]);
}

#[test]
fn prompts() {
    let repo = repo_with("web", ZoneState::Configured);
    let mut ui = RecUi::default();
    let mut s = Session::open(&repo, "web", Options::new(Mode::Interactive), &mut ui).unwrap();
    assert_eq!(s.prompt(), "zonecfg:web> ");
    s.execute(&cmd("add fs"), &mut ui);
    assert_eq!(s.prompt(), "zonecfg:web:fs> ");
    assert_eq!(s.resource_scope(), Some(ResourceType::Fs));
    s.execute(&cmd("cancel"), &mut ui);
    s.execute(&cmd("set zonename=web2"), &mut ui);
    assert_eq!(s.prompt(), "zonecfg:web2> ");
    let mut o = Options::new(Mode::Interactive);
    o.program = "zcfg".into();
    let s = Session::open(&repo, "web", o, &mut ui).unwrap();
    assert_eq!(s.prompt(), "zcfg:web> ");
    assert_eq!(ui.err, "");
}

#[test]
fn open_checks_the_name() {
    let repo = MemRepo::new();
    let mut ui = RecUi::default();
    let e = Session::open(&repo, "-bad", Options::new(Mode::Args), &mut ui).err();
    assert_eq!(e.unwrap().to_string(), "-bad: Bogus zone name");
    assert!(Session::open(&repo, "global", Options::new(Mode::Args), &mut ui).is_ok());
}

#[test]
fn unconfigured_zone_outside_interactive_mode() {
    let repo = MemRepo::new();
    let r = args(&repo, "z", "info");
    assert_eq!(r.ui.err, "z: No such zone configured\n");
    assert_eq!(r.ui.out, "");
    assert_eq!(r.code, 1);
    let r = tty(&repo, "z", "info\n", &[]);
    assert_eq!(
        r.ui.all,
        "!z: No such zone configured\nUse 'create' to begin configuring a new zone.\n!z: No such zone configured\nUse 'create' to begin configuring a new zone.\n"
    );
    assert_eq!(r.code, 1);
}

#[test]
fn read_only_zones() {
    let mut repo = MemRepo::new();
    repo.templates.insert(
        "SUNWtest".into(),
        ZoneConfig {
            name: "SUNWtest".into(),
            ..Default::default()
        },
    );
    let r = args(&repo, "SUNWtest", "set autoboot=true");
    assert_eq!(
        r.ui.err,
        "SUNWtest: zones beginning with SUNW are read-only.\n"
    );
    assert_eq!(r.code, 1);
    let r = args(&repo, "SUNWtest", "info zonename");
    assert_eq!(r.ui.out, "zonename: SUNWtest\n");
    assert_eq!(r.code, 0);

    let repo = repo_with("z", ZoneState::Configured);
    let mut o = Options::new(Mode::File("cmds".into()));
    o.read_only = true;
    let r = run_with(&repo, "z", o, RecUi::default(), "set autoboot=true\n");
    assert_eq!(
        r.ui.err,
        "WARNING: you do not have write access to this zone's configuration file;\ngoing into read-only mode.\nOn line 1 of cmds:\nz: cannot set in read-only mode.\n"
    );
    let mut o = Options::new(Mode::Args);
    o.read_only = true;
    let r = run_with(&repo, "z", o, RecUi::default(), "verify");
    assert_eq!(r.ui.err, "z: cannot verify in read-only mode.\n");
}

// ----- create -----

#[test]
fn create_variants() {
    let mut repo = MemRepo::new();
    repo.templates.insert(
        "SYSblank".into(),
        ZoneConfig {
            brand: "whole".into(),
            ..Default::default()
        },
    );
    repo.detached.insert(
        "/old/z".into(),
        ZoneConfig {
            name: "old".into(),
            autoboot: true,
            ..Default::default()
        },
    );
    let repo = repo.with_zone(
        ZoneConfig {
            name: "tmpl".into(),
            zonepath: "/zones/tmpl".into(),
            bootargs: "-v".into(),
            ..Default::default()
        },
        ZoneState::Configured,
    );

    let r = args(&repo, "a", "create");
    assert_eq!(
        r.ui.out,
        "create: Using system default template 'SYSdefault'\n"
    );
    // (The runs below commit nothing: without a zonepath their configurations do not
    // verify, except where a template provides one.)
    let d = r.draft.unwrap();
    assert_eq!((d.name.as_str(), d.brand.as_str()), ("a", "sparse"));

    let r = args(&repo, "a", "create -b; info brand");
    assert_eq!(r.ui.out, "brand: whole\n");
    assert_eq!(r.draft.unwrap().brand, "whole");

    let r = args(&repo, "a2", "create -t tmpl");
    let d = r.draft.unwrap();
    assert_eq!((d.name.as_str(), d.bootargs.as_str()), ("a2", "-v"));
    assert_eq!(d.zonepath, "/zones/tmpl");

    let r = args(&repo, "a", "create -t missing");
    assert_eq!(r.ui.err, "missing: No such zone configured\n");
    assert_eq!(r.code, 1);

    let r = args(&repo, "a3", "create -a /old/z");
    let d = r.draft.unwrap();
    assert_eq!((d.name.as_str(), d.zonepath.as_str()), ("a3", "/old/z"));
    assert!(d.autoboot);

    let r = args(&repo, "a4", "create -a /nope");
    assert_eq!(r.ui.err, "invalid path to detached zone\n");
    assert_eq!(r.code, 1);

    for bad in [
        "create -b -t tmpl",
        "create -x",
        "create bogus",
        "create -t",
    ] {
        let r = args(&repo, "a", bad);
        assert_eq!(
            r.ui.err, "usage:\ncreate [-F] [ -a <path> | -b | -t <template> ]\n",
            "{bad}"
        );
        assert_eq!(r.code, 1);
    }
    let r = args(&repo, "a", "create -?");
    assert!(r
        .ui
        .out
        .starts_with("usage:\ncreate [-F] [ -a <path> | -b | -t <template> ]\n\tCreates a configuration for the specified zone."));
}

#[test]
fn create_over_an_existing_zone() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(&repo, "z", "create -F");
    assert_eq!(
        r.ui.out,
        "Zone z already exists; overwriting.\ncreate: Using system default template 'SYSdefault'\n"
    );
    assert_eq!(r.draft.unwrap().zonepath, "");
    // Without -F and without a terminal zonecfg gives up.
    let r = args(&repo, "z", "create; set autoboot=true");
    assert_eq!(
        r.ui.err,
        "Zone exists, input not from terminal and -F not specified:\ncreate command ignored, exiting.\n"
    );
    assert_eq!(r.code, 1);
    assert!(!repo.get("z").unwrap().autoboot);
    // Interactively it asks.
    let r = tty(&repo, "z", "create\nexit -F\n", &[false]);
    assert_eq!(
        r.ui.prompts,
        vec!["Zone z already exists; create anyway (y/[n])? "]
    );
    assert_eq!(r.draft.unwrap().zonepath, "/zones/z");
    let r = tty(&repo, "z", "create\nexit -F\n", &[true]);
    assert_eq!(r.draft.unwrap().zonepath, "");
    // An installed zone cannot be re-created.
    let repo = repo_with("z", ZoneState::Installed);
    let r = args(&repo, "z", "create -F");
    assert_eq!(r.ui.err, "Zone z already installed; create not allowed.\n");
    assert_eq!(r.code, 1);
}

// ----- set and clear of global properties -----

#[test]
fn zonepath() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(&repo, "z", "set zonepath=/a/b");
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    assert_eq!(repo.get("z").unwrap().zonepath, "/a/b");
    // A zonepath that is not canonical is refused (under -R, `..` would leave the root).
    for (bad, msg) in [
        (
            "/zones/../../x",
            "/zones/../../x is not a canonical path; use /x.",
        ),
        ("//a//b/", "//a//b/ is not a canonical path; use /a/b."),
        ("/a/./b", "/a/./b is not a canonical path; use /a/b."),
        ("/a/b/", "/a/b/ is not a canonical path; use /a/b."),
    ] {
        let r = args(&repo, "z", &format!("set zonepath={bad}"));
        assert_eq!(
            (r.code, r.ui.err.as_str()),
            (1, format!("{msg}\n").as_str())
        );
        assert_eq!(repo.get("z").unwrap().zonepath, "/a/b");
    }
    let r = args(&repo, "z", "set zonepath=zones/x");
    assert_eq!(r.ui.err, "zones/x is not an absolute path.\n");
    let r = args(&repo, "z", "set zonepath=/");
    assert_eq!(r.ui.err, "/ is not allowed as a zonepath.\n");
    assert_eq!(r.code, 1);
    let r = args(&repo, "z", "clear zonepath");
    assert_eq!(
        r.ui.err,
        "zonepath: Clearing this property is not allowed\n"
    );
    let r = args(&repo, "z", "set -F zonepath=/x");
    assert_eq!(
        r.ui.err,
        "Zonepath is changeable only in an alternate root.\n"
    );
    let r = args(&repo, "z", "add fs; set -F zonepath=/x; cancel");
    assert_eq!(r.ui.err, "Only zonepath setting can be forced.\n");

    let repo = repo_with("z", ZoneState::Installed);
    let r = args(&repo, "z", "set zonepath=/x");
    assert_eq!(
        r.ui.err,
        "Zone z already installed; set zonepath not allowed.\n"
    );
    let mut o = Options::new(Mode::Args);
    o.alt_root = true;
    let r = run_with(&repo, "z", o, RecUi::default(), "set -F zonepath=/moved");
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    assert_eq!(repo.get("z").unwrap().zonepath, "/moved");
}

#[test]
fn global_property_checks() {
    let repo = repo_with("z", ZoneState::Configured);
    let cases = [
        ("set autoboot=yes", "autoboot value must be 'true' or 'false'.\n"),
        ("set ip-type=both", "ip-type value must be 'shared' or 'exclusive'.\n"),
        ("set brand=ipkg", "ipkg: unknown brand.\n"),
        ("set pool=SUNWtmp", "pool names starting with SUNW are reserved.\n"),
        ("set hostid=0x123456789", "hostid string is too large: 0x123456789\n"),
        ("set hostid=xyz", "hostid: Specified property is invalid\n"),
        ("set fs-allowed=ufs,,x", "z: Specified property is invalid\n"),
        ("set dir=/x", "Cannot set a resource-specific property from the global scope.\n"),
        ("set autoboot=[true]", "A simple value was expected here.\n"),
        ("clear dir", "dir: No such property type\nusage:\nclear <property-name>\n\tClears property values.\n"),
    ];
    for (input, expected) in cases {
        let r = args(&repo, "z", input);
        assert!(r.ui.err.starts_with(expected), "{input}: {:?}", r.ui.err);
        assert_eq!(r.code, 1, "{input}");
    }
    let r = args(
        &repo,
        "z",
        "set brand=whole; set autoboot=true; set bootargs=\"-m verbose\"; set pool=web; set limitpriv=default,sys_time; set scheduling-class=FSS; set ip-type=exclusive; set hostid=0x1234abcd; set fs-allowed=ufs,pcfs",
    );
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    let c = repo.get("z").unwrap();
    assert_eq!(c.brand, "whole");
    assert_eq!(c.bootargs, "-m verbose");
    assert_eq!(c.ip_type, IpType::Exclusive);
    assert_eq!(c.hostid, "0x1234abcd");
    let r = args(
        &repo,
        "z",
        "clear autoboot; clear pool; clear limitpriv; clear bootargs; clear scheduling-class; clear ip-type; clear hostid; clear fs-allowed; info",
    );
    assert_eq!(
        r.ui.out,
        "zonename: z\nzonepath: /zones/z\nbrand: whole\nautoboot: false\nbootargs: \npool: \nlimitpriv: \nscheduling-class: \nip-type: shared\nhostid: \nfs-allowed: \n"
    );
    let repo = repo_with("z", ZoneState::Installed);
    let r = args(&repo, "z", "set brand=whole");
    assert_eq!(
        r.ui.err,
        "Zone z already installed; set brand not allowed.\n"
    );
}

#[test]
fn aliases() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(
        &repo,
        "z",
        "set cpu-shares=5; set max-lwps=1000; set max-shm-memory=1G; set max-processes=200; info cpu-shares; info max-shm-memory",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(r.ui.out, "[cpu-shares: 5]\n[max-shm-memory: 1G]\n");
    let c = repo.get("z").unwrap();
    assert_eq!(
        c.rctl("zone.cpu-shares").unwrap().values,
        vec![rv("privileged", "5", "none")]
    );
    assert_eq!(
        c.rctl("zone.max-shm-memory").unwrap().values,
        vec![rv("privileged", "1073741824", "deny")]
    );
    let r = args(&repo, "z", "info");
    assert!(r.ui.out.contains(
        "[max-lwps: 1000]\n[max-processes: 200]\n[max-shm-memory: 1G]\n[cpu-shares: 5]\n"
    ));
    assert!(r.ui.out.contains(
        "rctl:\n\tname: zone.cpu-shares\n\tvalue: (priv=privileged,limit=5,action=none)\n"
    ));

    let cases = [
        ("set max-lwps=99", "max-lwps property is out of range.\n"),
        ("set max-processes=-1", "max-processes property is out of range.\n"),
        ("set cpu-shares=x", "cpu-shares property is out of range.\n"),
        ("set max-shm-memory=1Q", "A non-negative number with a required scale suffix (K, M, G or T) was expected\nhere.\n"),
        ("clear max-msg-ids", "clear max-msg-ids: No such entry\n"),
    ];
    for (input, expected) in cases {
        let r = args(&repo, "z", input);
        assert_eq!(r.ui.err, expected, "{input}");
        assert_eq!(r.code, 1);
    }
    let r = args(&repo, "z", "clear cpu-shares; info cpu-shares");
    assert_eq!((r.code, r.ui.out.as_str()), (0, ""));
    assert!(repo.get("z").unwrap().rctl("zone.cpu-shares").is_none());

    // An rctl with two values cannot be handled through the alias.
    let r = args(
        &repo,
        "z",
        "add rctl; set name=zone.cpu-shares; add value (priv=privileged,limit=5,action=none); add value (priv=privileged,limit=6,action=none); end",
    );
    assert_eq!(r.ui.err, "");
    let r = args(&repo, "z", "set cpu-shares=7");
    assert_eq!(
        r.ui.err,
        "cpu-shares: An incompatible rctl already exists for this property\n"
    );
    let r = args(&repo, "z", "clear cpu-shares");
    assert_eq!(
        r.ui.err,
        "clear cpu-shares: An incompatible rctl already exists for this property\n"
    );
    let r = args(&repo, "z", "info cpu-shares");
    assert_eq!((r.code, r.ui.out.as_str()), (0, ""));
}

// ----- resources -----

#[test]
fn fs_resources() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(
        &repo,
        "z",
        "add fs; set dir=/usr/local; set special=/opt/local; set type=lofs; add options [ro,nodevices]; add options \"retry=5\"; end; info fs",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(
        r.ui.out,
        "fs:\n\tdir: /usr/local\n\tspecial: /opt/local\n\traw not specified\n\ttype: lofs\n\toptions: [ro,nodevices,\"retry=5\"]\n"
    );
    let r = args(&repo, "z", "add fs; set dir=usr; set raw=dev; end");
    assert_eq!(
        r.ui.err,
        "dir usr is not an absolute path.\nspecial not specified\nraw dev is not an absolute path.\ntype not specified\nResource incomplete.\n"
    );
    assert_eq!(r.code, 1);
    let r = args(&repo, "z", "add fs; end");
    assert_eq!(
        r.ui.err,
        "dir not specified\nspecial not specified\ntype not specified\nResource incomplete.\n"
    );
    let r = args(
        &repo,
        "z",
        "add fs; set dir=/usr/local; set special=/x; set type=lofs; end",
    );
    assert_eq!(
        r.ui.err,
        "A fs resource with the dir '/usr/local' already exists.\nResource incomplete.\n"
    );
    let r = args(&repo, "z", "add fs; set type=a/b");
    assert!(r.ui.err.starts_with("\"a/b\" is not a valid type.\n"));
    let r = args(&repo, "z", "add fs; set name=x");
    assert_eq!(r.ui.err.lines().next(), Some("name: No such property type"));
    // Options inside a selected resource.
    let r = args(
        &repo,
        "z",
        "select fs dir=/usr/local; remove options ro; remove options bogus; end",
    );
    assert_eq!(r.ui.err, "options: No such property with that id\n");
    let r = args(
        &repo,
        "z",
        "select fs dir=/usr/local; set options=[]; clear raw; end; info fs dir=/usr/local",
    );
    assert!(r.ui.out.contains("\toptions: []\n"), "{}", r.ui.out);
    let r = args(&repo, "z", "select fs dir=/usr/local; clear dir");
    assert!(r
        .ui
        .err
        .starts_with("dir: Clearing this property is not allowed\n"));
}

#[test]
fn net_resources() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(&repo, "z", "add net; set address=-bad");
    assert!(r.ui.err.starts_with(
        "-bad: bogus host name or network address syntax\n\n<net-addr> :=\t<IPv4-address>[/<IPv4-prefix-length>] |\n"
    ));
    let r = args(&repo, "z", "add net; set address=fe80::1");
    assert!(r
        .ui
        .err
        .starts_with("fe80::1: IPv6 addresses require /prefix-length suffix.\n"));
    let r = args(&repo, "z", "add net; set address=10.0.0.1/24; end");
    assert!(r.ui.err.starts_with("physical not specified\n"));
    let r = args(
        &repo,
        "z",
        "add net; set address=10.0.0.1/24; set physical=eth0; set defrouter=10.0.0.254; end",
    );
    assert_eq!(r.ui.err, "");
    let r = args(
        &repo,
        "z",
        "add net; set address=10.0.0.1; set physical=eth0; end",
    );
    assert_eq!(
        r.ui.err,
        "A net resource with the physical 'eth0', and address '10.0.0.1' already exists.\nResource incomplete.\n"
    );
    let r = args(&repo, "z", "add net; set physical=eth0:1");
    assert!(r
        .ui
        .err
        .starts_with("eth0:1: LUNs not allowed in physical interface names\n"));
    let r = args(&repo, "z", "add net; set defrouter=10.0.0.1/24; cancel");
    assert_eq!(r.ui.err, "Warning: prefix length in 10.0.0.1/24 is not required and will be ignored. The default host-prefix length will be used\n");
    assert_eq!(r.code, 0);
    let r = args(
        &repo,
        "z",
        "select net physical=eth0; remove defrouter x; end; info net",
    );
    assert!(r.ui.out.contains("\tdefrouter not specified\n"));
    let r = args(
        &repo,
        "z",
        "select net address=10.0.0.1 allowed-address=1.2.3.4",
    );
    assert_eq!(r.ui.err, "select net: Invalid argument\n");

    let repo = repo_with("x", ZoneState::Configured);
    let r = args(
        &repo,
        "x",
        "set ip-type=exclusive; add net; set physical=eth0:1",
    );
    assert!(r.ui.err.starts_with(
        "eth0:1: physical interface name required; logical interface name not allowed\n"
    ));
}

#[test]
fn other_resources() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(
        &repo,
        "z",
        "add device; set match=/dev/null; end; add dataset; set name=tank/z; end; add attr; set name=comment; set type=string; set value=\"hello world\"; end; info",
    );
    assert_eq!(r.ui.err, "");
    assert!(r.ui.out.contains("device:\n\tmatch: /dev/null\nattr:\n\tname: comment\n\ttype: string\n\tvalue: \"hello world\"\ndataset:\n\tname: tank/z\n"));
    let cases = [
        ("add device; end", "match not specified\n"),
        ("add device; set match=/dev/null; end", "A device resource with the match '/dev/null' already exists.\n"),
        ("add dataset; end", "name not specified\n"),
        ("add dataset; set name=tank/z; end", "A dataset resource with the name 'tank/z' already exists.\n"),
        ("add attr; set name=comment; set type=string; set value=x; end", "An attr resource with the name 'comment' already exists.\n"),
        ("add attr; set name=-x; set type=int; set value=a; end", "Invalid attr name -x: must start with an alpha-numeric character.\ninvalid attr value for type=int\n"),
        ("add attr; set name=a_b; set type=float; set value=1; end", "Invalid attr name a_b: can only contain alpha-numeric characters, plus '-' and '.'.\ninvalid attr type 'float'\n"),
        ("add attr; end", "name not specified\ntype not specified\nvalue not specified\nInvalid attr name : must start with an alpha-numeric character.\ninvalid attr type ''\n"),
        ("add device; add options ro", "device: No such resource type\nusage:\nadd <resource-type>\n"),
    ];
    for (input, expected) in cases {
        let r = args(&repo, "z", input);
        assert!(r.ui.err.starts_with(expected), "{input}: {:?}", r.ui.err);
        assert_eq!(r.code, 1);
    }
}

#[test]
fn rctl_resources() {
    let repo = repo_with("z", ZoneState::Configured);
    let cases = [
        (
            "add rctl; set name=bogus",
            "'bogus' is not a valid zone rctl name.\n",
        ),
        (
            "add rctl; add value (limit=5)",
            "priv not specified\naction not specified\n",
        ),
        (
            "add rctl; add value (priv=privileged,priv=basic,limit=1,action=none)",
            "priv already specified\n",
        ),
        (
            "add rctl; add value (priv=basic,limit=1,action=none)",
            "Invalid rctl value specification\n",
        ),
        (
            "add rctl; add value (priv=privileged,limit=1,action=signal)",
            "Invalid rctl value specification\n",
        ),
        (
            "add rctl; add value x",
            "A complex or list value was expected here.\n",
        ),
        ("add rctl; end", "name not specified\nno value specified\n"),
        (
            "add rctl; add value (priv=privileged,name=x,action=none)",
            "value: No such property type\nusage:\nadd <resource-type>",
        ),
    ];
    for (input, expected) in cases {
        let r = args(&repo, "z", input);
        assert!(r.ui.err.starts_with(expected), "{input}: {:?}", r.ui.err);
        assert_eq!(r.code, 1, "{input}");
    }
    let r = args(
        &repo,
        "z",
        "add rctl; set name=zone.max-lwps; add value [(priv=privileged,limit=500,action=deny),(priv=privileged,limit=600,action=none)]; end; info rctl name=zone.max-lwps",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(
        r.ui.out,
        "rctl:\n\tname: zone.max-lwps\n\tvalue: (priv=privileged,limit=500,action=deny)\n\tvalue: (priv=privileged,limit=600,action=none)\n"
    );
    let r = args(
        &repo,
        "z",
        "add rctl; set name=zone.max-lwps; add value (priv=privileged,limit=1,action=deny); end",
    );
    assert_eq!(
        r.ui.err,
        "A rctl resource with the name 'zone.max-lwps' already exists.\nResource incomplete.\n"
    );
    let r = args(
        &repo,
        "z",
        "select rctl name=zone.max-lwps; remove value (priv=privileged,limit=600,action=none); remove value (priv=privileged,limit=7,action=none); end",
    );
    assert_eq!(r.ui.err, "value: No such property with that id\n");
    assert_eq!(repo.get("z").unwrap().rctls[0].values.len(), 1);
    let r = args(
        &repo,
        "z",
        "select rctl name=zone.max-lwps; set value=(priv=privileged,limit=99,action=deny); end",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(
        repo.get("z").unwrap().rctls[0].values,
        vec![rv("privileged", "99", "deny")]
    );
    let r = args(&repo, "z", "select rctl");
    assert!(r
        .ui
        .err
        .starts_with("usage:\nselect <resource-type> { <property-name>=<property-value> }\n"));
    let r = args(&repo, "z", "remove rctl name=zone.nope");
    assert_eq!(r.ui.err, "remove rctl: No such resource with that id\n");
    let r = args(&repo, "z", "remove rctl name=zone.max-lwps");
    assert_eq!(r.code, 0);
    assert!(repo.get("z").unwrap().rctls.is_empty());
}

#[test]
fn capped_cpu() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(
        &repo,
        "z",
        "add capped-cpu; set ncpus=1.5; end; info capped-cpu",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(r.ui.out, "capped-cpu:\n\t[ncpus: 1.50]\n");
    assert_eq!(
        repo.get("z").unwrap().rctl("zone.cpu-cap").unwrap().values,
        vec![rv("privileged", "150", "deny")]
    );
    let cases = [
        (
            "add capped-cpu",
            "The capped-cpu resource already exists.\n",
        ),
        (
            "add dedicated-cpu",
            "The capped-cpu resource already exists.\n",
        ),
        (
            "select capped-cpu; set ncpus=0",
            "ncpus property is out of range.\n",
        ),
        (
            "select capped-cpu; set ncpus=abc",
            "ncpus property is out of range.\n",
        ),
        (
            "select capped-cpu; set importance=1",
            "importance: No such property type\n",
        ),
    ];
    for (input, expected) in cases {
        let r = args(&repo, "z", input);
        assert!(r.ui.err.starts_with(expected), "{input}: {:?}", r.ui.err);
    }
    let r = args(&repo, "z", "select capped-cpu; set ncpus=3; end; export");
    assert!(r.ui.out.contains(
        "add rctl\nset name=zone.cpu-cap\nadd value (priv=privileged,limit=300,action=deny)\nend\n"
    ));
    assert!(!r.ui.out.contains("capped-cpu"));
    let r = args(&repo, "z", "remove capped-cpu; remove capped-cpu");
    assert_eq!(r.ui.err, "remove capped-cpu: No such resource type\n");
    assert!(repo.get("z").unwrap().rctl("zone.cpu-cap").is_none());
    let r = args(&repo, "z", "add capped-cpu; end");
    assert_eq!(r.ui.err, "ncpus not specified\nResource incomplete.\n");
    let r = args(&repo, "z", "select capped-cpu");
    assert_eq!(r.ui.err, "select capped-cpu: No such entry\n");
}

#[test]
fn capped_memory() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(
        &repo,
        "z",
        "add capped-memory; set physical=50m; set swap=100M; set locked=20m; end; info capped-memory",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(
        r.ui.out,
        "capped-memory:\n\tphysical: 50M\n\t[swap: 100M]\n\t[locked: 20M]\n"
    );
    let c = repo.get("z").unwrap();
    assert_eq!(c.mcap.as_ref().unwrap().physcap, "52428800");
    assert_eq!(
        c.rctl("zone.max-swap").unwrap().values,
        vec![rv("privileged", "104857600", "deny")]
    );
    let cases = [
        ("add capped-memory", "The capped-memory resource or a related resource control already exists.\n"),
        ("select capped-memory; set swap=10M", "swap value is too small.  It must be at least 50M.\n"),
        ("select capped-memory; set physical=1K", "physical value is too small.  It must be at least 1M.\n"),
        ("select capped-memory; set physical=x", "A positive number with a required scale suffix (K, M, G or T) was expected here.\n"),
        ("select capped-memory; set locked=x", "A non-negative number with a required scale suffix (K, M, G or T) was expected\nhere.\n"),
        ("select capped-memory; set locked=60m; end", "The locked cap must be less than or equal to the physical cap.\n"),
    ];
    for (input, expected) in cases {
        let r = args(&repo, "z", input);
        assert!(r.ui.err.starts_with(expected), "{input}: {:?}", r.ui.err);
    }
    // swap and locked are written at once, physical only at end.
    let r = args(
        &repo,
        "z",
        "select capped-memory; set physical=2G; set swap=1G; cancel; info capped-memory",
    );
    assert_eq!(
        r.ui.out,
        "capped-memory:\n\tphysical: 50M\n\t[swap: 1G]\n\t[locked: 20M]\n"
    );
    let r = args(
        &repo,
        "z",
        "select capped-memory; clear physical; clear locked; end; info capped-memory",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(r.ui.out, "capped-memory:\n\t[swap: 1G]\n");
    assert!(repo.get("z").unwrap().mcap.is_none());
    let r = args(&repo, "z", "remove capped-memory; remove capped-memory");
    assert_eq!(r.ui.err, "remove capped-memory: No such resource type\n");
    let r = args(&repo, "z", "add capped-memory; end");
    assert_eq!(
        r.ui.err,
        "No property was specified.  One of physical, swap or locked is required.\nResource incomplete.\n"
    );
}

#[test]
fn dedicated_cpu_and_pool() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(&repo, "z", "set pool=web; add dedicated-cpu");
    assert_eq!(
        r.ui.err,
        "The pool property is already set.  A persistent pool is incompatible with\nthe dedicated-cpu resource.\n"
    );
    let r = args(
        &repo,
        "z",
        "clear pool; add dedicated-cpu; set ncpus=1-3; set importance=2; end; info dedicated-cpu",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(r.ui.out, "dedicated-cpu:\n\tncpus: 1-3\n\timportance: 2\n");
    let cases = [
        ("set pool=web", "The dedicated-cpu resource already exists.  A persistent pool is incompatible\nwith the dedicated-cpu resource.\n"),
        ("add dedicated-cpu", "The dedicated-cpu resource already exists.\n"),
        ("add capped-cpu", "The dedicated-cpu resource already exists.\n"),
        ("select dedicated-cpu; set ncpus=0", "ncpus property is out of range.\n"),
        ("select dedicated-cpu; set ncpus=3-1", "ncpus property is out of range.\n"),
        ("select dedicated-cpu; set importance=-1", "importance property is out of range.\n"),
    ];
    for (input, expected) in cases {
        let r = args(&repo, "z", input);
        assert!(r.ui.err.starts_with(expected), "{input}: {:?}", r.ui.err);
    }
    let r = args(
        &repo,
        "z",
        "select dedicated-cpu; set ncpus=2; clear importance; end; info dedicated-cpu",
    );
    assert_eq!(r.ui.out, "dedicated-cpu:\n\tncpus: 2\n");
    let r = args(&repo, "z", "set cpu-shares=5; verify");
    assert_eq!(
        r.ui.err,
        "rctl zone.cpu-shares and dedicated-cpu are incompatible.\nz: Incompatible settings\nrctl zone.cpu-shares and dedicated-cpu are incompatible.\nZone z failed to verify\nz: Incompatible settings\nConfiguration not saved.\n"
    );
    let r = args(&repo, "z", "remove dedicated-cpu; remove dedicated-cpu");
    assert_eq!(r.ui.err, "remove dedicated-cpu: No such entry\n");
    let r = args(&repo, "z", "add dedicated-cpu; end");
    assert_eq!(r.ui.err, "ncpus not specified\nResource incomplete.\n");
}

#[test]
fn admin_and_security_flags() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(
        &repo,
        "z",
        "add admin; set user=zadmin; set auths=login; add auths manage; end; info admin",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(r.ui.out, "admin:\n\tuser: zadmin\n\tauths: login,manage\n");
    let r = args(
        &repo,
        "z",
        "add admin; set user=other; set auths=login,bogus; end",
    );
    assert_eq!(
        r.ui.err,
        "'bogus' is not a valid authorization\nResource incomplete.\n"
    );
    let r = args(
        &repo,
        "z",
        "add admin; set user=zadmin; set auths=login; end",
    );
    assert_eq!(
        r.ui.err,
        "A admin resource with the user 'zadmin' already exists.\nResource incomplete.\n"
    );
    let r = args(&repo, "z", "add admin; end");
    assert_eq!(
        r.ui.err,
        "user not specified\nauths not specified\nResource incomplete.\n"
    );

    let r = args(
        &repo,
        "z",
        "add security-flags; set lower=none; set default=aslr; set upper=all; end; info security-flags",
    );
    assert_eq!(r.ui.err, "");
    assert_eq!(
        r.ui.out,
        "security-flags:\n\tlower: none\n\tdefault: aslr\n\tupper: all\n"
    );
    let r = args(&repo, "z", "add security-flags");
    assert_eq!(r.ui.err, "The security-flags resource already exists.\n");
    let r = args(&repo, "z", "select security-flags; set default=bogus; end");
    assert_eq!(
        r.ui.err,
        "default security flags 'bogus' are invalid\nResource incomplete.\n"
    );
}

#[test]
fn inherit_pkg_dir() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(&repo, "z", "add inherit-pkg-dir; set dir=/usr; end");
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    let r = args(&repo, "z", "add inherit-pkg-dir; set dir=/usr; end");
    assert_eq!(
        r.ui.err,
        "An inherit-pkg-dir resource with the dir '/usr' already exists.\nResource incomplete.\n"
    );
    let r = args(&repo, "z", "add inherit-pkg-dir; set dir=lib; end");
    assert_eq!(
        r.ui.err,
        "dir lib is not an absolute path.\nResource incomplete.\n"
    );
    let r = args(&repo, "z", "info inherit-pkg-dir; export");
    assert!(r
        .ui
        .out
        .starts_with("inherit-pkg-dir:\n\tdir: /usr\ncreate -b\n"));
    assert!(r
        .ui
        .out
        .contains("set ip-type=shared\nadd inherit-pkg-dir\nset dir=/usr\nend\n"));
    let repo = MemRepo::new().with_zone(
        ZoneConfig {
            inherit_pkg_dirs: vec![InheritPkgDir { dir: "/usr".into() }],
            ..zone("z")
        },
        ZoneState::Installed,
    );
    for (input, expected) in [
        (
            "add inherit-pkg-dir",
            "Zone z already installed; add inherit-pkg-dir not allowed.\n",
        ),
        (
            "remove inherit-pkg-dir dir=/usr",
            "Zone z already installed; remove inherit-pkg-dir not allowed.\n",
        ),
        (
            "select inherit-pkg-dir dir=/usr",
            "Zone z already installed; select inherit-pkg-dir not allowed.\n",
        ),
    ] {
        assert_eq!(args(&repo, "z", input).ui.err, expected);
    }
}

// ----- select, remove, end, cancel -----

#[test]
fn select_and_remove() {
    let mut cfg = zone("z");
    for (dir, t) in [("/a", "lofs"), ("/b", "lofs"), ("/c", "tmpfs")] {
        cfg.fs.push(Fs {
            dir: dir.into(),
            special: format!("/s{dir}"),
            fstype: t.into(),
            ..Default::default()
        });
    }
    let repo = MemRepo::new().with_zone(cfg, ZoneState::Configured);
    let r = args(&repo, "z", "select fs dir=/x");
    assert_eq!(r.ui.err, "select fs: No such resource with that id\n");
    let r = args(&repo, "z", "select fs type=lofs");
    assert_eq!(r.ui.err, "select fs: Insufficient specification\n");
    let r = args(&repo, "z", "select fs name=x");
    assert_eq!(
        r.ui.err,
        "name: No such property type\nselect fs: Insufficient specification\n"
    );
    let r = args(&repo, "z", "select fs dir=[/a]");
    assert_eq!(
        r.ui.err,
        "A simple value was expected here.\nselect fs: Insufficient specification\n"
    );
    // A modified resource moves to the end, as in libzonecfg.
    let r = args(
        &repo,
        "z",
        "select fs dir=/a type=lofs; set special=/new; end",
    );
    assert_eq!(r.ui.err, "");
    let dirs: Vec<String> = repo
        .get("z")
        .unwrap()
        .fs
        .iter()
        .map(|f| f.dir.clone())
        .collect();
    assert_eq!(dirs, vec!["/b", "/c", "/a"]);
    let r = args(&repo, "z", "add fs; select fs dir=/a");
    assert_eq!(
        r.ui.err,
        "The select command only makes sense in the global scope.\nResource incomplete.\n"
    );
    let r = args(&repo, "z", "remove fs");
    assert_eq!(r.ui.err, "There are multiple instances of this resource.  Either qualify the resource to\nremove a single instance or use the -F option to remove all instances.\n");
    let r = tty(&repo, "z", "remove fs\nexit\n", &[false]);
    assert_eq!(
        r.ui.prompts,
        vec!["Are you sure you want to remove ALL 'fs' resources (y/[n])? "]
    );
    assert_eq!(repo.get("z").unwrap().fs.len(), 3);
    let r = args(&repo, "z", "remove fs dir=/c");
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    let r = args(&repo, "z", "remove -F fs; remove fs");
    assert_eq!(r.ui.err, "remove fs: No such entry\n");
    assert!(repo.get("z").unwrap().fs.is_empty());
    let r = args(&repo, "z", "end; cancel");
    assert_eq!(
        r.ui.err,
        "The end command only makes sense in the resource scope.\nThe cancel command only makes sense in the resource scope.\n"
    );
    let r = args(&repo, "z", "add fs; verify; create; delete; export; revert");
    assert_eq!(
        r.ui.err,
        "resource specification incomplete\nz: Insufficient specification\nThe create command only makes sense in the global scope.\nThe delete command only makes sense in the global scope.\nThe export command only makes sense in the global scope.\nYou can only use revert in the global scope.\nUse 'cancel' to cancel changes to a resource specification.\nResource incomplete.\n"
    );
}

#[test]
fn usage_of_malformed_commands() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(&repo, "z", "add");
    assert!(r.ui.err.starts_with("usage:\nadd <resource-type>\n\t(global scope)\nadd <property-name> <property-value>\n\t(resource scope)\n\n<resource type> := fs | "));
    // A property where a resource type belongs.
    let r = args(&repo, "z", "add dir /x");
    assert_eq!(r.ui.err, "usage:\nadd <resource-type>\n\t(global scope)\nadd <property-name> <property-value>\n\t(resource scope)\n\tAdd specified resource to configuration.\n");
    let r = args(&repo, "z", "set");
    assert!(r.ui.err.starts_with("usage:\nset <property-name>=<property-value>\n\nFor resource type ... there are property types ...:\n"));
    let r = args(&repo, "z", "commit bogus; verify -x; end x");
    assert_eq!(r.ui.err, "usage:\ncommit\nusage:\nverify\nusage:\nend\n");
    let r = args(&repo, "z", "add fs; add options; cancel");
    assert!(
        r.ui.err.starts_with("syntax error at ';'\nCommands:\n"),
        "{}",
        r.ui.err
    );
    let r = args(&repo, "z", "add fs; add dir /x; cancel");
    assert!(r
        .ui
        .err
        .starts_with("dir: No such property type\nusage:\nadd <resource-type>"));
    let r = args(&repo, "z", "remove -x fs");
    assert!(r.ui.err.starts_with("usage:\nremove [-F] <resource-type>"));
    let r = args(&repo, "z", "exit -?");
    assert_eq!(
        r.ui.out,
        "usage:\nexit [-F]\n\tExits the program.  The -F flag can be used to force the action.\n"
    );
    assert_eq!(r.code, 0);
}

// ----- verify, commit, exit, EOF -----

#[test]
fn verify_and_commit() {
    let repo = MemRepo::new();
    let r = args(&repo, "z", "create -b; verify");
    assert_eq!(
        r.ui.err,
        "zonepath cannot be empty.\nz: Required resource missing\nzonepath cannot be empty.\nZone z failed to verify\nz: Required resource missing\nConfiguration not saved.\n"
    );
    assert_eq!(r.code, 1);
    assert!(repo.get("z").is_none());
    let r = args(
        &repo,
        "z",
        "create -b; set zonepath=/zones/z; commit; verify",
    );
    assert_eq!((r.code, r.ui.err.as_str(), r.ui.out.as_str()), (0, "", ""));
    assert!(repo.get("z").is_some());
    let r = args(&repo, "z", "add fs; set dir=/a; set special=/b; set type=lofs; end; set limitpriv=default,sys_config; commit");
    assert_eq!(
        r.ui.err,
        "z: invalid privilege: sys_config\nz: invalid privilege: sys_config\nConfiguration not saved.\n"
    );
    let mut bad = MemRepo::new().with_zone(zone("z"), ZoneState::Configured);
    bad.fail_commit = true;
    let r = args(&bad, "z", "set autoboot=true");
    assert_eq!(
        r.ui.err,
        "/etc/zones/index: Permission denied (os error 13)\nConfiguration not saved.\n"
    );
    assert_eq!(r.code, 1);
}

#[test]
fn one_shot_mode_commits_at_the_end() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(&repo, "z", "set autoboot=true");
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    assert!(repo.get("z").unwrap().autoboot);
    // An error does not stop the following commands; the configuration is still saved, but
    // the exit status reports the error.
    let r = args(&repo, "z", "set autoboot=maybe; set bootargs=-v");
    assert_eq!(r.code, 1);
    assert_eq!(repo.get("z").unwrap().bootargs, "-v");
    // An open resource at the end of the arguments.
    let r = args(&repo, "z", "add fs");
    assert_eq!(r.ui.err, "Resource incomplete.\n");
    assert_eq!(r.code, 1);
}

#[test]
fn exit_and_eof() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = tty(&repo, "z", "set autoboot=true\nexit\n", &[]);
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    assert!(repo.get("z").unwrap().autoboot);
    // exit -F does not ask, but still commits (zonecfg's cleanup()).
    let r = tty(&repo, "z", "set autoboot=false\nexit -F\n", &[]);
    assert_eq!(r.code, 0);
    assert!(!repo.get("z").unwrap().autoboot);
    // Unsaved changes that do not verify.
    let r = tty(
        &repo,
        "z",
        "set zonepath=/a\nadd fs\nset dir=/x\nexit\n",
        &[true, true],
    );
    assert_eq!(
        r.ui.prompts,
        vec![
            "Resource incomplete; really quit (y/[n])? ",
            "Configuration not saved; really quit (y/[n])? "
        ]
    );
    assert_eq!(
        r.ui.err,
        "resource specification incomplete\nZone z failed to verify\nz: Insufficient specification\n"
    );
    assert_eq!(r.code, 1);
    assert_eq!(repo.get("z").unwrap().zonepath, "/zones/z");
    // Declining to quit goes on.
    let repo = repo_with("z", ZoneState::Configured);
    let mut ui = RecUi::default();
    let mut s = Session::open(&repo, "z", Options::new(Mode::Interactive), &mut ui).unwrap();
    s.execute(&cmd("add fs"), &mut ui);
    assert_eq!(s.execute(&cmd("exit"), &mut ui), Flow::Continue);
    assert_eq!(s.eof(&mut ui), Flow::Continue);
    s.execute(&cmd("cancel"), &mut ui);
    assert_eq!(s.eof(&mut ui), Flow::Exit);
    assert_eq!(s.exit_code(), 0);
    // Without a terminal.
    let r = file(&repo, "z", "cmds", "add fs\nexit\n");
    assert_eq!(
        r.ui.err,
        "On line 2 of cmds:\nResource incomplete, input not from terminal and -F not specified:\nexit command ignored, but exiting anyway.\n"
    );
    assert_eq!(r.code, 1);
    let r = file(
        &repo,
        "z",
        "cmds",
        "set bootargs=-s\nexit\nset autoboot=true\n",
    );
    assert_eq!(r.code, 0);
    let c = repo.get("z").unwrap();
    assert_eq!((c.bootargs.as_str(), c.autoboot), ("-s", false));
}

// ----- command files -----

#[test]
fn command_file_errors() {
    let repo = MemRepo::new();
    let r = file(
        &repo,
        "web",
        "web.cfg",
        "create -b\nset zonepath=zones/web\nset autoboot=true\n",
    );
    assert_eq!(
        r.ui.err,
        "On line 2 of web.cfg:\nzones/web is not an absolute path.\n"
    );
    assert_eq!(r.code, 1);
    assert!(repo.get("web").is_none());
    assert!(!r.draft.unwrap().autoboot);
    let r = file(&repo, "web", "-", "create -b\n\nadd fs; end\n");
    assert_eq!(
        r.ui.err,
        "On line 3:\ndir not specified\nspecial not specified\ntype not specified\n"
    );
    let r = file(&repo, "web", "f", "create -b\nexport bogus\n");
    assert_eq!(
        r.ui.err,
        "syntax error on line 2 of f\nusage:\nexport [-f output-file]\n"
    );
    // Auto-commit at the end of a file, and its messages.
    let r = file(&repo, "web", "f", "create -b\nset autoboot=true\n");
    assert_eq!(
        r.ui.err,
        "On line 2 of f:\nzonepath cannot be empty.\nZone web failed to verify\nweb: Required resource missing\nConfiguration not saved.\n"
    );
    let r = file(&repo, "web", "f", "create -b\nset zonepath=/z\n");
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    assert!(repo.get("web").is_some());
}

#[test]
fn parse_errors() {
    let repo = repo_with("z", ZoneState::Configured);
    let mut ui = RecUi::default();
    let mut s = Session::open(&repo, "z", Options::new(Mode::Args), &mut ui).unwrap();
    s.parse_error(
        &ParseError::Syntax {
            token: "\n".into(),
            line: 1,
        },
        &mut ui,
    );
    assert!(ui
        .err
        .starts_with("syntax error at '\\n'\nCommands:\n\nadd <resource-type>\n"));
    assert!(ui.err.ends_with("verify\n"));
    assert!(!ui.err.contains("\tAdd specified"));
    assert_eq!(s.exit_code(), 1);

    let mut ui = RecUi::default();
    let mut s = Session::open(&repo, "z", Options::new(Mode::File("f".into())), &mut ui).unwrap();
    let flow = s.parse_error(
        &ParseError::Syntax {
            token: "=".into(),
            line: 4,
        },
        &mut ui,
    );
    assert_eq!(flow, Flow::Exit);
    assert!(ui.err.starts_with("syntax error on line 4 at '='\n"));

    let mut ui = RecUi::default();
    let mut s = Session::open(&repo, "z", Options::new(Mode::Args), &mut ui).unwrap();
    s.parse_error(&ParseError::TokenExpected { line: 1 }, &mut ui);
    assert_eq!(ui.err, "syntax error, token expected\n");
    let mut ui = RecUi::default();
    s.parse_error(
        &ParseError::Usage {
            kind: CmdKind::Select,
            with_res_props: true,
            line: 1,
        },
        &mut ui,
    );
    assert!(ui.err.starts_with("usage:\nselect <resource-type> { <property-name>=<property-value> }\n\n<resource type> := fs | "));
    let mut ui = RecUi::default();
    s.parse_error(
        &ParseError::Usage {
            kind: CmdKind::Set,
            with_res_props: true,
            line: 1,
        },
        &mut ui,
    );
    assert!(ui.err.starts_with("usage:\nset <property-name>=<property-value>\n\nFor resource type ... there are property types ...:\n"));
}

// ----- delete and revert -----

#[test]
fn delete() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(&repo, "z", "delete");
    assert_eq!(
        r.ui.err,
        "Input not from terminal and -F not specified:\ndelete command ignored, exiting.\n"
    );
    assert_eq!(r.code, 1);
    assert!(repo.get("z").is_some());
    let r = tty(&repo, "z", "delete\nexit\n", &[false]);
    assert_eq!(
        r.ui.prompts,
        vec!["Are you sure you want to delete zone z (y/[n])? "]
    );
    assert!(repo.get("z").is_some());
    let r = tty(
        &repo,
        "z",
        "set autoboot=true\ndelete\ninfo\nexit\n",
        &[true],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.ui.err, "z: No such zone configured\n");
    assert!(repo.get("z").is_none());
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(&repo, "z", "delete -F");
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    assert!(repo.get("z").is_none());
    let r = args(&repo, "z", "delete -F");
    assert_eq!(r.ui.err, "z: No such zone configured\n");

    // Nothing but a configured zone is deleted, -F or not.
    for state in [
        ZoneState::Incomplete,
        ZoneState::Installed,
        ZoneState::Running,
    ] {
        let repo = repo_with("z", state);
        let r = args(&repo, "z", "delete -F");
        assert_eq!(
            (r.code, r.ui.err.as_str()),
            (1, "Zone z not in configured state; delete not allowed.\n"),
            "{state}"
        );
        assert!(repo.get("z").is_some());
        let r = tty(&repo, "z", "delete\n", &[true]);
        assert_eq!(
            r.ui.err,
            "Zone z not in configured state; delete not allowed.\n"
        );
        assert!(repo.get("z").is_some());
    }
}

#[test]
fn revert() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = tty(
        &repo,
        "z",
        "set autoboot=true\nrevert\ninfo autoboot\nexit\n",
        &[true],
    );
    assert_eq!(
        r.ui.prompts,
        vec!["Are you sure you want to revert (y/[n])? "]
    );
    assert!(r.ui.out.ends_with("autoboot: false\n"));
    assert_eq!(r.code, 0);
    let r = args(&repo, "z", "set autoboot=true; revert");
    assert_eq!(
        r.ui.err,
        "Input not from terminal and -F not specified:\nrevert command ignored, exiting.\n"
    );
    assert!(!repo.get("z").unwrap().autoboot);
    let r = args(&repo, "z", "set autoboot=true; revert -F");
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    assert!(!repo.get("z").unwrap().autoboot);
    let repo = MemRepo::new();
    let r = args(&repo, "n", "revert -F");
    assert_eq!(r.ui.err, "No changes to revert.\n");
    let r = args(&repo, "n", "create -b; revert -F");
    assert_eq!(r.ui.err, "n: no such saved zone to revert to.\n");
    assert_eq!(r.code, 1);
}

// ----- rename -----

#[test]
fn rename() {
    let repo =
        repo_with("old", ZoneState::Configured).with_zone(zone("taken"), ZoneState::Configured);
    let r = args(&repo, "old", "set zonename=new; commit");
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    assert!(repo.get("old").is_none());
    assert_eq!(repo.get("new").unwrap().name, "new");
    assert_eq!(repo.zones.borrow()["new"].1, ZoneState::Configured);
    assert_eq!(
        repo.commits.borrow().last().cloned(),
        Some((Some("old".to_string()), "new".to_string()))
    );
    // Inside a session a refused name gets its error line alone, not the command line's
    // zone-name grammar.
    let r = args(&repo, "new", "set zonename=taken");
    assert_eq!(r.ui.err, "taken: Zone name already in use\n");
    let r = args(&repo, "new", "set zonename=-x");
    assert_eq!(r.ui.err, "-x: Bogus zone name\n");
    let r = args(&repo, "new", "set zonename=SUNWx");
    assert_eq!(r.ui.err, "SUNWx: Bogus zone name\n");
    let r = args(&repo, "new", "set zonename=global");
    assert_eq!(r.ui.err, "global: Bogus zone name\n");
    // Renaming back and forth ends where it started.
    let r = args(&repo, "new", "set zonename=b; set zonename=new; commit");
    assert_eq!(r.code, 0);
    assert_eq!(
        repo.commits.borrow().last().cloned(),
        Some((None, "new".to_string()))
    );
    for state in [ZoneState::Installed, ZoneState::Running] {
        let repo = repo_with("run", state);
        let r = args(&repo, "run", "set zonename=other; commit");
        assert!(
            r.ui.err
                .starts_with("other: Zone state is invalid for the requested operation\n"),
            "{state}: {}",
            r.ui.err
        );
        assert!(repo.get("run").is_some() && repo.get("other").is_none());
    }
    // Before create, the name of the zone to create can change.
    let repo = MemRepo::new();
    let r = args(&repo, "a", "set zonename=b; create -b; set zonepath=/z");
    assert_eq!(r.code, 0);
    assert!(repo.get("b").is_some());
    for bad in ["global", "SUNWdefault", "-x"] {
        let r = args(&repo, "a", &format!("set zonename={bad}"));
        assert_eq!(r.ui.err, format!("{bad}: Bogus zone name\n"));
        assert_eq!(r.code, 1);
    }
}

// ----- messages -----

#[test]
fn solaris_11_names_we_lack_are_not_supported() {
    let repo = repo_with("z", ZoneState::Configured);
    for (line, name) in [
        (
            "set file-mac-profile=fixed-configuration",
            "file-mac-profile",
        ),
        ("add rootzpool", "rootzpool"),
        ("info zpool", "zpool"),
        ("select virtual-cpu", "virtual-cpu"),
    ] {
        let r = args(&repo, "z", line);
        assert_eq!(
            r.ui.err,
            format!("zonecfg: {name}: not supported\n"),
            "{line}"
        );
        assert_eq!(r.code, 1, "{line}");
    }
    // The commands after it still run; in a command file it has the line header.
    let r = args(
        &repo,
        "z",
        "set autoboot=true; set global-time=true; commit",
    );
    assert_eq!(r.ui.err, "zonecfg: global-time: not supported\n");
    assert!(repo.get("z").unwrap().autoboot);
    let r = file(
        &repo,
        "z",
        "f",
        "set autoboot=false\nset file-mac-profile=none\n",
    );
    assert_eq!(
        r.ui.err,
        "On line 2 of f:\nzonecfg: file-mac-profile: not supported\n"
    );
    assert_eq!(r.code, 1);
}

#[test]
fn syntax_errors_quote_the_whole_word() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(&repo, "z", "crete");
    assert!(
        r.ui.err.starts_with("syntax error at 'crete'\nCommands:\n"),
        "{}",
        r.ui.err
    );
    let r = file(&repo, "z", "f", "info\ncrete -b\n");
    assert!(
        r.ui.err.starts_with("syntax error on line 2 at 'crete'\n"),
        "{}",
        r.ui.err
    );
}

// ----- global zone -----

#[test]
fn global_zone() {
    let repo = MemRepo::new();
    // The global zone's configuration is created implicitly.
    let r = args(&repo, "global", "set cpu-shares=10; info");
    assert_eq!(r.ui.err, "");
    assert_eq!(
        r.ui.out,
        "zonename: global\npool: \n[cpu-shares: 10]\nrctl:\n\tname: zone.cpu-shares\n\tvalue: (priv=privileged,limit=10,action=none)\n"
    );
    assert!(repo.get("global").is_some());
    let cases = [
        (
            "set zonepath=/x",
            "zonepath is not a valid property for the global zone.\n",
        ),
        (
            "clear autoboot",
            "autoboot is not a valid property for the global zone.\n",
        ),
        ("add fs", "Cannot add a fs resource to the global zone.\n"),
        ("add net", "Cannot add a net resource to the global zone.\n"),
        (
            "remove dataset",
            "dataset is not a valid resource for the global zone.\n",
        ),
        (
            "info device",
            "device is not a valid resource for the global zone.\n",
        ),
        (
            "info brand",
            "brand is not a valid property for the global zone.\n",
        ),
    ];
    for (input, expected) in cases {
        let r = args(&repo, "global", input);
        assert_eq!(r.ui.err, expected, "{input}");
    }
    let warning = "WARNING: Setting a global zone resource control too low could deny\nservice to even the root user; this could render the system impossible\nto administer.  Please use caution.\n";
    let r = args(&repo, "global", "set max-lwps=5000");
    assert_eq!((r.code, r.ui.err.as_str()), (0, warning));
    let r = args(&repo, "global", "add rctl; cancel");
    assert_eq!(r.ui.err, warning);
    let r = args(&repo, "global", "add capped-memory; set swap=60M");
    assert!(r
        .ui
        .err
        .contains("swap value is too small.  It must be at least 100M.\n"));
    let r = args(
        &repo,
        "global",
        "clear cpu-shares; add dedicated-cpu; set ncpus=2; end; set pool=p",
    );
    assert!(r
        .ui
        .err
        .starts_with("The dedicated-cpu resource already exists."));
    let r = args(&repo, "global", "export");
    assert_eq!(
        r.ui.out,
        "add rctl\nset name=zone.max-lwps\nadd value (priv=privileged,limit=5000,action=deny)\nend\nadd dedicated-cpu\nset ncpus=2\nend\n"
    );
}

// ----- info, export, help -----

#[test]
fn info_forms() {
    let mut cfg = zone("z");
    cfg.fs.push(Fs {
        dir: "/a".into(),
        special: "/b".into(),
        fstype: "lofs".into(),
        ..Default::default()
    });
    let repo = MemRepo::new().with_zone(cfg, ZoneState::Configured);
    let r = args(&repo, "z", "info zonepath; info fs dir=/a");
    assert_eq!(
        r.ui.out,
        "zonepath: /zones/z\nfs:\n\tdir: /a\n\tspecial: /b\n\traw not specified\n\ttype: lofs\n\toptions: []\n"
    );
    let r = args(&repo, "z", "info fs dir=/x; info net; info fs name=x");
    assert_eq!(r.ui.out, "No such fs resource.\nNo such fs resource.\n");
    assert_eq!(r.ui.err, "name: No such property type\n");
    assert_eq!(r.code, 1);
    let r = args(&repo, "z", "add fs; set dir=/new; info; info zonepath");
    assert_eq!(
        r.ui.out,
        "fs:\n\tdir: /new\n\tspecial not specified\n\traw not specified\n\ttype not specified\n\toptions: []\nfs:\n\tdir: /new\n\tspecial not specified\n\traw not specified\n\ttype not specified\n\toptions: []\n"
    );
    let r = args(&repo, "z", "add capped-memory; info");
    assert_eq!(r.ui.out, "capped-memory:\n");
}

#[test]
fn export_forms() {
    let repo = MemRepo::new().with_zone(
        ZoneConfig {
            name: "my-zone3".into(),
            ..crate::zonecfg::export::tests_support::example()
        },
        ZoneState::Configured,
    );
    let r = args(&repo, "my-zone3", "export");
    assert_eq!(r.ui.out, export(&repo.get("my-zone3").unwrap()));
    assert!(r
        .ui
        .out
        .starts_with("create -b\nset zonepath=/export/home/my-zone3\n"));
    let r = args(&repo, "my-zone3", "export -f /tmp/out");
    assert_eq!(r.ui.out, "");
    assert_eq!(
        r.ui.files["/tmp/out"],
        export(&repo.get("my-zone3").unwrap())
    );
    let ui = RecUi {
        unwritable: true,
        ..Default::default()
    };
    let r = run_with(
        &repo,
        "my-zone3",
        Options::new(Mode::Args),
        ui,
        "export -f /x",
    );
    assert_eq!(r.ui.err, "opening file /x: Permission denied\n");
    let r = args(&MemRepo::new(), "n", "export");
    assert_eq!(r.ui.err, "n: No such zone configured\n");
    let r = args(&repo, "my-zone3", "export -f");
    assert_eq!(r.ui.err, "usage:\nexport [-f output-file]\n");
}

#[test]
fn help_forms() {
    let repo = repo_with("z", ZoneState::Configured);
    let r = args(&repo, "z", "help");
    assert!(r.ui.out.starts_with("Commands:\n\nadd <resource-type>"));
    assert_eq!(r.code, 0);
    let r = args(&repo, "z", "help usage");
    assert_eq!(r.ui.out, "usage:\tzonecfg help\n\tzonecfg -z <zone>\t\t\t(interactive)\n\tzonecfg -z <zone> <command>\n\tzonecfg -z <zone> -f <command-file>\n");
    let r = args(&repo, "z", "help bogus");
    assert!(r
        .ui
        .err
        .starts_with("Unknown help subject bogus.  More help is available for the following:\n"));
    assert_eq!(r.code, 0);
    let r = args(&repo, "z", "add net; help; cancel");
    assert!(r
        .ui
        .out
        .starts_with("The 'net' resource scope is used to configure a network interface.\n"));
    let mut c = cmd("help");
    c.target = Some(Target::Resource(ResourceType::Fs));
    let mut ui = RecUi::default();
    let mut s = Session::open(&repo, "z", Options::new(Mode::Args), &mut ui).unwrap();
    s.execute(&c, &mut ui);
    assert!(ui
        .out
        .starts_with("The 'fs' resource scope is used to configure a file-system.\n"));
}

/// The zonecfg(8) example session, as a command file.
#[test]
fn man_page_example() {
    let repo = MemRepo::new();
    let script = r#"create
set zonepath=/export/home/my-zone3
set autoboot=true
add fs
set dir=/usr/local
set special=/opt/local
set type=lofs
add options [ro,nodevices]
end
add fs
set dir=/mnt
set special=/dev/dsk/c0t0d0s7
set raw=/dev/rdsk/c0t0d0s7
set type=ufs
end
add net
set address=192.168.0.1/24
set physical=eri0
end
add device
set match="/dev/cua/a00[2-5]"
end
add attr
set name=comment
set type=string
set value="hello, world.  neat, huh?"
end
add rctl
set name=zone.cpu-shares
add value (priv=privileged,limit=5,action=none)
end
verify
commit
exit
"#;
    let r = file(&repo, "my-zone3", "script", script);
    assert_eq!((r.code, r.ui.err.as_str()), (0, ""));
    assert_eq!(
        r.ui.out,
        "create: Using system default template 'SYSdefault'\n"
    );
    let r = args(
        &repo,
        "my-zone3",
        "info fs dir=/mnt; info attr; info cpu-shares",
    );
    assert_eq!(
        r.ui.out,
        "fs:\n\tdir: /mnt\n\tspecial: /dev/dsk/c0t0d0s7\n\traw: /dev/rdsk/c0t0d0s7\n\ttype: ufs\n\toptions: []\nattr:\n\tname: comment\n\ttype: string\n\tvalue: \"hello, world.  neat, huh?\"\n[cpu-shares: 5]\n"
    );
    let r = args(&repo, "my-zone3", "export");
    assert!(r
        .ui
        .out
        .contains("add device\nset match=\"/dev/cua/a00[2-5]\"\nend\n"));
    assert!(r
        .ui
        .out
        .contains("set value=\"hello, world.  neat, huh?\"\n"));
}
