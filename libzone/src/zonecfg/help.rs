//! zonecfg's help and usage texts (illumos `zonecfg.c`: `helptab`, `long_help()`, `usage()`,
//! `short_usage()`, `long_usage()`, `longer_usage()`), extended with this implementation's
//! resource types `inherit-pkg-dir` and `security-flags`.
//!
//! Every function returns the text to print, newlines included; which stream it goes to is
//! the caller's business (help requested explicitly goes to stdout, usage after a mistake to
//! stderr).

use crate::config::keywords::{PropName, ResourceType};
use crate::zonecfg::command::CmdKind;

/// The sections [`usage`] can print (zonecfg's `HELP_*` flags).
pub mod flags {
    pub const USAGE: u32 = 0x01;
    pub const SUBCMDS: u32 = 0x02;
    pub const SYNTAX: u32 = 0x04;
    pub const RESOURCES: u32 = 0x08;
    pub const PROPS: u32 = 0x10;
    pub const META: u32 = 0x20;
    pub const NETADDR: u32 = 0x40;
    pub const RES_SCOPE: u32 = 0x80;
    pub const RES_PROPS: u32 = RESOURCES | PROPS;
}

/// The one-line (or few-line) synopsis of a subcommand.
pub fn short_usage(kind: CmdKind) -> &'static str {
    match kind {
        CmdKind::Add => {
            "add <resource-type>\n\t(global scope)\nadd <property-name> <property-value>\n\t(resource scope)"
        }
        CmdKind::Cancel => "cancel",
        CmdKind::Clear => "clear <property-name>",
        CmdKind::Commit => "commit",
        CmdKind::Create => "create [-F] [ -a <path> | -b | -t <template> ]",
        CmdKind::Delete => "delete [-F]",
        CmdKind::End => "end",
        CmdKind::Exit => "exit [-F]",
        CmdKind::Export => "export [-f output-file]",
        CmdKind::Help => "help [commands] [syntax] [usage] [<command-name>]",
        CmdKind::Info => "info [<resource-type> [property-name=property-value]*]",
        CmdKind::Remove => {
            "remove [-F] <resource-type> [ <property-name>=<property-value> ]*\n\t(global scope)\nremove <property-name> <property-value>\n\t(resource scope)"
        }
        CmdKind::Revert => "revert [-F]",
        CmdKind::Select => "select <resource-type> { <property-name>=<property-value> }",
        CmdKind::Set => "set <property-name>=<property-value>",
        CmdKind::Verify => "verify",
    }
}

/// The extra sections `help <command>` prints after the long help (`helptab` flags).
pub fn command_flags(kind: CmdKind) -> u32 {
    match kind {
        CmdKind::Add | CmdKind::Info | CmdKind::Remove | CmdKind::Select => flags::RES_PROPS,
        CmdKind::Clear | CmdKind::Set => flags::PROPS,
        _ => 0,
    }
}

/// The explanation `help <command>` prints (continuation lines start with a tab).
pub fn long_help(kind: CmdKind) -> &'static str {
    match kind {
        CmdKind::Help => "Prints help message.",
        CmdKind::Create => {
            "Creates a configuration for the specified zone.  create should be\n\tused to begin configuring a new zone.  If overwriting an existing\n\tconfiguration, the -F flag can be used to force the action.  If\n\t-t template is given, creates a configuration identical to the\n\tspecified template, except that the zone name is changed from\n\ttemplate to zonename.  'create -a' creates a configuration from a\n\tdetached zonepath.  'create -b' results in a blank configuration.\n\t'create' with no arguments applies the Sun default settings."
        }
        CmdKind::Exit => "Exits the program.  The -F flag can be used to force the action.",
        CmdKind::Export => {
            "Prints configuration to standard output, or to output-file if\n\tspecified, in a form suitable for use in a command-file."
        }
        CmdKind::Add => "Add specified resource to configuration.",
        CmdKind::Delete => {
            "Deletes the specified zone.  The -F flag can be used to force the\n\taction."
        }
        CmdKind::Remove => {
            "Remove specified resource from configuration.  The -F flag can be used\n\tto force the action."
        }
        CmdKind::Select => {
            "Selects a resource to modify.  Resource modification is completed\n\twith the command \"end\".  The property name/value pairs must uniquely\n\tidentify a resource.  Note that the curly braces ('{', '}') mean one\n\tor more of whatever is between them."
        }
        CmdKind::Set => "Sets property values.",
        CmdKind::Clear => "Clears property values.",
        CmdKind::Info => {
            "Displays information about the current configuration.  If resource\n\ttype is specified, displays only information about resources of\n\tthe relevant type.  If resource id is specified, displays only\n\tinformation about that resource."
        }
        CmdKind::Verify => {
            "Verifies current configuration for correctness (some resource types\n\thave required properties)."
        }
        CmdKind::Commit => {
            "Commits current configuration.  Configuration must be committed to\n\tbe used by zoneadm.  Until the configuration is committed, changes \n\tcan be removed with the revert command.  This operation is\n\tattempted automatically upon completion of a zonecfg session."
        }
        CmdKind::Revert => {
            "Reverts configuration back to the last committed state.  The -F flag\n\tcan be used to force the action."
        }
        CmdKind::Cancel => "Cancels resource/property specification.",
        CmdKind::End => "Ends resource/property specification.",
    }
}

