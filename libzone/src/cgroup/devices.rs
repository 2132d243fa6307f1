//! Device access rules, as the plan carries them (`linux.resources.devices` of the OCI spec),
//! and the two forms the kernel takes them in: v1 `devices.deny`/`devices.allow` lines, and
//! for cgroup v2 an eBPF program of type `BPF_PROG_TYPE_CGROUP_DEVICE` (built here, loaded by
//! [`super::bpf`]). Everything here is pure.
//!
//! Semantics: the v1 controller's, which the program reproduces. An `a` rule resets
//! everything (allow all / deny all); a list is an allow list (it denies what no rule allows);
//! each later allow rule adds an exception, rules for the same devices merged; an access is let
//! through when one exception covers the device and everything asked for. A zone's list is
//! `deny a` and then what the zone may use. Deny rules other than `deny a` are refused: v1
//! takes a narrow deny off exceptions that match it exactly only, so after a wider allow it
//! would mean one thing on v1 and another in a program.

use super::error::{CgroupError, Result};
use oci_spec::runtime::{LinuxDeviceCgroup, LinuxDeviceType, Spec};
use std::collections::BTreeMap;

/// Which devices a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    /// Every device, block and character (`a`).
    All,
    Char,
    Block,
}

/// Access bits, as the kernel numbers them for device programs (`BPF_DEVCG_ACC_*`).
pub const MKNOD: u8 = 1;
pub const READ: u8 = 2;
pub const WRITE: u8 = 4;
pub const RWM: u8 = MKNOD | READ | WRITE;

/// One rule: allow or deny `access` to devices of `kind` with these numbers (`None`: any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceRule {
    pub allow: bool,
    pub kind: DeviceKind,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    /// A non-empty set of [`MKNOD`], [`READ`], [`WRITE`].
    pub access: u8,
}

impl DeviceRule {
    /// `deny a`: no device at all; what a zone's list starts with.
    pub const DENY_ALL: DeviceRule = DeviceRule {
        allow: false,
        kind: DeviceKind::All,
        major: None,
        minor: None,
        access: RWM,
    };

    /// Allow everything on character device `major:minor` (`None`: any minor).
    pub const fn allow_char(major: u32, minor: Option<u32>) -> DeviceRule {
        DeviceRule {
            allow: true,
            kind: DeviceKind::Char,
            major: Some(major),
            minor,
            access: RWM,
        }
    }

    /// Allow everything on one device node.
    pub fn allow_node(kind: DeviceKind, major: u32, minor: u32) -> DeviceRule {
        DeviceRule {
            allow: true,
            kind,
            major: Some(major),
            minor: Some(minor),
            access: RWM,
        }
    }

    /// Whether the rule covers every device with every access (`allow a` / `deny a`).
    fn is_total(&self) -> bool {
        self.kind == DeviceKind::All
            && self.major.is_none()
            && self.minor.is_none()
            && self.access == RWM
    }

    /// The rule as the OCI spec writes it.
    pub fn to_oci(&self) -> LinuxDeviceCgroup {
        let mut r = LinuxDeviceCgroup::default();
        r.set_allow(self.allow);
        r.set_typ(Some(match self.kind {
            DeviceKind::All => LinuxDeviceType::A,
            DeviceKind::Char => LinuxDeviceType::C,
            DeviceKind::Block => LinuxDeviceType::B,
        }));
        r.set_major(self.major.map(i64::from));
        r.set_minor(self.minor.map(i64::from));
        r.set_access(Some(access_string(self.access)));
        r
    }

