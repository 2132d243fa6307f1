//! Tab completion for interactive zonecfg, as libtecla gives Solaris' zonecfg: the commands
//! of the current scope (global or resource), resource types after `add`, `select`, `remove`
//! and `info`, property names after `set` and `clear` (the zone's at global scope, the
//! resource's inside one), and the values of properties that take one of a fixed set
//! (`ip-type`, `autoboot`, the brands, attr types, rctl names, admin authorizations,
//! security flags).
//!
//! Every candidate comes from the language's own tables ([`CmdKind`], [`ResourceType`],
//! [`PropName`], the brands, the value checks), so completion offers exactly what the parser
//! and the session accept. This is pure: the line editor asks, this answers.

use crate::brand;
use crate::config::keywords::property_invalid_for_global_zone;
use crate::config::keywords::{PropName, ResourceType};
use crate::config::model::{AutoShutdown, IpType};
use crate::config::{anet, rctl, verify};
use crate::zonecfg::command::CmdKind;

/// What completion needs to know of the session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Context {
    /// The resource being edited, if a resource scope is open.
    pub resource: Option<ResourceType>,
    /// The session edits the global zone, which has fewer properties and resources.
    pub global_zone: bool,
}

/// One way to complete the word under the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub word: String,
    /// What follows the word once it is complete: `=` after a property to set, a space
    /// after anything else.
    pub suffix: &'static str,
}

impl Candidate {
    fn new(word: &str, suffix: &'static str) -> Candidate {
        Candidate {
            word: word.to_string(),
            suffix,
        }
    }

    /// The text that replaces the partial word.
    pub fn replacement(&self) -> String {
        format!("{}{}", self.word, self.suffix)
    }

    /// How the candidate is listed (a property to set shows its `=`).
    pub fn display(&self) -> String {
        if self.suffix == "=" {
            self.replacement()
        } else {
            self.word.clone()
        }
    }
}

/// The candidates for the word that ends at the cursor, and where that word starts (a byte
/// offset into the line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    pub start: usize,
    pub candidates: Vec<Candidate>,
}

const WORD: &str = " ";
const ASSIGN: &str = "=";

/// Completes the word before byte `pos` of `line`.
pub fn complete(line: &str, pos: usize, ctx: &Context) -> Completion {
    let Some(head) = line.get(..pos) else {
        return Completion::default();
    };
    let Some(cmd_start) = command_start(head) else {
        // Inside a quoted string: nothing to offer.
        return Completion::default();
    };
    let segment = &head[cmd_start..];
    let word_start = segment.rfind([' ', '\t']).map_or(0, |i| i + 1);
    let partial = &segment[word_start..];
    let words: Vec<&str> = segment[..word_start].split_whitespace().collect();
    let start = cmd_start + word_start;
    let (start, partial, candidates) = match partial.split_once('=') {
        Some((prop, value)) => (
            start + prop.len() + 1,
            value,
            value_candidates(&words, prop, ctx),
        ),
        None => (start, partial, word_candidates(&words, ctx)),
    };
    let mut candidates: Vec<Candidate> = candidates
        .into_iter()
        .filter(|c| c.word.starts_with(partial))
        .collect();
    candidates.sort_by(|a, b| a.word.cmp(&b.word));
    candidates.dedup_by(|a, b| a.word == b.word);
    Completion { start, candidates }
}

/// Where the command the cursor is in begins: after the last `;` that is not inside double
/// quotes. `None` when the cursor is inside an open quote.
fn command_start(head: &str) -> Option<usize> {
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in head.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => start = i + 1,
            _ => {}
        }
    }
    (!quoted).then_some(start)
}

