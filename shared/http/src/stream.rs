//! Bodies written as the database hands out rows, so an answer of any size passes through a
//! function in a few chunks of memory: a task reads the rows and writes chunks of about
//! [`CHUNK`] bytes into a channel of [`CHUNKS_AHEAD`] that the body drains, at the pace the
//! client (or Lambda's response stream) takes them. A database error mid-way ends the body with
//! an error, so the client sees a broken answer, never a silently short one; a client that goes
//! away stops the task.

use std::future::Future;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

/// Bytes gathered before a chunk is sent.
pub const CHUNK: usize = 64 * 1024;
/// Chunks written ahead of what the client has taken (bounds memory to about 4 × 64 KiB).
pub const CHUNKS_AHEAD: usize = 4;

/// Where a streamed body's chunks go.
pub type Sender = mpsc::Sender<Result<Bytes, std::io::Error>>;

/// The client went away (or the body was dropped): nothing left to write to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gone;

/// A channel and the body that drains it.
pub fn channel() -> (Sender, Body) {
    let (tx, mut rx) = mpsc::channel(CHUNKS_AHEAD);
    (
        tx,
        Body::from_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))),
    )
}

/// How long a chunk may wait for a client that takes nothing: past it the client counts as gone,
/// so a stalled reader cannot hold a pooled connection (and its snapshot) for long.
pub const STALL: Duration = Duration::from_secs(30);

/// Sends `bytes` as one chunk (nothing when empty); [`Gone`] when the client went away or took
/// nothing for [`STALL`].
pub async fn send(tx: &Sender, bytes: Vec<u8>) -> Result<(), Gone> {
    if bytes.is_empty() {
        return Ok(());
    }
    match tokio::time::timeout(STALL, tx.send(Ok(Bytes::from(bytes)))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) | Err(_) => Err(Gone),
    }
}

/// Ends the body with an error (the client sees the answer break off).
pub async fn fail(tx: &Sender) {
    let _ = tokio::time::timeout(
        STALL,
        tx.send(Err(std::io::Error::other("the answer broke off"))),
    )
    .await;
}

/// A JSON array to be written by a task: see [`json_array`].
#[derive(Debug)]
pub struct JsonArray {
    tx: Sender,
    started: oneshot::Sender<Result<(), sqlx::Error>>,
}

/// A JSON array of the rows `produce` writes through its [`JsonArray`] (with
/// [`JsonArray::write`]), as a body. The answer starts only once the first row (or the end) has
/// come: a database that fails before that is an error of this call, which the handler answers
/// as any other (a 500 with no internal text) instead of a 200 that breaks off at once.
pub async fn json_array<F, Fut>(produce: F) -> Result<Body, sqlx::Error>
where
    F: FnOnce(JsonArray) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (tx, body) = channel();
    let (started, first) = oneshot::channel();
    // In the request's span, so what the task logs carries the request id.
    tokio::spawn(produce(JsonArray { tx, started }).in_current_span());
    match first.await {
        Ok(Ok(())) => Ok(body),
        Ok(Err(err)) => Err(err),
        // The task ended without a word: it panicked.
        Err(_) => Err(sqlx::Error::WorkerCrashed),
    }
}

/// [`json_array`] as an `application/json` answer: a list that may hold every row of a large
/// event, in a few chunks of memory (on Lambda through response streaming, past the 6 MB of a
/// buffered answer); the same bytes as `Json(list)`. A failure before the first row is the
/// handler's error, answered as any other.
pub async fn json_list<F, Fut>(produce: F) -> Result<Response, crate::ApiError>
where
    F: FnOnce(JsonArray) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let body = json_array(produce).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

impl JsonArray {
    /// Writes `rows` as the array's items, in order, serialised as `serde_json` does.
    pub async fn write<T, S>(self, rows: S)
    where
        T: Serialize,
        S: Stream<Item = Result<T, sqlx::Error>>,
    {
        let Self { tx, started } = self;
        let mut rows = std::pin::pin!(rows);
        let mut chunk = Vec::with_capacity(CHUNK + CHUNK / 4);
        chunk.push(b'[');
        match rows.next().await {
            Some(Err(err)) => {
                let _ = started.send(Err(err));
                return;
            }
            Some(Ok(first)) => {
                let _ = started.send(Ok(()));
                if serde_json::to_writer(&mut chunk, &first).is_err() {
                    return fail(&tx).await;
                }
            }
            None => {
                let _ = started.send(Ok(()));
            }
        }
        while let Some(row) = rows.next().await {
            let row = match row {
                Ok(row) => row,
                Err(err) => {
                    tracing::error!(error = %err, "a streamed list broke off");
                    return fail(&tx).await;
                }
            };
            chunk.push(b',');
            if serde_json::to_writer(&mut chunk, &row).is_err() {
                return fail(&tx).await;
            }
            if chunk.len() >= CHUNK {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK + CHUNK / 4));
                if send(&tx, full).await.is_err() {
                    return;
                }
            }
        }
        chunk.push(b']');
        let _ = send(&tx, chunk).await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;
    use http_body_util::BodyExt;

    async fn text(rows: Vec<Result<serde_json::Value, sqlx::Error>>) -> Result<String, String> {
        let body = json_array(move |out| out.write(futures_util::stream::iter(rows)))
            .await
            .map_err(|e| format!("before: {e}"))?;
        let bytes = body
            .collect()
            .await
            .map_err(|e| format!("mid-way: {e}"))?
            .to_bytes();
        Ok(String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn rows_become_the_array_serde_json_writes_in_chunks_of_bounded_size() {
        assert_eq!(text(vec![]).await.unwrap(), "[]");
        let one = vec![Ok(serde_json::json!({"a": 1}))];
        assert_eq!(text(one).await.unwrap(), r#"[{"a":1}]"#);
        let many: Vec<_> = (0..20_000)
            .map(|n| Ok(serde_json::json!({"n": n, "s": "x".repeat(20)})))
            .collect();
        let expected: Vec<serde_json::Value> = many
            .iter()
            .map(|r: &Result<serde_json::Value, sqlx::Error>| r.as_ref().unwrap().clone())
            .collect();
        let body = json_array(move |out| out.write(futures_util::stream::iter(many)))
            .await
            .unwrap();
        let mut frames = body.into_data_stream();
        let mut all = Vec::new();
        while let Some(frame) = frames.next().await {
            let frame = frame.unwrap();
            assert!(frame.len() < CHUNK + 1024, "{} bytes", frame.len());
            all.extend_from_slice(&frame);
        }
        assert_eq!(
            serde_json::from_slice::<Vec<serde_json::Value>>(&all).unwrap(),
            expected
        );
    }

    #[tokio::test]
    async fn a_failure_before_the_first_row_is_an_error_and_one_after_breaks_the_body() {
        let early = vec![Err(sqlx::Error::PoolTimedOut)];
        assert_eq!(
            text(early).await.unwrap_err(),
            format!("before: {}", sqlx::Error::PoolTimedOut)
        );
        let late = vec![Ok(serde_json::json!(1)), Err(sqlx::Error::PoolTimedOut)];
        assert!(text(late).await.unwrap_err().starts_with("mid-way: "));
    }
}
