//! A fake Sentry: an HTTP server that takes envelopes (`POST /api/{project}/envelope/`) as
//! sentry.io does, keeps every one with the moment it arrived, and answers 200. Tests read what
//! a function reported; [`FakeSentry::unresponsive`] accepts connections and never answers (an
//! outage, for the flush budget).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// One envelope as it arrived.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub at: Instant,
    /// The body exactly as sent (what must not contain a secret).
    pub raw: String,
    /// Its items: (type, payload).
    pub items: Vec<(String, Value)>,
}

impl Envelope {
    /// The payloads of the items of type `ty` (`event`, `transaction`).
    pub fn of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        self.items
            .iter()
            .filter(move |(t, _)| t == ty)
            .map(|(_, v)| v)
    }
}

/// The fake server; stops when dropped.
#[derive(Debug)]
pub struct FakeSentry {
    address: String,
    received: Arc<Mutex<Vec<Envelope>>>,
    arrived: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSentry {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeSentry {
    /// A server that takes envelopes.
    pub async fn start() -> Self {
        Self::listen(true).await
    }

    /// A server that accepts connections and never answers.
    pub async fn unresponsive() -> Self {
        Self::listen(false).await
    }

    async fn listen(answers: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address").to_string();
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (store, notify) = (Arc::clone(&received), Arc::clone(&arrived));
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                if !answers {
                    held.push(stream);
                    continue;
                }
                let (store, notify) = (Arc::clone(&store), Arc::clone(&notify));
                tokio::spawn(async move {
                    let mut stream = BufReader::new(stream);
                    while let Some((_, _, body)) = crate::lambda::read_request(&mut stream).await {
                        let envelope = parse(&body);
                        store.lock().expect("lock").push(envelope);
                        notify.notify_waiters();
                        let _ = stream
                            .get_mut()
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}")
                            .await;
                    }
                });
            }
        });
        Self {
            address,
            received,
            arrived,
            task,
        }
    }

    /// The DSN to give a function (`PODIUM_SENTRY_DSN`).
    pub fn dsn(&self) -> String {
        format!("http://fakepublickey@{}/42", self.address)
    }

    /// Every envelope so far.
    pub fn envelopes(&self) -> Vec<Envelope> {
        self.received.lock().expect("lock").clone()
    }

    /// Every item of type `ty` so far, with the moment its envelope arrived.
    pub fn items(&self, ty: &str) -> Vec<(Instant, Value)> {
        self.envelopes()
            .iter()
            .flat_map(|e| e.of_type(ty).map(|v| (e.at, v.clone())).collect::<Vec<_>>())
            .collect()
    }

    /// Waits (at most `patience`) until `done` holds for what has arrived.
    pub async fn wait_until(&self, patience: Duration, done: impl Fn(&[Envelope]) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let notified = self.arrived.notified();
            if done(&self.received.lock().expect("lock")) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return done(&self.received.lock().expect("lock"));
            }
        }
    }
}

/// An envelope: a header line, then per item a header line (`{"type": …, "length": n}`) and
/// its payload (`length` bytes, or up to the next newline).
fn parse(body: &[u8]) -> Envelope {
    let raw = String::from_utf8_lossy(body).into_owned();
    let mut items = Vec::new();
    let mut rest = match body.iter().position(|b| *b == b'\n') {
        Some(at) => &body[at + 1..],
        None => &[][..],
    };
    while !rest.is_empty() {
        let Some(end) = rest.iter().position(|b| *b == b'\n') else {
            break;
        };
        let header: Value = serde_json::from_slice(&rest[..end]).unwrap_or(Value::Null);
        rest = &rest[end + 1..];
        let length = header["length"]
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or_else(|| rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len()));
        let length = length.min(rest.len());
        let payload = serde_json::from_slice(&rest[..length]).unwrap_or(Value::Null);
        items.push((
            header["type"].as_str().unwrap_or_default().to_owned(),
            payload,
        ));
        rest = &rest[length..];
        if rest.first() == Some(&b'\n') {
            rest = &rest[1..];
        }
    }
    Envelope {
        at: Instant::now(),
        raw,
        items,
    }
}
