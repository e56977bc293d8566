//! The `pbsh` binary: hands the command line to the server or the shell library.

fn main() {
    // `pbsh serve …` has its own command line and never opens the default datastore.
    if std::env::args_os().nth(1).is_some_and(|a| a == "serve") {
        std::process::exit(pbsh::server::cli::main(
            std::env::args_os().skip(1).collect(),
        ));
    }
    let code = pbsh::shell::cli::main();
    pbsh::engine::reader::report_process_stats();
    std::process::exit(code);
}