    /// Read an OCI rule. Unset type means `a`, unset access `rwm`, unset numbers any.
    pub fn from_oci(r: &LinuxDeviceCgroup) -> Result<DeviceRule> {
        let bad = |reason: &'static str| CgroupError::InvalidDeviceRule {
            rule: r.to_string(),
            reason,
        };
        let kind = match r.typ() {
            None | Some(LinuxDeviceType::A) => DeviceKind::All,
            Some(LinuxDeviceType::C) | Some(LinuxDeviceType::U) => DeviceKind::Char,
            Some(LinuxDeviceType::B) => DeviceKind::Block,
            Some(LinuxDeviceType::P) => return Err(bad("a fifo is not a device")),
        };
        let number = |n: Option<i64>| -> Result<Option<u32>> {
            n.map(|v| u32::try_from(v).map_err(|_| bad("device number out of range")))
                .transpose()
        };
        let access = match r.access().as_deref() {
            None | Some("") => RWM,
            Some(s) => parse_access(s).ok_or_else(|| bad("access must be made of r, w and m"))?,
        };
        let rule = DeviceRule {
            allow: r.allow(),
            kind,
            major: number(r.major())?,
            minor: number(r.minor())?,
            access,
        };
        if kind == DeviceKind::All && !rule.is_total() {
            return Err(bad("type a takes no numbers and all of rwm"));
        }
        if !rule.allow && !rule.is_total() {
            return Err(bad(
                "only `deny a` is supported: list what to allow instead",
            ));
        }
        Ok(rule)
    }

    /// The v1 control file and line for this rule (`devices.allow`, `c 1:3 rwm`).
    pub fn v1_line(&self) -> (&'static str, String) {
        let file = if self.allow {
            "devices.allow"
        } else {
            "devices.deny"
        };
        let kind = match self.kind {
            // `a` resets the cgroup to all or nothing; the kernel reads nothing after it.
            DeviceKind::All => return (file, "a".to_string()),
            DeviceKind::Char => 'c',
            DeviceKind::Block => 'b',
        };
        let num = |n: Option<u32>| n.map_or_else(|| "*".to_string(), |v| v.to_string());
        (
            file,
            format!(
                "{kind} {}:{} {}",
                num(self.major),
                num(self.minor),
                access_string(self.access)
            ),
        )
    }
}

fn parse_access(s: &str) -> Option<u8> {
    let mut bits = 0;
    for c in s.chars() {
        bits |= match c {
            'r' => READ,
            'w' => WRITE,
            'm' => MKNOD,
            _ => return None,
        };
    }
    (bits != 0).then_some(bits)
}

fn access_string(bits: u8) -> String {
    [(READ, 'r'), (WRITE, 'w'), (MKNOD, 'm')]
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, c)| *c)
        .collect()
}

/// What every zone may use besides its `device` resources, after `deny a` (runc's and crun's
/// default list): creating any node (`mknod` still needs `CAP_MKNOD`, and opening it needs a
/// rule below), `/dev/null`, `zero`, `full`, `random`, `urandom`, `tty`, `console`, `ptmx`
/// and the pseudo-terminals `pts/*` (a zone's console is one of the host's).
pub const STANDARD: [DeviceRule; 11] = [
    DeviceRule {
        allow: true,
        kind: DeviceKind::Char,
        major: None,
        minor: None,
        access: MKNOD,
    },
    DeviceRule {
        allow: true,
        kind: DeviceKind::Block,
        major: None,
        minor: None,
        access: MKNOD,
    },
    DeviceRule::allow_char(1, Some(3)),
    DeviceRule::allow_char(1, Some(5)),
    DeviceRule::allow_char(1, Some(7)),
    DeviceRule::allow_char(1, Some(8)),
    DeviceRule::allow_char(1, Some(9)),
    DeviceRule::allow_char(5, Some(0)),
    DeviceRule::allow_char(5, Some(1)),
    DeviceRule::allow_char(5, Some(2)),
    DeviceRule::allow_char(136, None),
];

/// Read OCI rules.
pub fn from_oci(rules: &[LinuxDeviceCgroup]) -> Result<Vec<DeviceRule>> {
    rules.iter().map(DeviceRule::from_oci).collect()
}

/// The rules of a plan's spec (`linux.resources.devices`; none: no rules).
pub fn from_spec(spec: &Spec) -> Result<Vec<DeviceRule>> {
    let rules = spec
        .linux()
        .as_ref()
        .and_then(|l| l.resources().as_ref())
        .and_then(|r| r.devices().as_deref())
        .unwrap_or(&[]);
    from_oci(rules)
}

/// The rules that still matter: an `a` rule overrides everything before it.
fn after_last_total(rules: &[DeviceRule]) -> &[DeviceRule] {
    let start = rules.iter().rposition(DeviceRule::is_total).unwrap_or(0);
    &rules[start..]
}

/// The v1 writes for `rules`, in order: `(file, line)`. A list that does not start with an `a`
/// rule gets `deny a` first: a new v1 cgroup starts from its parent's (usually allow all),
/// and the list is an allow list.
pub fn v1_lines(rules: &[DeviceRule]) -> Vec<(&'static str, String)> {
    let rules = after_last_total(rules);
    let reset = match rules.first() {
        Some(r) if r.is_total() => None,
        _ => Some(DeviceRule::DENY_ALL.v1_line()),
    };
    reset
        .into_iter()
        .chain(rules.iter().map(DeviceRule::v1_line))
        .collect()
}

