//! zoneadm's usage texts (illumos `usage()`, `sub_usage()`, `long_help()`).

pub struct Sub {
    pub name: &'static str,
    pub short: &'static str,
    pub long: &'static str,
}

pub const SUBCOMMANDS: [Sub; 15] = [
    Sub { name: "help", short: "help", long: "Print usage message." },
    Sub {
        name: "boot",
        short: "boot [-- boot_arguments]",
        long: "Activates (boots) specified zone.  See zoneadm(8) for valid boot\n\targuments.",
    },
    Sub {
        name: "halt",
        short: "halt",
        long: "Halts specified zone, bypassing shutdown scripts and removing runtime\n\tresources of the zone.",
    },
    Sub {
        name: "ready",
        short: "ready",
        long: "Prepares a zone for running applications but does not start any user\n\tprocesses in the zone.",
    },
    Sub {
        name: "shutdown",
        short: "shutdown [-r [-- boot_arguments]]",
        long: "Gracefully shutdown the zone or reboot if the '-r' option is specified.\n\tSee zoneadm(8) for valid boot arguments.",
    },
    Sub {
        name: "reboot",
        short: "reboot [-- boot_arguments]",
        long: "Restarts the zone (equivalent to a halt / boot sequence).\n\tFails if the zone is not active.  See zoneadm(8) for valid boot\n\targuments.",
    },
    Sub {
        name: "list",
        short: "list [-cipv]",
        long: "Lists the current zones, or a specific zone if indicated.  By default,\n\tall running zones are listed, though this can be expanded to all\n\tinstalled zones with the -i option or all configured zones with the\n\t-c option.  When used with the general -z <zone> and/or -u <uuid-match>\n\toptions, lists only the specified matching zone, but lists it\n\tregardless of its state, and the -i and -c options are disallowed.  The\n\t-v option can be used to display verbose information: zone name, id,\n\tcurrent state, root directory and options.  The -p option can be used\n\tto request machine-parsable output.  The -v and -p options are mutually\n\texclusive.  If neither -v nor -p is used, just the zone name is listed.",
    },
    Sub {
        name: "verify",
        short: "verify",
        long: "Check to make sure the configuration can safely be instantiated\n\ton the machine: physical network interfaces exist, etc.",
    },
    Sub {
        name: "install",
        short: "install [-a archive | -d path]",
        long: "Install the configuration on to the system.  A whole-root zone installs\n\tfrom a tar archive or OCI image (-a), a copy of a directory tree (-d),\n\tor, with neither, a bootstrap of the global zone's distribution; a\n\tsparse zone installs from the global zone and takes neither option.",
    },
    Sub {
        name: "uninstall",
        short: "uninstall [-F] [brand-specific args]",
        long: "Uninstall the configuration from the system.  The -F flag can be used\n\tto force the action.  All other arguments are passed to the brand\n\tuninstall function; see brands(7) for more information.",
    },
    Sub {
        name: "clone",
        short: "clone [-m method] [-s <ZFS snapshot>] [brand-specific args] zonename",
        long: "Clone the installation of another zone.  The -m option can be used to\n\tspecify 'copy' which forces a copy of the source zone.",
    },
    Sub { name: "move", short: "move zonepath", long: "Move the zone to a new zonepath." },
    Sub {
        name: "detach",
        short: "detach [-n] [brand-specific args]",
        long: "Detach the zone from the system. The zone state is changed to\n\t'configured' (but the files under the zonepath are untouched).\n\tThe zone can subsequently be attached, or can be moved to another\n\tsystem and attached there.  The -n option can be used to specify\n\t'no-execute' mode.  When -n is used, the information needed to attach\n\tthe zone is sent to standard output but the zone is not actually\n\tdetached.",
    },
    Sub {
        name: "attach",
        short: "attach [-F] [-n <path>] [brand-specific args]",
        long: "Attach the zone to the system.  The zone state must be 'configured'\n\tprior to attach; upon successful completion, the zone state will be\n\t'installed'.  Specify -F to force the attach and skip software\n\tcompatibility tests.  The -n option can be used to specify 'no-execute'\n\tmode.  When -n is used, the information needed to attach the zone is\n\tread from the specified path and the configuration is only validated.\n\tThe path can be '-' to specify standard input.  The -F and -n options\n\tare mutually exclusive.",
    },
    Sub {
        name: "mark",
        short: "mark incomplete",
        long: "Set the state of the zone.  This can be used to force the zone\n\tstate to 'incomplete' administratively if some activity has rendered\n\tthe zone permanently unusable.  The only valid state that may be\n\tspecified is 'incomplete'.",
    },
];

/// The full usage text (`zoneadm help` on stdout when `explicit`, or on a usage error).
pub fn usage(explicit: bool) -> String {
    let mut s = String::from("usage:\tzoneadm help\n");
    s.push_str("\tzoneadm [-z <zone>] [-u <uuid-match>] list\n");
    s.push_str("\tzoneadm {-z <zone>|-u <uuid-match>} <subcommand>\n");
    s.push_str("\nSubcommands:\n\n");
    for sub in &SUBCOMMANDS {
        s.push_str(sub.short);
        s.push('\n');
        if explicit {
            s.push_str(&format!("\t{}\n\n", sub.long));
        }
    }
    if !explicit {
        s.push('\n');
    }
    s
}

/// One subcommand's usage (`sub_usage`).
pub fn sub_usage(name: &str) -> String {
    match SUBCOMMANDS.iter().find(|s| s.name == name) {
        Some(sub) => format!("usage:\t{}\n\t{}\n", sub.short, sub.long),
        None => usage(false),
    }
}
