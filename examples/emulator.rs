//! Runs the FourA emulator on its own, so you can point curl, the examples or your own program
//! at it.
//!
//!     cargo run --example emulator [-- --port 8787]
//!
//! It prints `export` lines to paste into another shell (the base URL and a test key), one
//! `curl` per API, then serves until you press Ctrl-C. Without `--port` it picks a free port.

use std::process::ExitCode;

use foura::mock::MockServer;

fn main() -> ExitCode {
    let mut port: u16 = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--port" => args.next(),
            other => other.strip_prefix("--port=").map(str::to_owned),
        };
        match value.as_deref().map(str::parse) {
            Some(Ok(p)) => port = p,
            _ => {
                eprintln!("usage: emulator [--port PORT]  (PORT 0–65535; 0 picks a free one)");
                return ExitCode::from(2);
            }
        }
    }

    let server = match MockServer::try_start_on(("127.0.0.1", port)) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: the emulator could not listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let url = server.url();
    eprintln!("FourA emulator listening on {url} (Ctrl-C stops it). In another shell:");
    eprintln!();
    // The lines to paste go to stdout, the rest to stderr.
    println!("export FOURA_API_BASE={url}");
    println!(
        "export FOURA_API_KEY={}       # the tasks API's key (Bearer)",
        MockServer::TEST_KEY
    );
    println!(
        "# export FOURA_API_KEY={}   # or the engine API's key (X-API-Key)",
        MockServer::ENGINE_KEY
    );
    println!();
    println!("# the tasks API: POST /api/v1/tasks");
    println!(
        "curl -X POST \"$FOURA_API_BASE/api/v1/tasks\" -H \"Authorization: Bearer {}\" \
         -H 'Content-Type: application/json' -d '{{\"url\": \"https://example.com\", \"type\": \"single\"}}'",
        MockServer::TEST_KEY
    );
    println!("# an engine: POST /api/single/");
    println!(
        "curl -X POST \"$FOURA_API_BASE/api/single/\" -H 'X-API-Key: {}' \
         -H 'Content-Type: application/json' -d '{{\"method\": \"GET\", \"url\": \"https://example.com/\"}}'",
        MockServer::ENGINE_KEY
    );
    eprintln!();
    eprintln!(
        "disabled key (403 on the tasks API): {}",
        MockServer::DISABLED_KEY
    );
    loop {
        std::thread::park();
    }
}
