use super::*;
use crate::pool::fake_kernel::FakeKernel;

/// A scratch alternate root with a fake kernel of `ncpus` CPUs.
struct Env {
    dir: tempfile::TempDir,
    facility: Facility<FakeKernel>,
}

impl Env {
    fn new(ncpus: u32) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let facility = Facility::new(dir.path(), FakeKernel::new(ncpus));
        Env { dir, facility }
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("pooladm.conf")
    }

    /// Run `script` on the static file; (stdout, error lines).
    fn run(&self, script: &str, from_file: bool) -> (String, Vec<String>) {
        let mut target = StaticTarget::new(self.conf(), &self.facility);
        let mut out = Vec::new();
        let res = run_script(script.as_bytes(), from_file, &mut target, &mut out);
        let errs = match res {
            Ok(()) => Vec::new(),
            Err(e) => e.messages(),
        };
        (String::from_utf8(out).unwrap(), errs)
    }

    fn ok(&self, script: &str) -> String {
        let (out, errs) = self.run(script, false);
        assert!(errs.is_empty(), "{script}: {errs:?}");
        out
    }

    fn err(&self, script: &str) -> Vec<String> {
        let before = std::fs::read(self.conf()).ok();
        let (_, errs) = self.run(script, false);
        assert!(!errs.is_empty(), "{script} should fail");
        assert_eq!(
            std::fs::read(self.conf()).ok(),
            before,
            "{script} changed the file"
        );
        errs
    }

    fn err1(&self, script: &str) -> String {
        let e = self.err(script);
        assert_eq!(e.len(), 1, "{e:?}");
        e[0].clone()
    }

    fn run_dynamic(&mut self, script: &str) -> Result<String, Vec<String>> {
        let mut target = DynamicTarget {
            facility: &mut self.facility,
        };
        let mut out = Vec::new();
        match run_script(script.as_bytes(), false, &mut target, &mut out) {
            Ok(()) => Ok(String::from_utf8(out).unwrap()),
            Err(e) => Err(e.messages()),
        }
    }
}

const TESTER: &str = "\nsystem tester\n\tstring\tsystem.comment \n\tint\tsystem.version 1\n\
                      \tboolean\tsystem.bind-default true\n\n";

#[test]
fn create_system_tester_info_exactly() {
    let env = Env::new(2);
    env.ok("create system tester");
    assert_eq!(env.ok("info"), TESTER);
    assert_eq!(env.ok("info system tester"), TESTER);
    // one script, several commands
    let env = Env::new(2);
    assert_eq!(env.ok("create system tester\ninfo"), TESTER);
}

#[test]
fn missing_file() {
    let env = Env::new(2);
    let loc = env.conf().display().to_string();
    assert_eq!(
        env.err1("info"),
        format!("cannot load configuration from {loc}: No such file or directory")
    );
    assert_eq!(
        env.err1("create pool p"),
        format!("cannot load configuration from {loc}: No such file or directory")
    );
    assert!(!env.conf().exists());
}

#[test]
fn damaged_file() {
    let env = Env::new(2);
    std::fs::write(
        env.conf(),
        "<system ref_id=\"a\" name=\"x\">\n<bogus/>\n</system>\n",
    )
    .unwrap();
    let loc = env.conf().display().to_string();
    assert_eq!(
        env.err1("info"),
        format!(
            "cannot load configuration from {loc}: Invalid configuration (line 2: unexpected <bogus> in <system>)"
        )
    );
    // create system starts over
    env.ok("create system fresh");
    assert!(env.ok("info").starts_with("\nsystem fresh\n"));
}

