//! A fake Airtable REST API in the test process: list-records pages of up to 100 through an
//! `offset` token, bearer-token auth (401), unknown bases and tables (404), Airtable's limit of
//! 5 requests per second per base (429), plus faults a test asks for: 429 on chosen requests,
//! a request that never answers (to kill a run at a known point), or delays on the way in
//! (a busy machine or network, which bunch requests up before Airtable counts them) and on the
//! way back (an answer held after Airtable counted its request).

#![allow(
    clippy::disallowed_types,
    reason = "the fake Airtable is an axum app of its own, outside our contract"
)]

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use backfill::record::Record;
use serde_json::json;
use tokio::sync::Notify;

pub const TOKEN: &str = "patFAKE.secret-token-value";
pub const BASE: &str = "appFAKEBASE0001";

/// The table ids the fake serves, by table name.
pub fn table_id(table: &str) -> String {
    format!("tbl{table}0000")
}

#[derive(Debug, Default)]
pub struct Log {
    /// Arrival time, table id, offset and page size of every request.
    pub requests: Vec<(Instant, String, Option<String>, Option<String>)>,
    pub answered_429: usize,
}

#[derive(Debug)]
struct Shared {
    tables: BTreeMap<String, Vec<Record>>,
    log: Mutex<Log>,
    /// Request numbers (1-based) to answer with 429 whatever the rate.
    inject_429: Mutex<HashSet<usize>>,
    /// Answer every request with 429 (to exhaust the client's retries).
    always_429: Mutex<bool>,
    /// (table id, page index): this request never gets an answer.
    hang: Mutex<Option<(String, usize)>>,
    hung: Notify,
    /// Milliseconds each request is held before it counts as arrived, cycled in order.
    delays_ms: Mutex<Vec<u64>>,
    /// Milliseconds each answer is held after its request was counted, cycled in order.
    answer_delays_ms: Mutex<Vec<u64>>,
    /// Requests received so far, before any delay.
    received: std::sync::atomic::AtomicUsize,
}

#[derive(Debug, Clone)]
pub struct FakeAirtable {
    pub url: String,
    shared: Arc<Shared>,
}

