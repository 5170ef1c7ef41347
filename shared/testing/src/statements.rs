//! Counts the SQL statements an application sends: a PostgreSQL wire-protocol proxy between the
//! pool and the server that counts each simple `Query` and each extended-protocol `Execute`
//! message from the client. Tests point a pool at [`StatementCounter::url`] and assert how many
//! statements one request runs, whatever the data.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use podium_data::DatabaseUrl;

#[derive(Debug, Clone)]
pub struct StatementCounter {
    url: DatabaseUrl,
    count: Arc<AtomicUsize>,
}

const SSL_REQUEST: i32 = 80_877_103;
const GSSENC_REQUEST: i32 = 80_877_104;

impl StatementCounter {
    /// Starts a proxy in front of the server `upstream` points at (TCP only).
    pub async fn start(upstream: &DatabaseUrl) -> Self {
        let target: url::Url = upstream.expose().parse().expect("a URL");
        let host = target.host_str().unwrap_or("127.0.0.1").to_owned();
        let port = target.port().unwrap_or(5432);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let count = Arc::new(AtomicUsize::new(0));
        let counter = count.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = match TcpStream::connect((host.as_str(), port)).await {
                    Ok(server) => server,
                    Err(_) => continue,
                };
                // Without this, Nagle's algorithm holds back the protocol's small messages.
                let _ = (client.set_nodelay(true), server.set_nodelay(true));
                tokio::spawn(relay(client, server, counter.clone()));
            }
        });
        let mut url = target.clone();
        url.set_host(Some("127.0.0.1")).expect("host");
        url.set_port(Some(address.port())).expect("port");
        let pairs: Vec<(String, String)> = target
            .query_pairs()
            .filter(|(k, _)| k != "sslmode" && k != "host")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.query_pairs_mut()
            .clear()
            .extend_pairs(pairs)
            .append_pair("sslmode", "disable");
        Self {
            url: url.as_str().parse().expect("a database URL"),
            count,
        }
    }

    /// The URL that goes through the proxy.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    pub fn reset(&self) {
        self.count.store(0, Ordering::SeqCst);
    }

    /// Statements sent since the last reset.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

async fn relay(mut client: TcpStream, server: TcpStream, count: Arc<AtomicUsize>) {
    // Startup: length-prefixed messages without a type byte; SSL/GSS requests are refused here.
    let startup = loop {
        let Ok(len) = client.read_i32().await else {
            return;
        };
        let mut body = vec![0; usize::try_from(len).unwrap_or(4).saturating_sub(4)];
        if client.read_exact(&mut body).await.is_err() {
            return;
        }
        let code = body
            .get(..4)
            .map(|b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        if code == Some(SSL_REQUEST) || code == Some(GSSENC_REQUEST) {
            if client.write_all(b"N").await.is_err() {
                return;
            }
            continue;
        }
        let mut message = len.to_be_bytes().to_vec();
        message.extend(body);
        break message;
    };
    let (server_read, mut server_write) = server.into_split();
    let (client_read, mut client_write) = client.into_split();
    // The server's answers go back untouched.
    let back = tokio::spawn(async move {
        let mut server_read = server_read;
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    let mut client_read = tokio::io::BufReader::new(client_read);
    if server_write.write_all(&startup).await.is_ok() {
        while let Some(message) = next_message(&mut client_read).await {
            if message[0] == b'E' || message[0] == b'Q' {
                count.fetch_add(1, Ordering::SeqCst);
            }
            if server_write.write_all(&message).await.is_err() {
                break;
            }
        }
    }
    back.abort();
}

/// One typed message (type byte, length, body), as read.
async fn next_message(from: &mut (impl tokio::io::AsyncRead + Unpin)) -> Option<Vec<u8>> {
    let kind = from.read_u8().await.ok()?;
    let len = from.read_i32().await.ok()?;
    let mut message = vec![kind];
    message.extend(len.to_be_bytes());
    let body_start = message.len();
    message.resize(body_start + usize::try_from(len).ok()?.saturating_sub(4), 0);
    from.read_exact(&mut message[body_start..]).await.ok()?;
    Some(message)
}