#[test]
fn man_page_examples() {
    let env = Env::new(4);
    env.ok("discover");
    let info = env.ok("info");
    assert!(info.starts_with("\nsystem testhost\n"));
    assert!(info.contains("\n\tpool pool_default\n\t\tint\tpool.sys_id 0\n"));
    env.ok("create pset small-1 ( uint pset.min = 1 ; uint pset.max = 4)");
    env.ok("create pool Accounting");
    env.ok("associate pool Accounting ( pset small-1 )");
    assert_eq!(
        env.ok("info pool Accounting"),
        "\npool Accounting\n\tboolean\tpool.active true\n\tboolean\tpool.default false\n\
         \tint\tpool.importance 1\n\tstring\tpool.comment \n\tpset\tsmall-1\n\
         \n\tpset small-1\n\t\tint\tpset.sys_id -2\n\t\tboolean\tpset.default false\n\
         \t\tuint\tpset.min 1\n\t\tuint\tpset.max 4\n\t\tstring\tpset.units population\n\
         \t\tuint\tpset.load 0\n\t\tuint\tpset.size 0\n\t\tstring\tpset.comment \n\n"
    );
    let loc = env.conf().display().to_string();
    let _ = loc;
    assert_eq!(
        env.err1("info pool pool_0"),
        "cannot locate the pool, pool_0: Invalid search"
    );
    assert_eq!(
        env.err1("destroy pool pool_0"),
        "cannot locate the pool, pool_0: Invalid search"
    );
    env.ok("create pool pool_0");
    env.ok("destroy pool pool_0");
    env.ok("modify pool pool_default (string pool.scheduler=\"FSS\")");
    assert!(env.ok("info pool pool_default").contains(
        "\tboolean\tpool.default true\n\tstring\tpool.scheduler FSS\n\tint\tpool.importance 1\n"
    ));
    // the file is what the commands made
    let saved = load_static(&env.conf()).unwrap();
    assert!(saved.find_pool("Accounting").is_some());
}

#[test]
fn dynamic_transfer_examples() {
    let mut env = Env::new(4);
    assert_eq!(
        env.run_dynamic("transfer to pset pset1 ( cpu 2 )")
            .unwrap_err(),
        ["cannot load configuration from /dev/poolctl: Facility is not active"]
    );
    env.facility.enable().unwrap();
    env.run_dynamic(
        "create pset pset1 (uint pset.min = 0; uint pset.max = 3)\n\
         create pset pset2 (uint pset.min = 0; uint pset.max = 3)",
    )
    .unwrap();
    env.run_dynamic("transfer to pset pset1 ( cpu 2 )").unwrap();
    assert_eq!(env.facility.kernel().cpus_of("pset1"), [2]);
    env.run_dynamic("transfer 1 from pset pset_default to pset1")
        .unwrap();
    assert_eq!(env.facility.kernel().cpus_of("pset1"), [0, 2]);
    env.run_dynamic("transfer 2 from pset pset1 to pset2")
        .unwrap();
    assert_eq!(env.facility.kernel().cpus_of("pset2"), [0, 2]);
    assert!(env.facility.kernel().cpus_of("pset1").is_empty());
    assert_eq!(
        env.run_dynamic("transfer 3 from pset pset_default to pset2")
            .unwrap_err(),
        ["cannot transfer 3 from pset_default to pset2: Invalid configuration"]
    );
    // a raised minimum must fit the machine
    assert_eq!(
        env.run_dynamic("modify pset pset1 (uint pset.max = 8; uint pset.min = 4)")
            .unwrap_err(),
        ["put property pset.min failed: Invalid configuration"]
    );
    assert_eq!(
        env.run_dynamic("modify pset pset1 (uint pset.min = 3)")
            .unwrap_err(),
        ["cannot save the configuration: the processor sets need 6 CPUs but 4 are online"]
    );
    // discover is a no-op on the kernel
    env.run_dynamic("discover").unwrap();
    let info = env.run_dynamic("info pset pset2").unwrap();
    assert!(info.starts_with("\npset pset2\n\tint\tpset.sys_id 2\n"));
    env.run_dynamic("destroy system testhost").unwrap();
    assert_eq!(env.facility.dynamic_config().unwrap().psets.len(), 1);
}