impl FakeAirtable {
    pub async fn start(tables: &BTreeMap<&'static str, Vec<Record>>) -> Self {
        let shared = Arc::new(Shared {
            tables: tables
                .iter()
                .map(|(name, records)| (table_id(name), records.clone()))
                .collect(),
            log: Mutex::new(Log::default()),
            inject_429: Mutex::new(HashSet::new()),
            always_429: Mutex::new(false),
            hang: Mutex::new(None),
            hung: Notify::new(),
            delays_ms: Mutex::new(Vec::new()),
            answer_delays_ms: Mutex::new(Vec::new()),
            received: std::sync::atomic::AtomicUsize::new(0),
        });
        let app = axum::Router::new()
            .route("/v0/{base}/{table}", get(list))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, shared }
    }

    /// The settings a backfill needs to read this fake.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("PODIUM_AIRTABLE_URL".to_owned(), self.url.clone()),
            ("PODIUM_AIRTABLE_TOKEN".to_owned(), TOKEN.to_owned()),
            ("PODIUM_AIRTABLE_BASE_ID".to_owned(), BASE.to_owned()),
            ("PODIUM_AIRTABLE_RETRY_WAIT".to_owned(), "0.3".to_owned()),
        ];
        for t in ["users", "events", "projects", "referrals", "votes"] {
            env.push((
                format!("PODIUM_AIRTABLE_{}_TABLE_ID", t.to_ascii_uppercase()),
                table_id(t),
            ));
        }
        env
    }

    pub fn inject_429(&self, requests: &[usize]) {
        lock(&self.shared.inject_429).extend(requests);
    }

    /// Holds the n-th request `delays_ms[n % len]` milliseconds before it counts as arrived
    /// (and is rate-limited), as a loaded machine or network would.
    pub fn delay_arrivals(&self, delays_ms: &[u64]) {
        *lock(&self.shared.delays_ms) = delays_ms.to_vec();
    }

    /// Holds the answer to the n-th request `delays_ms[n % len]` milliseconds after the request
    /// was counted (429s and errors too), as a slow way back would: the client learns late what
    /// Airtable saw early.
    pub fn delay_responses(&self, delays_ms: &[u64]) {
        *lock(&self.shared.answer_delays_ms) = delays_ms.to_vec();
    }

    pub fn always_429(&self) {
        *lock(&self.shared.always_429) = true;
    }

    /// The `page`-th request (0-based) for `table` will never be answered.
    pub fn hang_on(&self, table: &str, page: usize) {
        *lock(&self.shared.hang) = Some((table_id(table), page));
    }

    /// Resolves when a request hangs as asked.
    pub async fn hung(&self) {
        self.shared.hung.notified().await;
    }

    pub fn requests(&self) -> usize {
        lock(&self.shared.log).requests.len()
    }

    pub fn answered_429(&self) -> usize {
        lock(&self.shared.log).answered_429
    }

    /// The most requests that arrived within any one second.
    pub fn busiest_second(&self) -> usize {
        let log = lock(&self.shared.log);
        let times: Vec<Instant> = log.requests.iter().map(|r| r.0).collect();
        (0..times.len())
            .map(|i| {
                times[i..]
                    .iter()
                    .take_while(|t| t.duration_since(times[i]) < Duration::from_secs(1))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// Every `pageSize` the client asked for.
    pub fn page_sizes(&self) -> HashSet<Option<String>> {
        lock(&self.shared.log)
            .requests
            .iter()
            .map(|r| r.3.clone())
            .collect()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn error(status: StatusCode, kind: &str) -> Response {
    (status, Json(json!({"error": {"type": kind}}))).into_response()
}

/// The n-th entry of a cycle of delays (none when the cycle is empty).
fn cycled(delays: &Mutex<Vec<u64>>, n: usize) -> Duration {
    let delays = lock(delays);
    Duration::from_millis(delays.get(n % delays.len().max(1)).copied().unwrap_or(0))
}

async fn list(
    State(shared): State<Arc<Shared>>,
    Path((base, table)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let n = shared
        .received
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(cycled(&shared.delays_ms, n)).await;
    let response = answer(&shared, base, table, query, headers).await;
    tokio::time::sleep(cycled(&shared.answer_delays_ms, n)).await;
    response
}

/// Counts the request as arrived now, then answers it.
async fn answer(
    shared: &Shared,
    base: String,
    table: String,
    query: BTreeMap<String, String>,
    headers: HeaderMap,
) -> Response {
    let now = Instant::now();
    let offset = query.get("offset").cloned();
    let (number, recent) = {
        let mut log = lock(&shared.log);
        log.requests.push((
            now,
            table.clone(),
            offset.clone(),
            query.get("pageSize").cloned(),
        ));
        let recent = log
            .requests
            .iter()
            .filter(|r| now.duration_since(r.0) < Duration::from_secs(1))
            .count();
        (log.requests.len(), recent)
    };
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if auth != format!("Bearer {TOKEN}") {
        return error(StatusCode::UNAUTHORIZED, "AUTHENTICATION_REQUIRED");
    }
    let throttle =
        recent > 5 || *lock(&shared.always_429) || lock(&shared.inject_429).contains(&number);
    if throttle {
        lock(&shared.log).answered_429 += 1;
        return error(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMIT_REACHED");
    }
    let Some(records) = shared.tables.get(&table).filter(|_| base == BASE) else {
        return error(StatusCode::NOT_FOUND, "NOT_FOUND");
    };
    let size: usize = query
        .get("pageSize")
        .and_then(|s| s.parse().ok())
        .unwrap_or(100)
        .min(100);
    let start: usize = match offset
        .as_deref()
        .map(|o| o.strip_prefix("itr").map(str::parse))
    {
        None => 0,
        Some(Some(Ok(n))) => n,
        Some(_) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "LIST_RECORDS_ITERATOR_NOT_AVAILABLE",
            );
        }
    };
    let page = start / size.max(1);
    let hang = lock(&shared.hang).clone();
    if hang.is_some_and(|(t, p)| t == table && p == page) {
        shared.hung.notify_one();
        std::future::pending::<()>().await;
    }
    let end = (start + size).min(records.len());
    let mut body = json!({"records": records.get(start..end).unwrap_or_default()});
    if end < records.len() {
        body["offset"] = json!(format!("itr{end}"));
    }
    Json(body).into_response()
}
