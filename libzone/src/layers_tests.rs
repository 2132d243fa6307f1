//! The module graph of libzone has no cycles: at every level of the tree, no module uses a
//! sibling that uses it back, directly or through others. Read from the sources: every
//! `crate::`, `super::` and `self::` path (in `use` lines and in code, comments left out)
//! names the module it reaches; an edge `a → b` between two children of one parent means some
//! file under `a` names something under `b`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Cycles between the files of one module that exist today (an error type and the parser that
/// returns it, a store's crash points and its writers). None crosses the top level or the
/// runtime. `(parent module, the files of the cycle)`: a cycle among some of them is let
/// through; one that takes in any other module fails the test, so the list only shrinks.
const KNOWN_CYCLES: &[(&str, &[&str])] = &[
    ("pool", &["error", "info", "model", "props", "xml"]),
    ("store", &["atomic", "index", "recover", "templates"]),
    ("zonecfg", &["complete", "session"]),
];

type ModPath = Vec<String>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        panic!("cannot read {}", dir.display());
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module a file defines: `runtime/kernel/sys.rs` → `runtime::kernel::sys`,
/// `runtime/kernel/mod.rs` → `runtime::kernel`, `lib.rs` → the crate root.
fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap_or(file).with_extension("");
    let mut parts: ModPath = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The text without comments (line, doc and block comments), string and char literals
/// blanked so nothing inside them reads as a path.
fn code_only(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&b, i) {
            // Raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < b.len() {
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a): skip only the former.
            let close = if next == Some('\\') {
                (i + 2..b.len().min(i + 12)).find(|&k| b[k] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(k) => {
                    out.push_str("' '");
                    i = k + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(b: &[char], i: usize) -> bool {
    i > 0 && (b[i - 1].is_alphanumeric() || b[i - 1] == '_')
}

/// Every path tree rooted at `crate::`, `super::` or `self::`, flattened and made absolute
/// (`use crate::{a::b, c}` → `a::b`, `c`; `super::x` from `p::q` → `p::x`).
fn paths_in(code: &str, module: &ModPath) -> Vec<ModPath> {
    let b: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if ident_before(&b, i) || (i > 0 && b[i - 1] == ':') {
            i += 1;
            continue;
        }
        let rest: String = b[i..b.len().min(i + 7)].iter().collect();
        let base = if rest.starts_with("crate::") {
            i += "crate::".len();
            Some(Vec::new())
        } else if rest.starts_with("super::") || rest.starts_with("self::") {
            // `self` of `p::q` (a file `p/q.rs` or `p/q/mod.rs`) is `p::q`, `super` is `p`;
            // chains (`super::super::`) climb further.
            let mut m = module.clone();
            loop {
                let rest: String = b[i..b.len().min(i + 7)].iter().collect();
                if rest.starts_with("super::") {
                    m.pop();
                    i += "super::".len();
                } else if rest.starts_with("self::") {
                    i += "self::".len();
                } else {
                    break;
                }
            }
            Some(m)
        } else {
            None
        };
        match base {
            Some(prefix) => {
                let mut trees = Vec::new();
                i = parse_tree(&b, i, prefix, &mut trees);
                found.extend(trees);
            }
            None => i += 1,
        }
    }
    found
}

/// Parse `ident(::ident)*` optionally ending in `::{tree, tree}` from `i`; push each leaf path
/// (every prefix counts: naming `a::b` uses module `a`). Returns the index after the tree.
fn parse_tree(b: &[char], mut i: usize, mut prefix: ModPath, out: &mut Vec<ModPath>) -> usize {
    loop {
        skip_ws(b, &mut i);
        if b.get(i) == Some(&'{') {
            i += 1;
            loop {
                skip_ws(b, &mut i);
                match b.get(i) {
                    Some('}') => {
                        i += 1;
                        break;
                    }
                    Some(',') => i += 1,
                    None => break,
                    _ => {
                        let before = i;
                        i = parse_tree(b, i, prefix.clone(), out);
                        if i == before {
                            i += 1;
                        }
                    }
                }
            }
            return i;
        }
        let start = i;
        while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
            i += 1;
        }
        if i == start {
            out.push(prefix);
            return i;
        }
        let ident: String = b[start..i].iter().collect();
        if ident != "self" {
            prefix.push(ident);
        }
        if b.get(i) == Some(&':') && b.get(i + 1) == Some(&':') {
            i += 2;
        } else {
            out.push(prefix);
            return i;
        }
    }
}

fn skip_ws(b: &[char], i: &mut usize) {
    while *i < b.len() && b[*i].is_whitespace() {
        *i += 1;
    }
}

/// For every parent module, the edges between its children: `parent → {(from, to)}`.
fn sibling_edges(src: &Path) -> BTreeMap<ModPath, BTreeSet<(String, String)>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    assert!(files.len() > 20, "too few sources under {}", src.display());
    let mut edges: BTreeMap<ModPath, BTreeSet<(String, String)>> = BTreeMap::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let module = module_of(src, f);
        for target in paths_in(&code_only(&text), &module) {
            // The first level where the two paths part: siblings under the common parent.
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common < module.len() && common < target.len() {
                edges
                    .entry(module[..common].to_vec())
                    .or_default()
                    .insert((module[common].clone(), target[common].clone()));
            }
        }
    }
    edges
}

