//! `foura`, the command-line tool for the FourA web-data API.
#![forbid(unsafe_code)]

mod args;
mod batch;
mod commands;
mod exit;
mod request;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => failure.report(),
    }
}

/// `--help` and `--version` print and exit 0; a usage error is one line naming the bad
/// argument, `foura: …`, and a short second line saying where the usage is; exit 2.
fn usage_error(e: &clap::Error) -> ExitCode {
    match e.kind() {
        // Every subcommand's `--version` says the tool's name, not `foura-fetch`.
        ErrorKind::DisplayVersion => {
            println!("foura {}", env!("CARGO_PKG_VERSION"));
            ExitCode::from(exit::OK)
        }
        ErrorKind::DisplayHelp => {
            let _ = e.print();
            ExitCode::from(exit::OK)
        }
        // `foura` alone: the help, on stderr, as a usage error.
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(exit::USAGE)
        }
        _ => {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            // "the following required arguments were not provided:" lists them on the lines
            // after it: name them on the one line.
            if let Some(lead) = first.strip_suffix(':') {
                let named: Vec<&str> = text
                    .lines()
                    .skip(1)
                    .take_while(|l| l.starts_with("  "))
                    .map(str::trim)
                    .collect();
                eprintln!("foura: {lead}: {}", named.join(" "));
            } else if let Some(values) = text
                .lines()
                .map(str::trim)
                .find(|l| l.starts_with("[possible values:"))
            {
                eprintln!("foura: {first} {values}");
            } else {
                eprintln!("foura: {first}");
            }
            match text.lines().find(|l| l.starts_with("Usage: ")) {
                Some(usage) => eprintln!("{usage} (see --help)"),
                None => eprintln!("see foura --help"),
            }
            ExitCode::from(exit::USAGE)
        }
    }
}