#[test]
fn errors_of_every_command() {
    let env = Env::new(4);
    env.ok("discover");
    env.ok("create pset ps (uint pset.max = 2)\ncreate pool p (int pool.importance = 3)");
    let cases: &[(&str, &str)] = &[
        (
            "create pool p",
            "cannot create the pool, p: Bad parameter supplied",
        ),
        (
            "create pset ps",
            "cannot create the pset, ps: Bad parameter supplied",
        ),
        (
            "create pset x (uint pset.min = 2)",
            "put property pset.min failed: Error putting property",
        ),
        (
            "create pool q (uint pool.importance = 1)",
            "put property pool.importance failed: Bad parameter supplied",
        ),
        (
            "create pool q (boolean pool.active = false)",
            "put property pool.active failed: Bad parameter supplied",
        ),
        (
            "create pool q (int pool.sys_id = 4)",
            "put property pool.sys_id failed: Bad parameter supplied",
        ),
        (
            "create pool q (string pool.scheduler = \"XYZ\")",
            "put property pool.scheduler failed: Error putting property",
        ),
        (
            "create pool q (~ string pool.comment)",
            "remove property pool.comment failed: Bad parameter supplied",
        ),
        (
            "create pool q (~ int nothing)",
            "remove property nothing failed: Bad parameter supplied",
        ),
        (
            "destroy pool pool_default",
            "cannot destroy the pool, pool_default: Bad parameter supplied",
        ),
        (
            "destroy pool nope",
            "cannot locate the pool, nope: Invalid search",
        ),
        (
            "destroy pset pset_default",
            "cannot destroy the pset, pset_default: Bad parameter supplied",
        ),
        (
            "destroy pset nope",
            "cannot locate the pset, nope: Invalid search",
        ),
        (
            "destroy system other",
            "incorrect system name supplied: other",
        ),
        (
            "modify system other (string system.comment = \"x\")",
            "incorrect system name supplied: other",
        ),
        (
            "modify system testhost (int system.version = 2)",
            "put property system.version failed: Bad parameter supplied",
        ),
        (
            "modify system testhost (string system.allocate-method = \"x\")",
            "put property system.allocate-method failed: Error putting property",
        ),
        (
            "modify pool nope (int x = 1)",
            "cannot locate the pool, nope: Invalid search",
        ),
        (
            "modify pset nope (int x = 1)",
            "cannot locate the resource, nope: Invalid search",
        ),
        (
            "modify pset ps (uint pset.min = 3)",
            "put property pset.min failed: Error putting property",
        ),
        (
            "modify pset ps (uint pset.max = 1000; uint pset.size = 1)",
            "put property pset.size failed: Bad parameter supplied",
        ),
        (
            "modify pset pset_default (uint pset.min = 0)",
            "put property pset.min failed: Error putting property",
        ),
        (
            "modify cpu 9 (string cpu.comment = \"x\")",
            "cannot locate the cpu, 9: Invalid search",
        ),
        (
            "modify cpu 1 (string cpu.status = \"gone\")",
            "put property cpu.status failed: Error putting property",
        ),
        (
            "modify cpu abc (string cpu.comment = \"x\")",
            "cannot locate the cpu, abc: CPU id should only contain digits",
        ),
        (
            "info cpu abc",
            "cannot locate the cpu, abc: CPU id should only contain digits",
        ),
        ("info cpu 7", "cannot locate the cpu, 7: Invalid search"),
        (
            "info pset nope",
            "cannot locate the resource, nope: Invalid search",
        ),
        ("info system other", "incorrect system name supplied: other"),
        (
            "associate pool nope (pset ps)",
            "cannot locate the pool, nope: Invalid search",
        ),
        (
            "associate pool p (pset nope)",
            "cannot locate the pset, nope: Invalid search",
        ),
        (
            "transfer to pset nope (cpu 1)",
            "cannot locate the resource, nope: Invalid search",
        ),
        (
            "transfer to pset ps (cpu 9)",
            "cannot locate the cpu, 9: Invalid search",
        ),
        (
            "transfer to pset ps (cpu x1)",
            "cannot locate the cpu, ps: CPU id should only contain digits",
        ),
        (
            "transfer to pset ps (cpu 0; cpu 1; cpu 2)",
            "cannot transfer component 2 to ps: Invalid configuration",
        ),
        (
            "transfer 4 from pset pset_default to ps",
            "cannot transfer 4 from pset_default to ps: Invalid configuration",
        ),
        (
            "transfer 1 from pset nope to ps",
            "cannot locate the resource, nope: Invalid search",
        ),
        (
            "transfer 1 to pset nope from ps",
            "cannot locate the resource, nope: Invalid search",
        ),
        (
            "rename pool nope to x",
            "cannot locate the pool, nope: Invalid search",
        ),
        (
            "rename pool p to pool_default",
            "put property pool.name failed: Error putting property",
        ),
        (
            "rename pset nope to x",
            "cannot locate the pset, nope: Invalid search",
        ),
        (
            "rename pset ps to pset_default",
            "put property pset.name failed: Error putting property",
        ),
        (
            "rename system other to x",
            "incorrect system name supplied: other",
        ),
    ];
    for (script, want) in cases {
        assert_eq!(env.err1(script), *want, "{script}");
    }
}

