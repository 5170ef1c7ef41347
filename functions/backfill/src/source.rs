//! Where records come from: the Airtable REST API ([`Airtable`]) or a folder of CSV exports
//! ([`CsvDir`]), both read a page (up to 100 records) at a time.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use podium_data::import::Table;
use podium_runtime::{ConfigError, Vars};
use serde::Deserialize;
use tokio::time::Instant;

use crate::record::Record;

/// Records per page (Airtable's maximum).
pub const PAGE_SIZE: usize = 100;

/// Every table of the import, in the order it runs (each links only to tables before it).
pub const TABLES: [Table; 5] = [
    Table::Users,
    Table::Events,
    Table::Projects,
    Table::Referrals,
    Table::Votes,
];

#[derive(Debug)]
pub struct Page {
    pub records: Vec<Record>,
    /// The token for the next page; `None` on the last.
    pub next: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A final answer (401/403/404, an unexpected status, a malformed page).
    #[error("{0}")]
    Refused(String),
    /// Still failing after the bounded retries (429, 5xx, network).
    #[error("{0}")]
    GaveUp(String),
    #[error("{0}")]
    Csv(String),
}

#[derive(Debug)]
pub enum Source {
    Airtable(Airtable),
    Csv(CsvDir),
}

impl Source {
    pub async fn page(&mut self, table: Table, offset: Option<&str>) -> Result<Page, SourceError> {
        match self {
            Self::Airtable(a) => a.page(table, offset).await,
            Self::Csv(c) => c.page(table, offset),
        }
    }

    /// How many records the table holds, when known before reading it (CSV).
    pub fn total(&mut self, table: Table) -> Result<Option<usize>, SourceError> {
        match self {
            Self::Airtable(_) => Ok(None),
            Self::Csv(c) => c.records(table).map(|r| Some(r.len())),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::Airtable(_) => "airtable",
            Self::Csv(_) => "csv",
        }
    }
}

/// A secret that `Debug` never shows.
#[derive(Clone)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Settings of the Airtable source, from the environment as the original named them.
#[derive(Debug, Clone)]
pub struct AirtableConfig {
    pub base_url: String,
    pub token: Token,
    pub base_id: String,
    pub tables: HashMap<Table, String>,
    /// Requests per second per base (Airtable allows 5).
    pub rate: f64,
    /// How long to wait after a 429 that names no `Retry-After` (Airtable's penalty is 30 s).
    pub retry_wait: Duration,
    /// Retries of one request (429, 5xx, network) before the run stops.
    pub max_retries: u32,
}

pub const URL_VAR: &str = "PODIUM_AIRTABLE_URL";
pub const TOKEN_VAR: &str = "PODIUM_AIRTABLE_TOKEN";
pub const BASE_VAR: &str = "PODIUM_AIRTABLE_BASE_ID";
pub const RATE_VAR: &str = "PODIUM_AIRTABLE_RATE";
pub const RETRY_WAIT_VAR: &str = "PODIUM_AIRTABLE_RETRY_WAIT";

/// `PODIUM_AIRTABLE_USERS_TABLE_ID`, …
pub fn table_var(table: Table) -> String {
    format!(
        "PODIUM_AIRTABLE_{}_TABLE_ID",
        table.name().to_ascii_uppercase()
    )
}

impl AirtableConfig {
    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        let mut tables = HashMap::new();
        for table in TABLES {
            tables.insert(table, vars.required(&table_var(table))?);
        }
        let rate: f64 = vars.parsed(RATE_VAR, 5.0)?;
        if !(rate > 0.0 && rate <= 5.0) {
            return Err(ConfigError::Invalid {
                name: RATE_VAR.into(),
                reason: "must be more than 0 and at most 5 (Airtable's limit)".into(),
            });
        }
        let retry_wait: f64 = vars.parsed(RETRY_WAIT_VAR, 30.0)?;
        Ok(Self {
            base_url: vars
                .optional(URL_VAR)
                .unwrap_or_else(|| "https://api.airtable.com".into())
                .trim_end_matches('/')
                .to_owned(),
            token: Token(vars.required(TOKEN_VAR)?),
            base_id: vars.required(BASE_VAR)?,
            tables,
            rate,
            retry_wait: Duration::from_secs_f64(retry_wait.max(0.0)),
            max_retries: 5,
        })
    }
}

