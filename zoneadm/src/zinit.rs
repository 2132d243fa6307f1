//! zinit: pid 1 of sparse zones (see libzone::runtime::zinit).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(libzone::runtime::zinit::run(&args));
}