#[test]
fn successful_edits() {
    let env = Env::new(4);
    env.ok("discover");
    env.ok("create pset ps (uint pset.min = 2; uint pset.max = 5)");
    // min above the current max: max is applied first
    env.ok("modify pset ps (uint pset.min = 6; uint pset.max = 8)");
    let c = load_static(&env.conf()).unwrap();
    let ps = c.find_pset("ps").unwrap();
    assert_eq!((c.psets[ps].min(), c.psets[ps].max()), (6, 8));
    env.ok("modify pset ps (uint pset.max = 3; uint pset.min = 1)");
    env.ok("transfer to pset ps (cpu 3; cpu 1)\ntransfer 1 to pset ps from pset_default");
    let c = load_static(&env.conf()).unwrap();
    let ps = c.find_pset("ps").unwrap();
    assert_eq!(c.psets[ps].cpu_ids(), [3, 1, 0]);
    env.ok(
        "rename pset ps to big\nrename pool pool_default to main\nrename system testhost to box",
    );
    env.ok("modify system box (string system.comment = \"hello\"; float x.ratio = 0.5)");
    let info = env.ok("info");
    assert!(info.starts_with("\nsystem box\n\tstring\tsystem.comment hello\n"));
    assert!(info.contains("\tfloat\tx.ratio 0.5\n"));
    assert!(info.contains("\tpool main\n"));
    env.ok("modify cpu 2 (boolean cpu.pinned = true; string cpu.comment = \"fast\")");
    assert_eq!(
        env.ok("info cpu 2"),
        "\ncpu\n\tint\tcpu.sys_id 2\n\tstring\tcpu.comment fast\n\tstring\tcpu.status on-line\n\
         \tboolean\tcpu.pinned true\n\n"
    );
    env.ok("modify cpu 2 (~ boolean cpu.pinned)");
    env.ok("destroy pset big");
    let c = load_static(&env.conf()).unwrap();
    assert_eq!(c.psets.len(), 1);
    assert_eq!(c.psets[0].cpus.len(), 4);
    env.ok("destroy system box");
    assert!(!env.conf().exists());
}

#[test]
fn static_create_system_then_pools() {
    let env = Env::new(2);
    env.ok("create system t");
    assert_eq!(
        env.err1("create pool p"),
        "cannot create the pool, p: Invalid configuration"
    );
    env.ok("create pset first\ncreate pool p");
    let info = env.ok("info");
    assert!(
        info.contains("\tpset first\n\t\tint\tpset.sys_id -2\n\t\tboolean\tpset.default true\n")
    );
    assert!(info.contains("\t\tpset\tfirst\n"));
}

#[test]
fn syntax_and_lex_errors() {
    let env = Env::new(2);
    env.ok("create system t");
    assert_eq!(
        env.err("create pool"),
        [
            "syntax error, token expected",
            "command parsing failed, terminating..."
        ]
    );
    assert_eq!(
        env.err("create cpu 3"),
        [
            "syntax error at 'cpu'",
            "command parsing failed, terminating..."
        ]
    );
    assert_eq!(env.err("info $"), ["Illegal character at '$'"]);
    assert_eq!(
        env.err("create pool a (uint x = 99999999999999999999)"),
        ["Invalid value at '99999999999999999999'"]
    );
    // -f adds the line
    let (_, errs) = env.run("create pset a\n\ncreate pool", true);
    assert_eq!(
        errs,
        [
            "line 3, syntax error, token expected",
            "command parsing failed, terminating..."
        ]
    );
    let (_, errs) = env.run("info\n  info pool x(\n", true);
    assert_eq!(errs, ["cannot locate the pool, x: Invalid search"]);
    let (out, errs) = env.run("info\n\n  )", true);
    assert_eq!(
        errs,
        [
            "line 3, syntax error at ')'",
            "command parsing failed, terminating..."
        ]
    );
    assert!(out.starts_with("\nsystem t\n"), "info ran before the error");
    let (_, errs) = env.run("info\n%", true);
    assert_eq!(errs, ["line 2, Illegal character at '%'"]);
}

