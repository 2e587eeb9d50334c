//! The `secretlens` binary: parse the command line, run it, map the outcome to an exit code.

use clap::Parser;

fn main() {
    let cli = secretlens::cli::Cli::parse();
    match secretlens::app::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // Our messages already carry their cause; print the outermost one only.
            let e = anyhow::Error::from(e);
            eprintln!("error: {e}");
            std::process::exit(secretlens::app::exit::INCOMPLETE);
        }
    }
}
