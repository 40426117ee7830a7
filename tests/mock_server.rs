//! Starting the emulator on an address of the caller's choice.

use std::io::ErrorKind;
use std::net::TcpListener;

use foura::mock::MockServer;
use foura::{TaskRequest, TaskType};

#[test]
fn the_emulator_starts_on_a_fixed_loopback_port() {
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let server = MockServer::try_start_on(("127.0.0.1", port)).unwrap();
    assert_eq!(server.addr().port(), port);
    assert_eq!(server.url(), format!("http://127.0.0.1:{port}"));
    let task = server
        .client()
        .create_task(&TaskRequest::new("https://example.com/", TaskType::Single))
        .unwrap();
    assert_eq!(task.url.as_deref(), Some("https://example.com/"));
}

#[test]
fn a_port_in_use_is_an_io_error() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let err = MockServer::try_start_on(taken.local_addr().unwrap()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AddrInUse);
}

#[test]
fn the_emulator_refuses_to_listen_beyond_loopback() {
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let err = MockServer::try_start_on(addr).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{addr}");
        assert!(err.to_string().contains("loopback"), "{addr}: {err}");
    }
}
