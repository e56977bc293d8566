//! The `pbsh` binary: parses the command line and hands over to the shell.

use clap::Parser;
use pbsh::repo::local::LocalDatastore;
use pbsh::shell::commands::Command;
use pbsh::shell::{Session, EXIT_FAILURE};
use std::io::BufReader;
use std::path::PathBuf;

/// pbsh: a backup shell for Proxmox Backup Server datastores.
#[derive(Debug, Parser)]
#[command(name = "pbsh", version, about)]
struct Cli {
    /// Repository: a local datastore directory (default: $XDG_DATA_HOME/pbsh/datastore)
    #[arg(long, global = true, env = "PBS_REPOSITORY")]
    repository: Option<PathBuf>,
    /// Run these commands (separated by `;`) and exit
    #[arg(short = 'c', value_name = "COMMANDS")]
    commands: Option<String>,
    /// Run the commands in FILE and exit
    #[arg(short = 'f', value_name = "FILE")]
    file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

fn main() {
    // `pbsh serve …` has its own command line and never opens the default datastore.
    if std::env::args_os().nth(1).is_some_and(|a| a == "serve") {
        std::process::exit(pbsh::server::cli::main(
            std::env::args_os().skip(1).collect(),
        ));
    }
    let cli = Cli::parse();
    std::process::exit(run(cli));
}

fn run(cli: Cli) -> i32 {
    let root = cli
        .repository
        .clone()
        .unwrap_or_else(pbsh::util::paths::default_datastore);
    let datastore = match LocalDatastore::open_or_create(&root) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("pbsh: cannot open datastore {}: {e}", root.display());
            return EXIT_FAILURE;
        }
    };
    let mut session = Session::new(datastore);
    if let Some(command) = cli.command {
        return match session.run_command(command) {
            Ok(_) => 0,
            Err(e) => {
                eprintln!("pbsh: {e:#}");
                EXIT_FAILURE
            }
        };
    }
    if let Some(commands) = cli.commands {
        return session.run_lines(&mut commands.as_bytes(), false, "-c");
    }
    if let Some(path) = cli.file {
        return match std::fs::File::open(&path) {
            Ok(file) => session.run_lines(
                &mut BufReader::new(file),
                false,
                &path.display().to_string(),
            ),
            Err(e) => {
                eprintln!("pbsh: cannot open script {}: {e}", path.display());
                EXIT_FAILURE
            }
        };
    }
    session.run_stdin()
}