/// The strongly connected components with more than one member (Tarjan's algorithm).
fn cycles(edges: &BTreeSet<(String, String)>) -> Vec<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        next.entry(a).or_default().push(b);
        next.entry(b).or_default();
    }
    struct Walk<'a> {
        next: &'a BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(w: &mut Walk<'a>, v: &'a str) {
        let n = w.index.len();
        w.index.insert(v, n);
        w.low.insert(v, n);
        w.stack.push(v);
        w.on_stack.insert(v);
        for &u in &w.next[v] {
            if !w.index.contains_key(u) {
                visit(w, u);
                let lu = w.low[u];
                if let Some(l) = w.low.get_mut(v) {
                    *l = (*l).min(lu);
                }
            } else if w.on_stack.contains(u) {
                let iu = w.index[u];
                if let Some(l) = w.low.get_mut(v) {
                    *l = (*l).min(iu);
                }
            }
        }
        if w.low[v] == w.index[v] {
            let mut comp = Vec::new();
            while let Some(u) = w.stack.pop() {
                w.on_stack.remove(u);
                comp.push(u.to_string());
                if u == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                w.found.push(comp);
            }
        }
    }
    let mut w = Walk {
        next: &next,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for &v in next.keys() {
        if !w.index.contains_key(v) {
            visit(&mut w, v);
        }
    }
    w.found
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let mut bad = Vec::new();
    for (parent, edges) in sibling_edges(&src_dir()) {
        for comp in cycles(&edges) {
            let parent = parent.join("::");
            let known = KNOWN_CYCLES
                .iter()
                .any(|(p, c)| *p == parent && comp.iter().all(|m| c.contains(&m.as_str())));
            if !known {
                let arrows: Vec<String> = edges
                    .iter()
                    .filter(|(a, b)| comp.contains(a) && comp.contains(b))
                    .map(|(a, b)| format!("{a} → {b}"))
                    .collect();
                bad.push(format!("in `{parent}`: {}", arrows.join(", ")));
            }
        }
    }
    assert!(bad.is_empty(), "import cycles:\n  {}", bad.join("\n  "));
}

#[test]
fn the_runtime_layers_point_down() {
    let edges = sibling_edges(&src_dir());
    let top = &edges[&Vec::<String>::new()];
    for low in ["store", "pool", "plan", "cgroup", "config"] {
        for high in ["runtime", "admin"] {
            assert!(
                !top.contains(&(low.to_string(), high.to_string())),
                "{low} uses {high}"
            );
        }
    }
    let runtime = &edges[&vec!["runtime".to_string()]];
    // Below: kernel ← platform ← supervisor ← enter; init stands on kernel alone.
    let order = ["kernel", "platform", "supervisor", "enter"];
    for (a, b) in runtime {
        if a == "init" {
            assert_eq!(b, "kernel", "init uses {b}");
            continue;
        }
        let rank = |m: &str| order.iter().position(|x| *x == m);
        match (rank(a), rank(b)) {
            (Some(ra), Some(rb)) => assert!(ra > rb, "runtime::{a} uses runtime::{b}"),
            _ => panic!("runtime::{a} uses runtime::{b}"),
        }
    }
    // These are edges the real tree has: the reader did not miss them.
    for (a, b) in [
        ("supervisor", "platform"),
        ("platform", "kernel"),
        ("enter", "kernel"),
    ] {
        assert!(
            runtime.contains(&(a.into(), b.into())),
            "{a} → {b} not seen"
        );
    }
    assert!(top.contains(&("admin".into(), "runtime".into())));
    assert!(top.contains(&("runtime".into(), "pool".into())));
}

#[test]
fn the_reader_sees_every_kind_of_path() {
    let m: ModPath = vec!["runtime".into(), "platform".into(), "zone".into()];
    let code = code_only(
        "use crate::{store::record::{self, RunDir}, plan};\n\
         // use crate::admin::x;\n\
         /* crate::pool */ let s = \"crate::cgroup\";\n\
         let c = '{'; fn f<'a>(x: &'a str) {}\n\
         use super::super::kernel::sys;\n\
         let x = crate::host::probe();\n",
    );
    let got: BTreeSet<String> = paths_in(&code, &m)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    let want: BTreeSet<String> = [
        "store::record",
        "store::record::RunDir",
        "plan",
        "runtime::kernel::sys",
        "host::probe",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(got, want);

    let edges: BTreeSet<(String, String)> = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(cycles(&edges), vec![vec!["a", "b", "c"]]);
}