/// Airtable counts requests per base in any one second. Request n is sent no sooner than 1 s +
/// this margin after the answer to request n − `rate` arrived. Airtable counted that request
/// before it answered, and counts request n no sooner than it is sent, so the two are counted
/// more than 1 s apart whatever the delays on the way in or back: the rule needs no margin for
/// delays. The margin covers only how time is read: timestamps and timers at millisecond
/// granularity on both sides (tokio's sleep rounds up, never fires early), a server window that
/// counts "within 1 s" inclusively, or counts on machines whose clocks agree to a few ms.
pub const PACING_MARGIN: Duration = Duration::from_millis(25);

/// The Airtable REST API client: one request at a time (`page` takes `&mut self` and awaits each
/// answer), at least 1/`rate` apart, and each sent only once 1 s + [`PACING_MARGIN`] has passed
/// since the answer to the request `rate` before it arrived; 429 is answered by waiting and
/// retrying, 5xx and network errors by retrying with a growing pause, both bounded.
#[derive(Debug)]
pub struct Airtable {
    http: reqwest::Client,
    config: AirtableConfig,
    /// When the answers to the last `rate` requests arrived, oldest first: a success, a 429, an
    /// error status, or the moment a failed request (network error, timeout) came back.
    answered: VecDeque<Instant>,
    /// When the last request was sent.
    last_sent: Option<Instant>,
    /// Requests sent, and how many of them were answered 429 (for the report).
    pub requests: u32,
    pub throttled: u32,
}

#[derive(Deserialize)]
struct ListResponse {
    records: Vec<Record>,
    #[serde(default)]
    offset: Option<String>,
}