/// A set of devices a v1 cgroup that denies by default lets through (the kernel's
/// "exception"): allow rules for the same devices are merged into one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exception {
    block: bool,
    major: Option<u32>,
    minor: Option<u32>,
    access: u8,
}

impl Exception {
    fn covers(&self, block: bool, major: u32, minor: u32) -> bool {
        self.block == block
            && self.major.is_none_or(|m| m == major)
            && self.minor.is_none_or(|m| m == minor)
    }
}

/// What `rules` come to, as the v1 kernel keeps them: everything allowed (`None`), or only
/// the exceptions.
fn exceptions(rules: &[DeviceRule]) -> Option<Vec<Exception>> {
    let rules = after_last_total(rules);
    if rules.first().is_some_and(|r| r.allow && r.is_total()) {
        return None;
    }
    let mut out: Vec<Exception> = Vec::new();
    for r in rules.iter().filter(|r| r.allow && !r.is_total()) {
        let blocks: &[bool] = match r.kind {
            DeviceKind::Char => &[false],
            DeviceKind::Block => &[true],
            // Refused by `from_oci`; as v1 reads it, it would be both types.
            DeviceKind::All => &[false, true],
        };
        for &block in blocks {
            match out
                .iter_mut()
                .find(|e| e.block == block && e.major == r.major && e.minor == r.minor)
            {
                Some(e) => e.access |= r.access,
                None => out.push(Exception {
                    block,
                    major: r.major,
                    minor: r.minor,
                    access: r.access,
                }),
            }
        }
    }
    Some(out)
}

/// Whether `rules` let a process have `access` (what the kernel asks for at once: [`MKNOD`],
/// or [`READ`] and/or [`WRITE`] for an open) to a device, as the v1 controller decides: one
/// exception must cover the device and all of `access`. The reference the BPF program is
/// tested against.
pub fn allows(rules: &[DeviceRule], block: bool, major: u32, minor: u32, access: u8) -> bool {
    match exceptions(rules) {
        None => true,
        Some(ex) => ex
            .iter()
            .any(|e| e.covers(block, major, minor) && access & !e.access == 0),
    }
}

// ------------------------------------------------------------------------------------------
// The cgroup v2 form: a BPF_PROG_TYPE_CGROUP_DEVICE program.

/// One eBPF instruction (`struct bpf_insn`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BpfInsn {
    pub code: u8,
    /// `dst_reg` in the low nibble, `src_reg` in the high one.
    pub regs: u8,
    pub off: i16,
    pub imm: i32,
}

// Opcodes (<linux/bpf.h>, <linux/bpf_common.h>).
pub(crate) const LDX_MEM_W: u8 = 0x61; // dst = *(u32 *)(src + off)
pub(crate) const ALU32_AND_K: u8 = 0x54; // dst &= imm (32 bit)
pub(crate) const ALU32_RSH_K: u8 = 0x74; // dst >>= imm (32 bit)
pub(crate) const ALU32_XOR_K: u8 = 0xa4; // dst ^= imm (32 bit)
pub(crate) const ALU32_MOV_X: u8 = 0xbc; // dst = src (32 bit)
pub(crate) const ALU64_MOV_K: u8 = 0xb7; // dst = imm
pub(crate) const JMP32_JNE_K: u8 = 0x56; // if (u32)dst != imm: pc += off
pub(crate) const JMP_EXIT: u8 = 0x95;

// `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }`: the device type
// (BPF_DEVCG_DEV_BLOCK 1, _CHAR 2) in the low 16 bits of access_type, the access asked for in
// the high 16.
const CTX_ACCESS_TYPE: i16 = 0;
const CTX_MAJOR: i16 = 4;
const CTX_MINOR: i16 = 8;
pub const DEV_BLOCK: u32 = 1;
pub const DEV_CHAR: u32 = 2;

// Registers: the context comes in r1 (scratch once read), the verdict goes out in r0.
const R0: u8 = 0;
const SCRATCH: u8 = 1;
const TYPE: u8 = 2;
const ACCESS: u8 = 3;
const MAJOR: u8 = 4;
const MINOR: u8 = 5;

