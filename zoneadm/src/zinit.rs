//! zinit: pid 1 of sparse zones (see libzone::runtime::init).

fn main() {
    // Executed from a sealed memfd (libzone::runtime::kernel::sealed), whose name the kernel would
    // show as our command name ("memfd:zinit"): the zone's ps shows "zinit".
    let _ = nix::sys::prctl::set_name(c"zinit");
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(libzone::runtime::init::run(&args));
}
