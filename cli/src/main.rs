//! `foura`, the command-line tool for the FourA web-data API.
#![forbid(unsafe_code)]

mod args;
mod batch;
mod commands;
mod exit;
mod request;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and exit 0; a usage error names the bad argument.
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(),
    }
}