impl Airtable {
    pub fn new(config: AirtableConfig) -> Result<Self, SourceError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent("podium-backfill")
            .build()
            .map_err(|e| SourceError::Refused(format!("could not set up HTTPS: {e}")))?;
        Ok(Self {
            http,
            config,
            answered: VecDeque::new(),
            last_sent: None,
            requests: 0,
            throttled: 0,
        })
    }

    /// How many requests Airtable allows in one second.
    fn capacity(&self) -> usize {
        (self.config.rate.floor() as usize).max(1)
    }

    /// Waits until the next request may go: 1 s + [`PACING_MARGIN`] after the answer to the
    /// request `rate` before it arrived (what Airtable has certainly counted by then), and
    /// 1/`rate` after the previous request was sent. The spacing is not needed for the limit; it
    /// spreads the requests over the second instead of sending five at once, and costs next to
    /// nothing: `rate` spacings make 1 s, less than the window, so once the window governs the
    /// spacing never adds a wait (only the first few requests of a run go later than they could).
    async fn pace(&mut self) {
        let spacing = Duration::from_secs_f64(1.0 / self.config.rate);
        let mut ready = Instant::now();
        if let Some(last) = self.last_sent {
            ready = ready.max(last + spacing);
        }
        if self.answered.len() >= self.capacity()
            && let Some(&oldest) = self.answered.front()
        {
            ready = ready.max(oldest + Duration::from_secs(1) + PACING_MARGIN);
        }
        tokio::time::sleep_until(ready).await;
        self.last_sent = Some(Instant::now());
    }

    /// Notes that the answer to the request just sent arrived, or that it failed: now, which is
    /// after Airtable counted it if it did. (A request that timed out while still on its way in
    /// could be counted later still; the client's timeout is 30 s, far beyond any such delay.)
    fn note_answer(&mut self) {
        while self.answered.len() >= self.capacity() {
            self.answered.pop_front();
        }
        self.answered.push_back(Instant::now());
    }

    #[tracing::instrument(skip(self), fields(table = table.name()))]
    pub async fn page(&mut self, table: Table, offset: Option<&str>) -> Result<Page, SourceError> {
        let table_id = &self.config.tables[&table];
        let url = format!(
            "{}/v0/{}/{}",
            self.config.base_url, self.config.base_id, table_id
        );
        let mut query = vec![("pageSize", PAGE_SIZE.to_string())];
        if let Some(offset) = offset {
            query.push(("offset", offset.to_owned()));
        }
        let mut retries = 0;
        loop {
            self.pace().await;
            self.requests += 1;
            let sent = self
                .http
                .get(&url)
                .query(&query)
                .bearer_auth(&self.config.token.0)
                .send()
                .await;
            self.note_answer();
            let wait = match sent {
                Ok(response) if response.status().is_success() => {
                    let body: ListResponse = response.json().await.map_err(|e| {
                        SourceError::Refused(format!(
                            "Airtable sent a page of the {} table that is not a record list: {e}",
                            table.name()
                        ))
                    })?;
                    return Ok(Page {
                        records: body.records,
                        next: body.offset,
                    });
                }
                Ok(response) if response.status().as_u16() == 429 => {
                    self.throttled += 1;
                    let wait = retry_after(&response).unwrap_or(self.config.retry_wait);
                    tracing::warn!(wait_ms = wait.as_millis(), "Airtable answered 429; waiting");
                    wait
                }
                Ok(response) if response.status().is_server_error() => {
                    tracing::warn!(status = %response.status(), "Airtable failed; retrying");
                    Duration::from_millis(500 << retries.min(5))
                }
                Ok(response) => return Err(self.refused(table, response.status())),
                Err(e) => {
                    // reqwest's message names the URL (no token: it travels in a header).
                    tracing::warn!(error = %e, "Airtable request failed; retrying");
                    Duration::from_millis(500 << retries.min(5))
                }
            };
            retries += 1;
            if retries > self.config.max_retries {
                return Err(SourceError::GaveUp(format!(
                    "Airtable still refused a page of the {} table after {} retries (rate limit, server or network errors)",
                    table.name(),
                    self.config.max_retries
                )));
            }
            tokio::time::sleep(wait).await;
        }
    }

    fn refused(&self, table: Table, status: reqwest::StatusCode) -> SourceError {
        let hint = match status.as_u16() {
            401 => format!("{TOKEN_VAR} is missing, wrong or expired"),
            403 => format!(
                "the token may not read this base or table; check its scopes and {BASE_VAR}, {}",
                table_var(table)
            ),
            404 => format!(
                "no such base or table; check {BASE_VAR} ({}) and {} ({})",
                self.config.base_id,
                table_var(table),
                self.config.tables[&table]
            ),
            _ => "an answer the backfill does not expect".to_owned(),
        };
        SourceError::Refused(format!(
            "Airtable answered {status} for the {} table: {hint}",
            table.name()
        ))
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// A folder of CSV exports, one per table (`users.csv`, `events.csv`, …): a header row of field
/// names, the record id in a column `id` (or `record_id`, `Record ID`, `airtable_id`), linked
/// records as comma-separated record ids.
#[derive(Debug)]
pub struct CsvDir {
    dir: PathBuf,
    loaded: HashMap<Table, Vec<Record>>,
}

const ID_COLUMNS: [&str; 4] = ["id", "record_id", "Record ID", "airtable_id"];

impl CsvDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            loaded: HashMap::new(),
        }
    }

    fn path(&self, table: Table) -> PathBuf {
        self.dir.join(format!("{}.csv", table.name()))
    }

    fn records(&mut self, table: Table) -> Result<&[Record], SourceError> {
        if !self.loaded.contains_key(&table) {
            let records = read_csv(&self.path(table))?;
            self.loaded.insert(table, records);
        }
        Ok(self.loaded.get(&table).map_or(&[], Vec::as_slice))
    }

    fn page(&mut self, table: Table, offset: Option<&str>) -> Result<Page, SourceError> {
        let start = offset.map_or(Ok(0), |o| {
            o.parse::<usize>()
                .map_err(|_| SourceError::Csv(format!("bad page offset {o}")))
        })?;
        let all = self.records(table)?;
        let end = (start + PAGE_SIZE).min(all.len());
        Ok(Page {
            records: all.get(start..end).unwrap_or_default().to_vec(),
            next: (end < all.len()).then(|| end.to_string()),
        })
    }
}

fn read_csv(path: &Path) -> Result<Vec<Record>, SourceError> {
    let fail = |e: &dyn fmt::Display| SourceError::Csv(format!("{}: {e}", path.display()));
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| fail(&e))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| fail(&e))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let id_column = headers
        .iter()
        .position(|h| ID_COLUMNS.contains(&h.as_str()))
        .ok_or_else(|| fail(&"no record id column (id, record_id, Record ID or airtable_id)"))?;
    let created = headers.iter().position(|h| h == "createdTime");
    let mut records = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| fail(&e))?;
        let id = row.get(id_column).unwrap_or_default().trim().to_owned();
        if id.is_empty() {
            continue;
        }
        let fields = headers
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != id_column && Some(*i) != created)
            .filter_map(|(i, name)| {
                let value = row.get(i)?;
                (!value.is_empty())
                    .then(|| (name.clone(), serde_json::Value::String(value.to_owned())))
            })
            .collect();
        records.push(Record {
            id,
            created_time: created.and_then(|i| row.get(i)).map(str::to_owned),
            fields,
        });
    }
    Ok(records)
}