/// `short_usage()`'s text after a malformed command: `usage:` and the synopsis. In `-f`
/// mode it is preceded by `syntax error on line N of FILE` (`file` is `Some((line, name))`).
pub fn short_usage_text(kind: CmdKind, file: Option<(usize, &str)>) -> String {
    let mut s = String::new();
    if let Some((line, name)) = file {
        if name == "-" {
            s.push_str(&format!("syntax error on line {line}\n"));
        } else {
            s.push_str(&format!("syntax error on line {line} of {name}\n"));
        }
    }
    s.push_str(&format!("usage:\n{}\n", short_usage(kind)));
    s
}

/// `long_usage()`: the synopsis and the explanation.
pub fn long_usage_text(kind: CmdKind) -> String {
    format!("usage:\n{}\n\t{}\n", short_usage(kind), long_help(kind))
}

/// `longer_usage()`, what `help <command>` prints: the long usage and, for commands taking
/// resources or properties, the lists of those.
pub fn longer_usage_text(program: &str, kind: CmdKind) -> String {
    let mut s = long_usage_text(kind);
    let f = command_flags(kind);
    if f != 0 {
        s.push('\n');
        s.push_str(&usage(program, f, true, None));
    }
    s
}

/// The help for one resource scope (`usage(HELP_RES_SCOPE)` while editing `rt`), from the
/// resource type's description.
pub fn resource_scope_help(rt: ResourceType) -> String {
    let spec = rt.spec();
    let mut s = format!(
        "The '{rt}' resource scope {}\nValid commands:\n",
        spec.help_intro
    );
    s.push_str(spec.help_commands);
    s.push_str("And from any resource scope, you can:\n");
    s.push_str("\tend\t(to conclude this operation)\n");
    s.push_str("\tcancel\t(to cancel this operation)\n");
    s.push_str("\texit\t(to exit the zonecfg utility)\n");
    s
}

/// The address syntax zonecfg prints after a bogus network address.
pub fn netaddr_help() -> &'static str {
    "\n<net-addr> :=\t<IPv4-address>[/<IPv4-prefix-length>] |\n\t\t<IPv6-address>/<IPv6-prefix-length> |\n\t\t<hostname>[/<IPv4-prefix-length>]\nSee inet(3SOCKET) for IPv4 and IPv6 address syntax.\n<IPv4-prefix-length> := [0-32]\n<IPv6-prefix-length> := [0-128]\n<hostname> := [A-Za-z0-9][A-Za-z0-9-.]*\n"
}

