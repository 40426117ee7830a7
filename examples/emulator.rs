//! Runs the FourA emulator on its own, so you can point curl or another program at it.
//!
//!     cargo run --example emulator
//!
//! It prints its base URL and test key, then serves until you press Ctrl-C.

use foura::mock::MockServer;

fn main() {
    let server = MockServer::start();
    println!("FourA emulator listening on {}", server.url());
    println!("test key:     {}", MockServer::TEST_KEY);
    println!("disabled key: {}", MockServer::DISABLED_KEY);
    println!();
    println!("try:");
    println!(
        "  curl -X POST {}/api/v1/tasks \\\n    -H \"Authorization: Bearer {}\" \\\n    \
         -H \"Content-Type: application/json\" \\\n    \
         -d '{{\"url\": \"https://example.com\", \"type\": \"single\"}}'",
        server.url(),
        MockServer::TEST_KEY
    );
    loop {
        std::thread::park();
    }
}