/// Candidates for a word that is not a value: `words` are the complete words before it.
fn word_candidates(words: &[&str], ctx: &Context) -> Vec<Candidate> {
    let Some(first) = words.first() else {
        return commands(ctx);
    };
    let Some(kind) = CmdKind::parse(first) else {
        return Vec::new();
    };
    // Options (`remove -F`, `set -F`) do not count as arguments.
    let args: Vec<&str> = words[1..]
        .iter()
        .copied()
        .filter(|w| !w.starts_with('-'))
        .collect();
    match (kind, ctx.resource) {
        (CmdKind::Add, None) if args.is_empty() => resources(ctx),
        (CmdKind::Add | CmdKind::Remove, Some(rt)) => match args.as_slice() {
            [] => props(rt.list_properties(), WORD),
            [prop] => PropName::parse(prop)
                .map(|p| values(Some(rt), p))
                .unwrap_or_default(),
            _ => Vec::new(),
        },
        (CmdKind::Select | CmdKind::Remove | CmdKind::Info, None) => match args.as_slice() {
            [] => {
                let mut c = resources(ctx);
                if kind == CmdKind::Info {
                    c.extend(global_props(ctx, WORD, |_| true));
                }
                c
            }
            // Filters: `select fs dir=...`.
            [rt, ..] if args.len() <= 3 => ResourceType::parse(rt)
                .map(|rt| props(rt.properties(), ASSIGN))
                .unwrap_or_default(),
            _ => Vec::new(),
        },
        (CmdKind::Set, None) if args.is_empty() => global_props(ctx, ASSIGN, |_| true),
        (CmdKind::Set, Some(rt)) if args.is_empty() => props(rt.properties(), ASSIGN),
        (CmdKind::Clear, None) if args.is_empty() => {
            global_props(ctx, WORD, PropName::may_be_cleared)
        }
        (CmdKind::Clear, Some(rt)) if args.is_empty() => props(rt.properties(), WORD),
        (CmdKind::Help, _) if args.is_empty() => {
            let mut c: Vec<Candidate> = ["commands", "syntax", "usage"]
                .iter()
                .map(|t| Candidate::new(t, WORD))
                .collect();
            c.extend(
                CmdKind::ALL
                    .iter()
                    .map(|k| Candidate::new(k.as_str(), WORD)),
            );
            c
        }
        _ => Vec::new(),
    }
}