/// zonecfg's `usage()`: the sections selected by `flags` in zonecfg's order. `verbose` is
/// set when help was asked for (it adds the long help of each command). `scope` is the
/// resource being edited, for [`flags::RES_SCOPE`].
pub fn usage(program: &str, flags: u32, verbose: bool, scope: Option<ResourceType>) -> String {
    let mut s = String::new();
    if flags & flags::META != 0 {
        s.push_str("More help is available for the following:\n");
        s.push_str("\n\tcommands ('help commands')\n");
        s.push_str("\tsyntax ('help syntax')\n");
        s.push_str("\tusage ('help usage')\n\n");
        s.push_str("You may also obtain help on any command by typing 'help <command-name>.'\n");
    }
    if flags & flags::RES_SCOPE != 0 {
        if let Some(rt) = scope {
            s.push_str(&resource_scope_help(rt));
        }
    }
    if flags & flags::USAGE != 0 {
        s.push_str(&format!("usage:\t{program} help\n"));
        s.push_str(&format!("\t{program} -z <zone>\t\t\t(interactive)\n"));
        s.push_str(&format!("\t{program} -z <zone> <command>\n"));
        s.push_str(&format!("\t{program} -z <zone> -f <command-file>\n"));
    }
    if flags & flags::SUBCMDS != 0 {
        s.push_str("Commands:\n\n");
        for kind in CmdKind::ALL {
            s.push_str(short_usage(kind));
            s.push('\n');
            if verbose {
                s.push_str(&format!("\t{}\n\n", long_help(kind)));
            }
        }
    }
    if flags & flags::SYNTAX != 0 {
        if !verbose {
            s.push('\n');
        }
        s.push_str("<zone> := [A-Za-z0-9][A-Za-z0-9_.-]*\n");
        s.push_str("\t(except the reserved words 'global' and anything starting with 'SUNW')\n");
        s.push_str("\tName must be less than 64 characters.\n");
        if verbose {
            s.push('\n');
        }
    }
    if flags & flags::NETADDR != 0 {
        s.push_str(netaddr_help());
    }
    if flags & flags::RESOURCES != 0 {
        s.push_str("<resource type> := fs | inherit-pkg-dir | net | anet | device | rctl |\n\tattr | dataset | dedicated-cpu | capped-cpu | capped-memory |\n\tadmin | security-flags\n\n");
    }
    if flags & flags::PROPS != 0 {
        s.push_str("For resource type ... there are property types ...:\n");
        for p in PropName::ALL.iter().filter(|p| p.is_global()) {
            s.push_str(&format!("\t(global)\t{p}\n"));
        }
        for rt in ResourceType::ALL {
            let props: Vec<&str> = rt.properties().map(|p| p.as_str()).collect();
            let list = match rt.spec().props_help {
                Some(shown) => shown.to_string(),
                None => props.join(", "),
            };
            let tabs = if rt.as_str().len() < 8 { "\t\t" } else { "\t" };
            s.push_str(&format!("\t{rt}{tabs}{list}\n"));
        }
    }
    s
}

/// What `zonecfg help` or the `help` command prints, split by stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HelpText {
    pub stdout: String,
    pub stderr: String,
}

/// The `help` command (`help_func()`): no topic prints the commands (or, inside a resource
/// scope, that scope's help); `usage`, `commands`, `syntax`, `-?` and command names print
/// their sections. As an extension, a resource type prints the help of its scope and a
/// property name the list of properties. Anything else is an unknown subject.
pub fn help_topic(program: &str, topic: Option<&str>, scope: Option<ResourceType>) -> HelpText {
    let out = |stdout: String| HelpText {
        stdout,
        stderr: String::new(),
    };
    let Some(topic) = topic else {
        return out(match scope {
            None => usage(program, flags::SUBCMDS, true, None),
            Some(rt) => usage(program, flags::RES_SCOPE, true, Some(rt)),
        });
    };
    match topic {
        "usage" => return out(usage(program, flags::USAGE, true, None)),
        "commands" => return out(usage(program, flags::SUBCMDS, true, None)),
        "syntax" => return out(usage(program, flags::SYNTAX | flags::RES_PROPS, true, None)),
        "-?" => return out(longer_usage_text(program, CmdKind::Help)),
        _ => {}
    }
    if let Some(kind) = CmdKind::ALL.iter().copied().find(|k| k.as_str() == topic) {
        return out(longer_usage_text(program, kind));
    }
    if let Some(rt) = ResourceType::parse(topic) {
        return out(resource_scope_help(rt));
    }
    if PropName::parse(topic).is_some() {
        return out(usage(program, flags::PROPS, true, None));
    }
    HelpText {
        stdout: String::new(),
        stderr: format!(
            "Unknown help subject {topic}.  {}",
            usage(program, flags::META, false, None)
        ),
    }
}

