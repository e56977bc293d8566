//! The `pbsh` binary: hands the command line to the shell library.

fn main() {
    std::process::exit(pbsh::shell::cli::main());
}