#[test]
fn failing_scripts_leave_the_file_alone() {
    let env = Env::new(4);
    env.ok("discover");
    let before = std::fs::read(env.conf()).unwrap();
    env.err("create pool a\ncreate pool a");
    env.err("create pool b\nbogus");
    env.err("destroy system testhost\ninfo");
    env.err("discover\ncreate pool c\ndestroy pset nope");
    env.err("create system other\ncreate pool x");
    assert_eq!(std::fs::read(env.conf()).unwrap(), before);
    // info alone never writes
    env.ok("info");
    assert_eq!(std::fs::read(env.conf()).unwrap(), before);
}

#[test]
fn empty_and_comment_only_scripts() {
    let env = Env::new(2);
    env.ok("create system t");
    assert_eq!(
        env.err(""),
        [
            "syntax error, token expected",
            "command parsing failed, terminating..."
        ]
    );
    assert_eq!(
        env.run("# nothing\n", true).1,
        [
            "line 2, syntax error, token expected",
            "command parsing failed, terminating..."
        ]
    );
}

#[test]
fn read_only_file_allows_info_only() {
    if nix::unistd::geteuid().is_root() {
        // root can write anything; the access check cannot fail.
        return;
    }
    let env = Env::new(2);
    env.ok("create system t");
    let mut perm = std::fs::metadata(env.conf()).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o444);
    std::fs::set_permissions(env.conf(), perm).unwrap();
    env.ok("info");
    let loc = env.conf().display().to_string();
    assert_eq!(
        env.err1("create pool p"),
        format!("cannot load configuration from {loc}: Permission denied")
    );
}

#[test]
fn destroy_then_use() {
    let env = Env::new(2);
    env.ok("create system t");
    assert_eq!(
        env.err1("destroy system t\ncreate pool p"),
        "cannot create the pool, p: Bad parameter supplied"
    );
    assert_eq!(
        env.err1("destroy system t\ninfo"),
        "cannot get the configuration details for unknown: Bad parameter supplied"
    );
    env.ok("destroy system t\ncreate system u");
    assert!(env.ok("info").starts_with("\nsystem u\n"));
}

mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// No script, however odd, panics; a failing one changes nothing.
        #[test]
        fn scripts_never_panic(script in proptest::collection::vec(
            prop_oneof![
                Just("info ".to_string()), Just("create ".to_string()), Just("destroy ".to_string()),
                Just("modify ".to_string()), Just("associate ".to_string()), Just("transfer ".to_string()),
                Just("discover ".to_string()), Just("rename ".to_string()), Just("to ".to_string()),
                Just("from ".to_string()), Just("pool ".to_string()), Just("pset ".to_string()),
                Just("cpu ".to_string()), Just("system ".to_string()), Just("( ".to_string()),
                Just(") ".to_string()), Just("; ".to_string()), Just("= ".to_string()), Just("~ ".to_string()),
                Just("uint pset.min ".to_string()), Just("int ".to_string()), Just("string ".to_string()),
                Just("boolean ".to_string()), Just("float ".to_string()), Just("\"s\" ".to_string()),
                Just("true ".to_string()), Just("1 ".to_string()), Just("-2 ".to_string()),
                Just("1.5 ".to_string()), Just("p ".to_string()), Just("pool_default ".to_string()),
                Just("pset_default ".to_string()), Just("\n".to_string()), Just("# c\n".to_string()),
                "[ -~]{0,3}",
            ],
            0..24,
        )) {
            let env = Env::new(3);
            env.ok("discover");
            let before = std::fs::read(env.conf()).unwrap();
            let (_, errs) = env.run(&script.concat(), true);
            if !errs.is_empty() {
                prop_assert_eq!(std::fs::read(env.conf()).unwrap(), before);
            }
        }

        #[test]
        fn xml_never_panics(text in "[<>/=\\\" a-z_\\n0-9&;#]{0,200}") {
            let _ = crate::pool::xml::parse(&text, Path::new("x"));
        }

        #[test]
        fn lexer_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut p = crate::pool::parser::Parser::new(&bytes);
            for _ in 0..64 {
                match p.next_command() {
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
        }
    }
}
