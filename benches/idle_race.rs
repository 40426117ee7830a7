//! (e) The race a pooled connection can still lose: task creations sent as the server closes
//! the connection for being idle. The emulator closes idle connections 100 ms after each
//! answer (`MockServer::close_idle_after`); 40 creations are sent about 100 ms apart, so some
//! cross the close. Counts how many end `maybe_created`.
//!
//!     cargo bench --bench idle_race --features mock

use std::time::Duration;

use foura::TaskType;
use foura::mock::MockServer;

fn main() {
    for spacing_ms in [90, 100, 110, 150] {
        let server = MockServer::start();
        server.close_idle_after(Duration::from_millis(100));
        let client = server.client_builder().max_retries(0).build().unwrap();
        let (mut ok, mut maybe, mut other) = (0, 0, 0);
        for n in 0..40 {
            if n > 0 {
                std::thread::sleep(Duration::from_millis(spacing_ms));
            }
            match client.submit("https://example.com", TaskType::Single) {
                Ok(_) => ok += 1,
                Err(e) if e.maybe_created() => maybe += 1,
                Err(_) => other += 1,
            }
        }
        println!(
            "spacing {spacing_ms} ms, idle close 100 ms: {ok}/40 ok, {maybe} maybe_created, \
             {other} other failures, {} connections",
            server.connections_accepted()
        );
    }
}
