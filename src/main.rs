//! The `secretlens` binary: parse the command line, run it, map the outcome to an exit code.

use clap::Parser;

fn main() {
    let cli = secretlens::cli::Cli::parse();
    if cli.verbose {
        // Structured logs on stderr; RUST_LOG overrides the default filter.
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("secretlens=debug,aws=info"));
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
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