/// An instruction whose jump target is a label, resolved once the program is laid out.
enum Op {
    Insn(BpfInsn),
    /// `if (u32)reg != imm goto to`.
    JumpIfNot {
        reg: u8,
        imm: i32,
        to: usize,
    },
    Label(usize),
}

fn insn(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Op {
    Op::Insn(BpfInsn {
        code,
        regs: (src << 4) | dst,
        off,
        imm,
    })
}

fn verdict(allow: bool) -> [Op; 2] {
    [
        insn(ALU64_MOV_K, R0, 0, 0, i32::from(allow)),
        insn(JMP_EXIT, 0, 0, 0, 0),
    ]
}

/// Device numbers and access masks are compared as 32-bit values; the immediate carries their
/// bits.
fn imm(v: u32) -> i32 {
    i32::from_ne_bytes(v.to_ne_bytes())
}

/// The device program for `rules`: returns 1 (allow) or 0 (deny) as [`allows`] decides.
/// The exceptions are tested as a tree, by type, then major, then minor and access, with
/// forward jumps only and no unreachable instruction (the verifier refuses those):
///
/// ```text
///   load type, access, major, minor
///   type is char?   major is 1?   minor is 3?  return 1
///                                 minor is 5?  return 1 ...
///                   major is 5?   ...
///                   (any major)   access only m?  return 1
///   type is block?  ...
///   return 0
/// ```
///
/// Every comparison goes through a scratch copy that is xor'ed (or and'ed) with the value: an
/// ALU result is not linked to its source, so the four value registers never become known
/// constants, all paths into a label look alike to the verifier and it checks what follows
/// once. Verification is most of the cost of a load (about 1 µs an instruction here).
pub fn bpf_program(rules: &[DeviceRule]) -> Vec<BpfInsn> {
    let Some(exceptions) = exceptions(rules) else {
        return assemble(verdict(true).into());
    };
    let mut ops = vec![
        insn(LDX_MEM_W, TYPE, SCRATCH, CTX_ACCESS_TYPE, 0),
        insn(ALU32_AND_K, TYPE, 0, 0, 0xffff),
        insn(LDX_MEM_W, ACCESS, SCRATCH, CTX_ACCESS_TYPE, 0),
        insn(ALU32_RSH_K, ACCESS, 0, 0, 16),
        insn(LDX_MEM_W, MAJOR, SCRATCH, CTX_MAJOR, 0),
        insn(LDX_MEM_W, MINOR, SCRATCH, CTX_MINOR, 0),
    ];
    let mut labels = 0;
    let mut label = || {
        labels += 1;
        labels - 1
    };
    // Any exception that matches allows: their order does not matter, so they are grouped.
    let mut tree: BTreeMap<bool, BTreeMap<Option<u32>, Vec<&Exception>>> = BTreeMap::new();
    for e in &exceptions {
        tree.entry(e.block)
            .or_default()
            .entry(e.major)
            .or_default()
            .push(e);
    }
    for (block, majors) in tree {
        let other_type = label();
        let dev_type = if block { DEV_BLOCK } else { DEV_CHAR };
        differs(&mut ops, TYPE, ALU32_XOR_K, dev_type, other_type);
        for (major, exs) in majors {
            let other_major = label();
            if let Some(m) = major {
                differs(&mut ops, MAJOR, ALU32_XOR_K, m, other_major);
            }
            for e in exs {
                let next = label();
                if let Some(m) = e.minor {
                    differs(&mut ops, MINOR, ALU32_XOR_K, m, next);
                }
                if e.access != RWM {
                    // Nothing asked for outside the exception's access.
                    let outside = u32::from(!e.access & RWM);
                    differs(&mut ops, ACCESS, ALU32_AND_K, outside, next);
                }
                ops.extend(verdict(true));
                ops.push(Op::Label(next));
            }
            ops.push(Op::Label(other_major));
        }
        ops.push(Op::Label(other_type));
    }
    ops.extend(verdict(false));
    assemble(ops)
}

/// `if ((u32)reg OP value) != 0 goto to`, through the scratch register.
fn differs(ops: &mut Vec<Op>, reg: u8, op: u8, value: u32, to: usize) {
    ops.push(insn(ALU32_MOV_X, SCRATCH, reg, 0, 0));
    ops.push(insn(op, SCRATCH, 0, 0, imm(value)));
    ops.push(Op::JumpIfNot {
        reg: SCRATCH,
        imm: 0,
        to,
    });
}

/// Drop what cannot be reached (code after an exception that matches whatever is asked, or
/// after the whole type is allowed), then lay out the rest, turning label jumps into relative
/// offsets.
fn assemble(ops: Vec<Op>) -> Vec<BpfInsn> {
    let label_at: BTreeMap<usize, usize> = ops
        .iter()
        .enumerate()
        .filter_map(|(i, op)| match op {
            Op::Label(l) => Some((*l, i)),
            _ => None,
        })
        .collect();
    let mut reached = vec![false; ops.len()];
    let mut todo = vec![0usize];
    while let Some(i) = todo.pop() {
        if i >= ops.len() || reached[i] {
            continue;
        }
        reached[i] = true;
        match &ops[i] {
            Op::Insn(x) if x.code == JMP_EXIT => {}
            Op::JumpIfNot { to, .. } => {
                todo.push(i + 1);
                todo.extend(label_at.get(to));
            }
            _ => todo.push(i + 1),
        }
    }
    let ops: Vec<Op> = ops
        .into_iter()
        .zip(reached)
        .filter(|(op, r)| *r || matches!(op, Op::Label(_)))
        .map(|(op, _)| op)
        .collect();
    let mut at = BTreeMap::new();
    let mut pc = 0;
    for op in &ops {
        match op {
            Op::Label(l) => {
                at.insert(*l, pc);
            }
            _ => pc += 1,
        }
    }
    let mut out = Vec::with_capacity(pc);
    for op in ops {
        match op {
            Op::Insn(i) => out.push(i),
            Op::JumpIfNot { reg, imm, to } => {
                // Forward only: the target is at or after the next instruction.
                let target = at.get(&to).copied().unwrap_or(pc);
                let off = target.saturating_sub(out.len() + 1);
                out.push(BpfInsn {
                    code: JMP32_JNE_K,
                    regs: reg,
                    off: i16::try_from(off).unwrap_or(i16::MAX),
                    imm,
                });
            }
            Op::Label(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone_rules() -> Vec<DeviceRule> {
        let mut r = vec![DeviceRule::DENY_ALL];
        r.extend(STANDARD);
        r.push(DeviceRule::allow_node(DeviceKind::Block, 7, 0));
        r
    }

    /// Every character device allowed, then rules it makes redundant (dead code if emitted).
    fn every_char_then_more() -> Vec<DeviceRule> {
        let every_char = DeviceRule {
            major: None,
            ..DeviceRule::allow_char(0, None)
        };
        vec![
            DeviceRule::DENY_ALL,
            DeviceRule::allow_char(1, Some(3)),
            every_char,
            DeviceRule::allow_char(136, None),
            DeviceRule::allow_node(DeviceKind::Block, 7, 0),
        ]
    }

    /// What r1 holds at the start: stands for the context pointer.
    const CTX_PTR: u64 = 0xc7c7_0000;

    /// A small interpreter for the instructions `bpf_program` emits, run on one request the
    /// way the kernel would: the verdict in r0.
    fn run(prog: &[BpfInsn], dev_type: u32, access: u32, major: u32, minor: u32) -> u64 {
        let ctx = [dev_type | (access << 16), major, minor];
        let mut reg = [0u64; 11];
        reg[1] = CTX_PTR;
        let mut pc = 0usize;
        for _ in 0..10_000 {
            let i = prog[pc];
            let (dst, src) = ((i.regs & 0xf) as usize, (i.regs >> 4) as usize);
            pc += 1;
            let jump = |pc: &mut usize, cond: bool| {
                if cond {
                    *pc = (*pc as i64 + i64::from(i.off)) as usize;
                }
            };
            match i.code {
                LDX_MEM_W => {
                    assert_eq!(reg[src], CTX_PTR, "loads only from the context");
                    reg[dst] = u64::from(ctx[(i.off / 4) as usize]);
                }
                ALU32_AND_K => reg[dst] = u64::from(reg[dst] as u32 & i.imm as u32),
                ALU32_RSH_K => reg[dst] = u64::from((reg[dst] as u32) >> i.imm),
                ALU32_XOR_K => reg[dst] = u64::from(reg[dst] as u32 ^ i.imm as u32),
                ALU32_MOV_X => reg[dst] = u64::from(reg[src] as u32),
                ALU64_MOV_K => reg[dst] = i.imm as i64 as u64,
                JMP32_JNE_K => jump(&mut pc, reg[dst] as u32 != i.imm as u32),
                JMP_EXIT => return reg[0],
                other => panic!("unexpected opcode {other:#x}"),
            }
        }
        panic!("program did not exit");
    }

    /// Every access the kernel asks a program about (one of mknod, read, write, read+write)
    /// on every interesting device gives the verdict of `allows`.
    fn check_against_reference(rules: &[DeviceRule]) {
        let prog = bpf_program(rules);
        let devices = [
            (false, 1, 3),
            (false, 1, 4),
            (false, 5, 2),
            (false, 136, 7),
            (false, 137, 0),
            (false, 4, 65),
            (true, 7, 0),
            (true, 8, 0),
            (true, 1, 3),
            (false, 0xffff_ffff, 0x8000_0000),
        ];
        for (block, major, minor) in devices {
            for access in [MKNOD, READ, WRITE, READ | WRITE] {
                let want = allows(rules, block, major, minor, access);
                let dev_type = if block { DEV_BLOCK } else { DEV_CHAR };
                let got = run(&prog, dev_type, u32::from(access), major, minor);
                assert_eq!(
                    got,
                    u64::from(want),
                    "{rules:?}: block={block} {major}:{minor} access={access}"
                );
            }
        }
    }

    #[test]
    fn program_agrees_with_the_rules() {
        check_against_reference(&zone_rules());
        check_against_reference(&[DeviceRule::DENY_ALL]);
        check_against_reference(&[]);
        // Allow all, also after a deny; a deny all after allows.
        let allow_all = DeviceRule {
            allow: true,
            ..DeviceRule::DENY_ALL
        };
        check_against_reference(&[DeviceRule::DENY_ALL, allow_all]);
        check_against_reference(&[allow_all, DeviceRule::allow_char(1, Some(3))]);
        check_against_reference(&[DeviceRule::allow_char(1, Some(3)), DeviceRule::DENY_ALL]);
        // Read and write granted for the same device by two rules: merged, as v1 does, so
        // read-write opens. Granted by rules for different sets, it does not (v1 asks one
        // exception for everything).
        let part = |access, minor| DeviceRule {
            access,
            ..DeviceRule::allow_char(4, minor)
        };
        let rw = u32::from(READ | WRITE);
        let merged = [
            DeviceRule::DENY_ALL,
            part(READ, Some(65)),
            part(WRITE, Some(65)),
        ];
        check_against_reference(&merged);
        assert_eq!(run(&bpf_program(&merged), DEV_CHAR, rw, 4, 65), 1);
        let split = [
            DeviceRule::DENY_ALL,
            part(READ, None),
            part(WRITE, Some(65)),
        ];
        check_against_reference(&split);
        assert_eq!(run(&bpf_program(&split), DEV_CHAR, rw, 4, 65), 0);
        assert_eq!(
            run(&bpf_program(&split), DEV_CHAR, u32::from(WRITE), 4, 65),
            1
        );
        // A list without `deny a` is an allow list too.
        check_against_reference(&[DeviceRule::allow_char(1, Some(3))]);
        check_against_reference(&every_char_then_more());
        // Numbers with the top bit set are compared as unsigned 32-bit values.
        check_against_reference(&[
            DeviceRule::DENY_ALL,
            DeviceRule::allow_char(0xffff_ffff, Some(0x8000_0000)),
        ]);
    }

    #[test]
    fn zone_program_verdicts() {
        let p = bpf_program(&zone_rules());
        let (r, w, m, rw) = (
            u32::from(READ),
            u32::from(WRITE),
            u32::from(MKNOD),
            u32::from(READ | WRITE),
        );
        assert_eq!(run(&p, DEV_CHAR, rw, 1, 3), 1, "/dev/null");
        assert_eq!(run(&p, DEV_CHAR, rw, 136, 12), 1, "a pty");
        assert_eq!(run(&p, DEV_CHAR, r, 1, 1), 0, "/dev/mem");
        assert_eq!(run(&p, DEV_BLOCK, rw, 8, 0), 0, "a disk");
        assert_eq!(run(&p, DEV_BLOCK, m, 8, 0), 1, "mknod of a disk");
        assert_eq!(run(&p, DEV_BLOCK, w, 7, 0), 1, "the matched device");
        assert_eq!(run(&p, DEV_CHAR, w, 7, 0), 0, "same numbers, other type");
    }

    #[test]
    fn program_has_no_dead_code_and_jumps_forward() {
        for rules in [
            zone_rules(),
            vec![DeviceRule::DENY_ALL],
            vec![],
            vec![DeviceRule::allow_char(1, Some(3))],
            every_char_then_more(),
        ] {
            let p = bpf_program(&rules);
            let mut reached = vec![false; p.len()];
            let mut todo = vec![0usize];
            while let Some(pc) = todo.pop() {
                if pc >= p.len() || reached[pc] {
                    assert!(pc < p.len(), "{rules:?}: falls off the end");
                    continue;
                }
                reached[pc] = true;
                let i = p[pc];
                match i.code {
                    JMP_EXIT => {}
                    JMP32_JNE_K => {
                        assert!(i.off >= 0);
                        todo.push(pc + 1);
                        todo.push(pc + 1 + i.off as usize);
                    }
                    _ => todo.push(pc + 1),
                }
            }
            assert!(reached.iter().all(|r| *r), "{rules:?}: unreachable code");
        }
        // Rules before the last `a` are left out.
        let short = bpf_program(&[DeviceRule::DENY_ALL]);
        let long = bpf_program(&[DeviceRule::allow_char(1, Some(3)), DeviceRule::DENY_ALL]);
        assert_eq!(short, long);
    }

    #[test]
    fn v1_lines_of_the_zone_list() {
        let lines = v1_lines(&zone_rules());
        let text: Vec<String> = lines.iter().map(|(f, l)| format!("{f} {l}")).collect();
        assert_eq!(
            text,
            [
                "devices.deny a",
                "devices.allow c *:* m",
                "devices.allow b *:* m",
                "devices.allow c 1:3 rwm",
                "devices.allow c 1:5 rwm",
                "devices.allow c 1:7 rwm",
                "devices.allow c 1:8 rwm",
                "devices.allow c 1:9 rwm",
                "devices.allow c 5:0 rwm",
                "devices.allow c 5:1 rwm",
                "devices.allow c 5:2 rwm",
                "devices.allow c 136:* rwm",
                "devices.allow b 7:0 rwm",
            ]
        );
        let lines = v1_lines(&[DeviceRule::allow_char(1, Some(3)), DeviceRule::DENY_ALL]);
        assert_eq!(lines, [("devices.deny", "a".to_string())]);
        // An allow list without `deny a` gets it first.
        let lines = v1_lines(&[DeviceRule::allow_char(1, Some(3))]);
        assert_eq!(
            lines,
            [
                ("devices.deny", "a".to_string()),
                ("devices.allow", "c 1:3 rwm".to_string())
            ]
        );
    }

    #[test]
    fn oci_round_trip_and_refusals() {
        for r in zone_rules() {
            assert_eq!(DeviceRule::from_oci(&r.to_oci()).unwrap(), r);
        }
        let oci: LinuxDeviceCgroup =
            serde_json::from_str(r#"{"allow": false, "access": "rwm"}"#).unwrap();
        assert_eq!(DeviceRule::from_oci(&oci).unwrap(), DeviceRule::DENY_ALL);
        let oci: LinuxDeviceCgroup =
            serde_json::from_str(r#"{"allow": true, "type": "c", "major": 10, "access": "rw"}"#)
                .unwrap();
        let r = DeviceRule::from_oci(&oci).unwrap();
        assert_eq!(r.v1_line().1, "c 10:* rw");
        for (json, why) in [
            (
                r#"{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "w"}"#,
                "only `deny a`",
            ),
            (r#"{"allow": true, "type": "a", "major": 1}"#, "type a"),
            (r#"{"allow": true, "type": "c", "access": "rx"}"#, "access"),
            (r#"{"allow": true, "type": "c", "major": -1}"#, "range"),
            (r#"{"allow": true, "type": "p"}"#, "fifo"),
        ] {
            let oci: LinuxDeviceCgroup = serde_json::from_str(json).unwrap();
            let e = DeviceRule::from_oci(&oci).unwrap_err();
            assert!(
                matches!(e, CgroupError::InvalidDeviceRule { .. }) && e.to_string().contains(why),
                "{json}: {e}"
            );
        }
    }
}