/// Candidates for the value after `prop=` in the command made of `words`.
fn value_candidates(words: &[&str], prop: &str, ctx: &Context) -> Vec<Candidate> {
    let Some(prop) = PropName::parse(prop) else {
        return Vec::new();
    };
    let Some(kind) = words.first().and_then(|w| CmdKind::parse(w)) else {
        return Vec::new();
    };
    match kind {
        CmdKind::Set => values(ctx.resource, prop),
        // A filter names a property of the resource type given before it.
        CmdKind::Select | CmdKind::Remove | CmdKind::Info if ctx.resource.is_none() => words
            .iter()
            .find_map(|w| ResourceType::parse(w))
            .map(|rt| values(Some(rt), prop))
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The commands of the current scope.
fn commands(ctx: &Context) -> Vec<Candidate> {
    CmdKind::ALL
        .iter()
        .filter(|k| k.offered_in(ctx.resource.is_some()))
        .map(|k| Candidate::new(k.as_str(), WORD))
        .collect()
}

/// The resource types the zone can have.
fn resources(ctx: &Context) -> Vec<Candidate> {
    ResourceType::ALL
        .iter()
        .filter(|rt| !ctx.global_zone || rt.valid_in_global_zone())
        .map(|rt| Candidate::new(rt.as_str(), WORD))
        .collect()
}

/// The zone's own properties (aliased rctls included) that pass `keep`.
fn global_props(
    ctx: &Context,
    suffix: &'static str,
    keep: impl Fn(PropName) -> bool,
) -> Vec<Candidate> {
    PropName::ALL
        .iter()
        .copied()
        .filter(|p| p.is_global() && keep(*p))
        .filter(|p| !(ctx.global_zone && property_invalid_for_global_zone(*p)))
        .map(|p| Candidate::new(p.as_str(), suffix))
        .collect()
}

fn props(list: impl Iterator<Item = PropName>, suffix: &'static str) -> Vec<Candidate> {
    list.map(|p| Candidate::new(p.as_str(), suffix)).collect()
}

/// The values `prop` can take when they are a fixed set (`rt` is the resource it belongs
/// to, `None` for the zone's own properties); empty for free-form values.
fn values(rt: Option<ResourceType>, prop: PropName) -> Vec<Candidate> {
    let words: Vec<String> = match (rt, prop) {
        // `set autoboot=` takes exactly these (zonecfg refuses anything else).
        (None, PropName::Autoboot) => vec!["false".into(), "true".into()],
        (None, PropName::IpType) => IpType::ALL.iter().map(|t| t.as_str().into()).collect(),
        // `suspend` is refused as not supported, so it is not offered.
        (None, PropName::Autoshutdown) => AutoShutdown::ALL
            .iter()
            .map(|a| a.as_str().into())
            .collect(),
        (Some(ResourceType::Anet), PropName::LowerLink) => vec![anet::AUTO.into()],
        (Some(ResourceType::Anet), PropName::MacAddress) => {
            vec![anet::AUTO.into(), "random".into()]
        }
        (Some(ResourceType::Anet), PropName::ConfigureAllowedAddress) => {
            vec!["false".into(), "true".into()]
        }
        (None, PropName::Brand) => brand::all().into_iter().map(|b| b.name).collect(),
        (Some(ResourceType::Attr), PropName::Type) => {
            verify::ATTR_TYPES.iter().map(|t| t.to_string()).collect()
        }
        (Some(ResourceType::Rctl), PropName::Name) => rctl::ZONE_RCTLS
            .iter()
            .map(|r| r.name.to_string())
            .collect(),
        (Some(ResourceType::Admin), PropName::Auths) => {
            verify::ZONE_AUTHS.iter().map(|a| a.to_string()).collect()
        }
        (
            Some(ResourceType::SecurityFlags),
            PropName::Lower | PropName::Default | PropName::Upper,
        ) => verify::SECURITY_FLAGS
            .iter()
            .map(|f| f.to_string())
            .collect(),
        _ => Vec::new(),
    };
    words.iter().map(|w| Candidate::new(w, WORD)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLOBAL: Context = Context {
        resource: None,
        global_zone: false,
    };

    fn in_resource(rt: ResourceType) -> Context {
        Context {
            resource: Some(rt),
            global_zone: false,
        }
    }

    /// The candidates' display texts for `line` with the cursor at its end.
    fn shown(line: &str, ctx: &Context) -> Vec<String> {
        complete(line, line.len(), ctx)
            .candidates
            .iter()
            .map(Candidate::display)
            .collect()
    }

    #[test]
    fn commands_per_scope() {
        assert_eq!(
            shown("", &GLOBAL),
            [
                "add", "clear", "commit", "create", "delete", "exit", "export", "help", "info",
                "remove", "revert", "select", "set", "verify"
            ]
        );
        assert_eq!(
            shown("", &in_resource(ResourceType::Fs)),
            ["add", "cancel", "clear", "end", "exit", "help", "info", "remove", "set"]
        );
        assert_eq!(shown("c", &GLOBAL), ["clear", "commit", "create"]);
        assert_eq!(
            shown("c", &in_resource(ResourceType::Net)),
            ["cancel", "clear"]
        );
        // After a `;` a new command starts; inside quotes nothing is offered.
        assert_eq!(shown("set autoboot=true; co", &GLOBAL), ["commit"]);
        assert!(shown("set bootargs=\"a; co", &GLOBAL).is_empty());
        // A unique completion replaces the word and adds a space.
        let c = complete("  cr", 4, &GLOBAL);
        assert_eq!(c.start, 2);
        assert_eq!(c.candidates[0].replacement(), "create ");
    }

    #[test]
    fn resource_types() {
        let all: Vec<&str> = {
            let mut v: Vec<&str> = ResourceType::ALL.iter().map(|r| r.as_str()).collect();
            v.sort();
            v
        };
        for cmd in ["add ", "select ", "remove ", "remove -F "] {
            assert_eq!(shown(cmd, &GLOBAL), all, "{cmd}");
        }
        assert_eq!(
            shown("add capped-", &GLOBAL),
            ["capped-cpu", "capped-memory"]
        );
        // info also names the zone's properties.
        assert_eq!(
            shown("info a", &GLOBAL),
            ["admin", "anet", "attr", "autoboot", "autoshutdown"]
        );
        // The global zone has only some resources.
        let gz = Context {
            resource: None,
            global_zone: true,
        };
        assert_eq!(
            shown("add ", &gz),
            [
                "admin",
                "capped-cpu",
                "capped-memory",
                "dedicated-cpu",
                "rctl",
                "security-flags"
            ]
        );
        // Filters after the resource type are its properties.
        assert_eq!(shown("select attr n", &GLOBAL), ["name="]);
        assert!(shown("add fs d", &GLOBAL).is_empty());
    }

    #[test]
    fn property_names() {
        assert_eq!(
            shown("set max-s", &GLOBAL),
            ["max-sem-ids=", "max-shm-ids=", "max-shm-memory="]
        );
        let c = complete("set zonep", 9, &GLOBAL);
        assert_eq!(
            (c.start, c.candidates[0].replacement()),
            (4, "zonepath=".into())
        );
        assert_eq!(
            shown("set ", &in_resource(ResourceType::Fs)),
            ["dir=", "options=", "raw=", "special=", "type="]
        );
        // The zone's name, path and brand cannot be cleared, so they are not offered.
        let clear = shown("clear ", &GLOBAL);
        assert!(clear.contains(&"autoboot".to_string()));
        assert!(!clear.iter().any(|p| p == "zonepath" || p == "brand"));
        assert_eq!(shown("clear r", &in_resource(ResourceType::Fs)), ["raw"]);
        // Inside a resource, add and remove take its list properties.
        assert_eq!(shown("add ", &in_resource(ResourceType::Fs)), ["options"]);
        assert_eq!(
            shown("remove ", &in_resource(ResourceType::Rctl)),
            ["value"]
        );
        assert!(shown("add ", &in_resource(ResourceType::Net)).is_empty());
        let gz = Context {
            resource: None,
            global_zone: true,
        };
        assert!(!shown("set ", &gz).contains(&"zonepath=".to_string()));
        assert!(shown("set ", &gz).contains(&"cpu-shares=".to_string()));
    }

    #[test]
    fn values_of_enumerations() {
        assert_eq!(shown("set ip-type=", &GLOBAL), ["exclusive", "shared"]);
        let c = complete("set ip-type=ex", 14, &GLOBAL);
        assert_eq!(
            (c.start, c.candidates[0].replacement()),
            (12, "exclusive ".into())
        );
        assert_eq!(shown("set autoboot=", &GLOBAL), ["false", "true"]);
        let brands: Vec<String> = {
            let mut b: Vec<String> = brand::all().into_iter().map(|b| b.name).collect();
            b.sort();
            b
        };
        assert_eq!(shown("set brand=", &GLOBAL), brands);
        assert!(brands.contains(&"sparse".to_string()));
        assert_eq!(
            shown("set type=", &in_resource(ResourceType::Attr)),
            ["boolean", "int", "string", "uint"]
        );
        assert!(
            shown("set name=zone.cpu-s", &in_resource(ResourceType::Rctl))
                .contains(&"zone.cpu-shares".to_string())
        );
        assert_eq!(
            shown("add auths ", &in_resource(ResourceType::Admin)),
            ["clonefrom", "login", "manage"]
        );
        assert_eq!(
            shown("set lower=a", &in_resource(ResourceType::SecurityFlags)),
            ["aslr"]
        );
        // Free-form values have no candidates; neither do properties of another scope.
        assert!(shown("set zonepath=/", &GLOBAL).is_empty());
        assert!(shown("set type=", &GLOBAL).is_empty());
        // A filter's value: `select attr type=b`.
        assert_eq!(shown("select attr type=b", &GLOBAL), ["boolean"]);
    }

    #[test]
    fn odd_input_gives_nothing() {
        for line in [
            "bogus ",
            "set =",
            "set nosuch=",
            "info fs dir=/a type=b raw=c x",
        ] {
            assert!(shown(line, &GLOBAL).is_empty(), "{line}");
        }
        // A cursor inside a character or past the end.
        assert_eq!(complete("é", 1, &GLOBAL), Completion::default());
        assert_eq!(complete("a", 5, &GLOBAL), Completion::default());
    }
}
