//! Container health checks without a shell or curl in the image: every long-running binary
//! answers `<binary> health` by probing itself, so an image's `HEALTHCHECK` (and a compose
//! file's `healthcheck`) is `["/usr/local/bin/podium", "health"]`.
//!
//! - HTTP functions and the gateway: `GET http://127.0.0.1:$PORT/healthz` must answer 200. The
//!   route touches no database (a database outage must not restart every container).
//! - The validation worker (no HTTP): each sweep writes a [`Heartbeat`]; `health` checks it is
//!   not overdue.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The path every HTTP binary answers for health checks.
pub const PATH: &str = "/healthz";

/// The first argument that makes a binary check its own health and exit.
pub const ARG: &str = "health";

/// True when the process was started as `<binary> health`.
pub fn requested() -> bool {
    std::env::args().nth(1).as_deref() == Some(ARG)
}

/// Probes `GET /healthz` on 127.0.0.1 at `$PORT` (default 8080) with a plain HTTP/1.1 request;
/// success when the status line says 200. Two seconds in all.
pub fn probe_http() -> Result<(), String> {
    let port = match std::env::var("PORT") {
        Ok(port) => port
            .parse::<u16>()
            .map_err(|_| format!("PORT={port} is not a port"))?,
        Err(_) => 8080,
    };
    probe_http_at(SocketAddr::from(([127, 0, 0, 1], port)))
}

fn probe_http_at(address: SocketAddr) -> Result<(), String> {
    let timeout = Duration::from_secs(2);
    let mut stream = TcpStream::connect_timeout(&address, timeout)
        .map_err(|err| format!("cannot connect to {address}: {err}"))?;
    stream.set_read_timeout(Some(timeout)).ok();
    stream.set_write_timeout(Some(timeout)).ok();
    let request = format!("GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|err| format!("cannot send to {address}: {err}"))?;
    let mut head = [0_u8; 12];
    stream
        .read_exact(&mut head)
        .map_err(|err| format!("no answer from {address}: {err}"))?;
    match &head {
        b"HTTP/1.1 200" | b"HTTP/1.0 200" => Ok(()),
        other => Err(format!(
            "{address} answered {}",
            String::from_utf8_lossy(other)
        )),
    }
}

/// A worker's proof of life: a file holding the Unix time by which the next beat is due.
#[derive(Debug, Clone)]
pub struct Heartbeat {
    path: PathBuf,
}

impl Heartbeat {
    /// The heartbeat file of the binary `name`, in the temporary directory.
    pub fn new(name: &str) -> Self {
        Self {
            path: std::env::temp_dir().join(format!("podium-{name}.heartbeat")),
        }
    }

    /// Records a beat: the next one is due within `within`.
    pub fn beat(&self, within: Duration) -> std::io::Result<()> {
        let due = unix_now().saturating_add(within.as_secs());
        std::fs::write(&self.path, due.to_string())
    }

    /// Success when a beat was recorded and the next one is not overdue.
    pub fn check(&self) -> Result<(), String> {
        let text = std::fs::read_to_string(&self.path)
            .map_err(|err| format!("no heartbeat at {}: {err}", self.path.display()))?;
        let due: u64 = text
            .trim()
            .parse()
            .map_err(|_| format!("unreadable heartbeat at {}", self.path.display()))?;
        let now = unix_now();
        if now <= due {
            Ok(())
        } else {
            Err(format!("the last heartbeat is {}s overdue", now - due))
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Prints the outcome of a health check and turns it into the exit code `HEALTHCHECK` reads.
#[allow(clippy::print_stderr)]
pub fn exit_code(outcome: Result<(), String>) -> std::process::ExitCode {
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("unhealthy: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    fn serve_once(answer: &'static [u8]) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                // The whole request head, then the answer (only to the expected request).
                let mut request = Vec::new();
                let mut byte = [0_u8; 1];
                while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                    request.push(byte[0]);
                }
                if request.starts_with(b"GET /healthz HTTP/1.1\r\n") {
                    stream.write_all(answer).ok();
                }
            }
        });
        address
    }

    #[test]
    fn a_200_is_healthy_and_anything_else_or_nothing_is_not() {
        assert_eq!(
            probe_http_at(serve_once(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")),
            Ok(())
        );
        let refused = probe_http_at(serve_once(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n",
        ));
        assert!(refused.is_err_and(|err| err.ends_with("answered HTTP/1.1 503")));
        let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = closed.local_addr().expect("address");
        drop(closed);
        assert!(probe_http_at(address).is_err_and(|err| err.starts_with("cannot connect")));
    }

    #[test]
    fn a_heartbeat_is_healthy_until_it_is_overdue() {
        let heartbeat = Heartbeat::new(&format!("test-{}", std::process::id()));
        assert!(heartbeat.check().is_err(), "no beat yet");
        heartbeat.beat(Duration::from_secs(60)).expect("beat");
        assert_eq!(heartbeat.check(), Ok(()));
        std::fs::write(&heartbeat.path, (unix_now() - 5).to_string()).expect("write");
        assert!(heartbeat.check().is_err_and(|err| err.contains("overdue")));
        std::fs::remove_file(&heartbeat.path).ok();
    }
}