/// What the `zonecfg` binary prints (to stderr) when run without arguments or with a bad
/// option: the invocation synopsis and the list of commands.
pub fn cli_usage(program: &str) -> String {
    usage(program, flags::USAGE | flags::SUBCMDS, false, None)
}

/// The synopsis alone, after a bad option or zone name (`usage(B_FALSE, HELP_USAGE)`).
pub fn cli_usage_short(program: &str) -> String {
    usage(program, flags::USAGE, false, None)
}

/// The zone name syntax printed after `<name>: Bogus zone name`.
pub fn syntax_help() -> String {
    usage("zonecfg", flags::SYNTAX, false, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocation_usage() {
        assert_eq!(
            cli_usage_short("zonecfg"),
            "usage:\tzonecfg help\n\tzonecfg -z <zone>\t\t\t(interactive)\n\tzonecfg -z <zone> <command>\n\tzonecfg -z <zone> -f <command-file>\n"
        );
        let full = cli_usage("zonecfg");
        assert!(full.contains("Commands:\n\nadd <resource-type>\n\t(global scope)\n"));
        assert!(full.ends_with("set <property-name>=<property-value>\nverify\n"));
    }

    #[test]
    fn command_help() {
        let h = help_topic("zonecfg", Some("revert"), None);
        assert_eq!(
            h.stdout,
            "usage:\nrevert [-F]\n\tReverts configuration back to the last committed state.  The -F flag\n\tcan be used to force the action.\n"
        );
        let h = help_topic("zonecfg", Some("set"), None);
        assert!(h.stdout.starts_with("usage:\nset <property-name>=<property-value>\n\tSets property values.\n\nFor resource type ... there are property types ...:\n\t(global)\tzonename\n"));
        assert!(h
            .stdout
            .contains("\tfs\t\tdir, special, raw, type, options\n"));
        assert!(h
            .stdout
            .contains("\tcapped-memory\tphysical, swap, locked\n"));
        assert!(h
            .stdout
            .contains("\tnet\t\taddress, allowed-address, physical|defrouter\n"));
        let h = help_topic("zonecfg", Some("bogus"), None);
        assert_eq!(h.stdout, "");
        assert_eq!(
            h.stderr,
            "Unknown help subject bogus.  More help is available for the following:\n\n\tcommands ('help commands')\n\tsyntax ('help syntax')\n\tusage ('help usage')\n\nYou may also obtain help on any command by typing 'help <command-name>.'\n"
        );
        let h = help_topic("zonecfg", None, None);
        assert!(h.stdout.starts_with("Commands:\n\nadd <resource-type>\n\t(global scope)\nadd <property-name> <property-value>\n\t(resource scope)\n\tAdd specified resource to configuration.\n\n"));
        let h = help_topic("zonecfg", None, Some(ResourceType::Rctl));
        assert!(h.stdout.starts_with("The 'rctl' resource scope is used to configure a resource control.\nValid commands:\n\tset name=<string>\n"));
        assert!(h
            .stdout
            .ends_with("\texit\t(to exit the zonecfg utility)\n"));
        assert!(help_topic("zonecfg", Some("syntax"), None)
            .stdout
            .starts_with("<zone> := [A-Za-z0-9][A-Za-z0-9_.-]*\n"));
        assert!(help_topic("zonecfg", Some("fs"), None)
            .stdout
            .starts_with("The 'fs' resource scope"));
    }

    #[test]
    fn short_usages() {
        assert_eq!(
            short_usage_text(CmdKind::Create, None),
            "usage:\ncreate [-F] [ -a <path> | -b | -t <template> ]\n"
        );
        assert_eq!(
            short_usage_text(CmdKind::Exit, Some((3, "cmds"))),
            "syntax error on line 3 of cmds\nusage:\nexit [-F]\n"
        );
        assert_eq!(
            short_usage_text(CmdKind::Exit, Some((3, "-"))),
            "syntax error on line 3\nusage:\nexit [-F]\n"
        );
    }
}
