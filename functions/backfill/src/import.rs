//! Writing one page of records: one transaction per page with a bounded number of statements
//! (find the rows the page meets, stamp adopted rows, insert the rest in one multi-row insert,
//! add the page's links in one more). Which record becomes which row is decided in memory
//! ([`decide`]); the unique indexes settle any race with the API, and a page that lost one is
//! decided again.

use std::collections::{HashMap, HashSet};

use podium_data::import::{self, Existing, Table};
use podium_data::import::{attendees, collaborators, events, projects, referrals, users, votes};
use sqlx::{Acquire, PgConnection};
use uuid::Uuid;

use crate::BackfillError;
use crate::clean::{self, Maps};
use crate::record::Record;
use crate::report::{Found, Kind, Line, Problems};

/// How often a page is decided again after losing a race with another writer.
const ATTEMPTS: u32 = 5;

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Imported by an earlier run.
    Already(Uuid),
    /// An existing row with its natural key and no record id: stamped, and used.
    Adopt(Uuid),
    /// A new row.
    Insert(Uuid),
    /// Another record's row (a duplicate email).
    Merge(Uuid),
    /// Not imported (reported).
    Skip,
}

impl Decision {
    fn row(self) -> Option<Uuid> {
        match self {
            Self::Already(id) | Self::Adopt(id) | Self::Insert(id) | Self::Merge(id) => Some(id),
            Self::Skip => None,
        }
    }
}

/// A link kind: which table, and its line in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkKind {
    Attendees,
    Collaborators,
}

impl LinkKind {
    /// The links a table's records carry.
    fn of(table: Table) -> Option<Self> {
        match table {
            Table::Events => Some(Self::Attendees),
            Table::Projects => Some(Self::Collaborators),
            _ => None,
        }
    }

    /// The record field listing the linked users.
    fn field(self) -> &'static str {
        match self {
            Self::Attendees => "attendees",
            Self::Collaborators => "collaborators",
        }
    }

    /// The link table, and its line in the report.
    fn table(self) -> &'static str {
        match self {
            Self::Attendees => "event_attendees",
            Self::Collaborators => "project_collaborators",
        }
    }
}

/// A page's records, cleaned into the rows of their table (`None`: skipped).
enum Rows {
    Users(Vec<Option<users::ImportedUser>>),
    Events(Vec<Option<events::ImportedEvent>>),
    Projects(Vec<Option<projects::ImportedProject>>),
    Referrals(Vec<Option<referrals::ImportedReferral>>),
    Votes(Vec<Option<votes::ImportedVote>>),
}

impl Rows {
    fn clean(table: Table, records: &[Record], maps: &Maps, found: &mut Vec<Found>) -> Self {
        fn each<T>(
            records: &[Record],
            maps: &Maps,
            found: &mut Vec<Found>,
            clean: fn(&Record, &Maps, &mut Vec<Found>) -> Option<T>,
        ) -> Vec<Option<T>> {
            records.iter().map(|r| clean(r, maps, found)).collect()
        }
        match table {
            Table::Users => Self::Users(records.iter().map(|r| clean::user(r, found)).collect()),
            Table::Events => Self::Events(each(records, maps, found, clean::event)),
            Table::Projects => Self::Projects(each(records, maps, found, clean::project)),
            Table::Referrals => Self::Referrals(each(records, maps, found, clean::referral)),
            Table::Votes => Self::Votes(each(records, maps, found, clean::vote)),
        }
    }
}

/// The state of a run: maps from record ids to rows, tallies and problems.
#[derive(Debug)]
pub struct Importer {
    pub maps: Maps,
    pub problems: Problems,
    lines: HashMap<&'static str, Line>,
    source_ids: HashMap<Table, Vec<String>>,
    attendee_links: HashSet<(Uuid, Uuid)>,
    collaborator_links: HashSet<(Uuid, Uuid)>,
}

/// The report's lines, in order.
pub const LINES: [&str; 7] = [
    "users",
    "events",
    "event_attendees",
    "projects",
    "project_collaborators",
    "referrals",
    "votes",
];

/// The outcome of one page's transaction, applied once it committed.
#[derive(Debug, Default)]
struct Written {
    decisions: Vec<Decision>,
    found: Vec<Found>,
    links: Vec<(Uuid, Uuid)>,
    links_added: u64,
    /// The event of each project row (for an adopted project, the event it already has).
    project_events: HashMap<Uuid, Uuid>,
}

impl Default for Importer {
    fn default() -> Self {
        Self {
            maps: Maps::default(),
            problems: Problems::default(),
            lines: LINES.iter().map(|n| (*n, Line::named(n))).collect(),
            source_ids: HashMap::new(),
            attendee_links: HashSet::new(),
            collaborator_links: HashSet::new(),
        }
    }
}

impl Importer {
    fn line(&mut self, name: &'static str) -> &mut Line {
        self.lines.entry(name).or_insert_with(|| Line::named(name))
    }

    /// Imports one page of `table` in one transaction.
    #[tracing::instrument(skip_all, fields(table = table.name(), records = records.len()))]
    pub async fn page(
        &mut self,
        conn: &mut PgConnection,
        table: Table,
        records: &[Record],
    ) -> Result<(), BackfillError> {
        let mut found = Vec::new();
        let rows = Rows::clean(table, records, &self.maps, &mut found);
        let kind = LinkKind::of(table);
        let seen = match kind {
            Some(LinkKind::Attendees) => &self.attendee_links,
            Some(LinkKind::Collaborators) => &self.collaborator_links,
            None => &HashSet::new(),
        };
        let users = &self.maps.users;
        let written = retry(conn, table, async |tx, attempt| {
            let mut written = match &rows {
                Rows::Users(rows) => write_users(tx, rows).await?,
                Rows::Events(rows) => write_events(tx, rows, attempt).await?,
                Rows::Projects(rows) => write_projects(tx, rows, attempt).await?,
                Rows::Referrals(rows) => write_referrals(tx, rows).await?,
                Rows::Votes(rows) => write_votes(tx, rows).await?,
            };
            if let (Some(w), Some(kind)) = (&mut written, kind) {
                link(tx, kind, records, w, users, seen).await?;
            }
            Ok(written)
        })
        .await?;
        self.problems.extend(found);
        self.apply(table, records, written);
        Ok(())
    }

    fn apply(&mut self, table: Table, records: &[Record], written: Written) {
        let name = table.name();
        let duplicate_links = written
            .found
            .iter()
            .filter(|(kind, ..)| *kind == Kind::DuplicateLink)
            .count() as u64;
        self.problems.extend(written.found);
        let ids = self.source_ids.entry(table).or_default();
        ids.extend(records.iter().map(|r| r.id.clone()));
        let line = self.line(name);
        for decision in &written.decisions {
            line.source += 1;
            match decision {
                Decision::Already(_) => line.already += 1,
                Decision::Adopt(_) => line.adopted += 1,
                Decision::Insert(_) => line.inserted += 1,
                Decision::Merge(_) => line.merged += 1,
                Decision::Skip => line.skipped += 1,
            }
        }
        for (record, decision) in records.iter().zip(&written.decisions) {
            let Some(row) = decision.row() else { continue };
            match table {
                Table::Users => {
                    self.maps.users.insert(record.id.clone(), row);
                }
                Table::Events => {
                    self.maps.events.insert(record.id.clone(), row);
                }
                Table::Projects => {
                    if let Some(&event) = written.project_events.get(&row) {
                        self.maps.projects.insert(record.id.clone(), (row, event));
                    }
                }
                Table::Referrals | Table::Votes => {}
            }
        }
        let Some(kind) = LinkKind::of(table) else {
            return;
        };
        let entries: u64 = records
            .iter()
            .map(|r| r.links(kind.field()).len() as u64)
            .sum();
        let new_links = written.links.len() as u64;
        let seen = match kind {
            LinkKind::Attendees => &mut self.attendee_links,
            LinkKind::Collaborators => &mut self.collaborator_links,
        };
        seen.extend(written.links);
        let line = self.line(kind.table());
        line.source += entries;
        line.inserted += written.links_added;
        line.already += new_links - written.links_added;
        line.merged += duplicate_links;
        line.skipped = line.source - line.merged - line.inserted - line.already;
    }

    /// The report's lines, each settled against what the database holds now.
    pub async fn verify(&mut self, conn: &mut PgConnection) -> Result<Vec<Line>, sqlx::Error> {
        for table in crate::source::TABLES {
            let ids = self.source_ids.get(&table).map_or(&[][..], Vec::as_slice);
            let held = import::count_imported(&mut *conn, table, ids).await?;
            self.line(table.name()).settle(held);
        }
        let pairs: Vec<_> = self.attendee_links.iter().copied().collect();
        let held = attendees::count_links(&mut *conn, &pairs).await?;
        self.line("event_attendees").settle(held);
        let pairs: Vec<_> = self.collaborator_links.iter().copied().collect();
        let held = collaborators::count_links(&mut *conn, &pairs).await?;
        self.line("project_collaborators").settle(held);
        Ok(LINES.iter().map(|n| self.lines[n].clone()).collect())
    }
}

/// Runs `write` in a transaction (a savepoint inside a dry run's transaction), committing when
/// it returns `Some`, deciding again when it lost a race (`None`).
async fn retry(
    conn: &mut PgConnection,
    table: Table,
    mut write: impl AsyncFnMut(&mut PgConnection, u32) -> Result<Option<Written>, sqlx::Error>,
) -> Result<Written, BackfillError> {
    for attempt in 0..ATTEMPTS {
        let mut tx = conn.begin().await?;
        match write(&mut tx, attempt).await? {
            Some(written) => {
                tx.commit().await?;
                return Ok(written);
            }
            None => {
                tx.rollback().await?;
                tracing::info!(
                    attempt,
                    "another writer changed rows of this page; deciding again"
                );
            }
        }
    }
    Err(BackfillError::Contended(table.name()))
}

/// Index of existing rows by record id and by natural key.
struct Index<'a> {
    by_airtable: HashMap<&'a str, Uuid>,
    by_key: HashMap<&'a str, (Uuid, Option<&'a str>)>,
    by_key2: HashMap<&'a str, (Uuid, Option<&'a str>)>,
}

impl<'a> Index<'a> {
    fn slot(&self, slot: Slot) -> &HashMap<&'a str, (Uuid, Option<&'a str>)> {
        match slot {
            Slot::Key => &self.by_key,
            Slot::Key2 => &self.by_key2,
        }
    }

    fn new(existing: &'a [Existing]) -> Self {
        let mut index = Self {
            by_airtable: HashMap::new(),
            by_key: HashMap::new(),
            by_key2: HashMap::new(),
        };
        for row in existing {
            let stamp = row.airtable_id.as_deref();
            if let Some(a) = stamp {
                index.by_airtable.insert(a, row.id);
            }
            if let Some(k) = row.key.as_deref() {
                index.by_key.insert(k, (row.id, stamp));
            }
            if let Some(k) = row.key2.as_deref() {
                index.by_key2.insert(k, (row.id, stamp));
            }
        }
        index
    }
}

/// Stamps the adopted rows and inserts the new ones; `false` when another writer got there
/// first (a row was stamped or a key taken meanwhile).
async fn store<T>(
    tx: &mut PgConnection,
    table: Table,
    adopt: &[(Uuid, String)],
    insert: &[T],
    insert_rows: impl AsyncFnOnce(&mut PgConnection, &[T]) -> Result<Vec<String>, sqlx::Error>,
) -> Result<bool, sqlx::Error> {
    if !adopt.is_empty() && import::stamp(&mut *tx, table, adopt).await? < adopt.len() as u64 {
        return Ok(false);
    }
    if !insert.is_empty() && insert_rows(&mut *tx, insert).await?.len() < insert.len() {
        return Ok(false);
    }
    Ok(true)
}

async fn write_users(
    tx: &mut PgConnection,
    rows: &[Option<users::ImportedUser>],
) -> Result<Option<Written>, sqlx::Error> {
    let present: Vec<_> = rows.iter().flatten().collect();
    let ids: Vec<String> = present.iter().map(|r| r.airtable_id.clone()).collect();
    let emails: Vec<String> = present.iter().map(|r| r.email.clone()).collect();
    let existing = users::matches(&mut *tx, &ids, &emails).await?;
    let index = Index::new(&existing);
    // Emails claimed by earlier records of this page: their row.
    let mut claimed: HashMap<&str, Uuid> = HashMap::new();
    let mut written = Written::default();
    let (mut adopt, mut insert) = (Vec::new(), Vec::new());
    for row in rows {
        let Some(row) = row else {
            written.decisions.push(Decision::Skip);
            continue;
        };
        let email = row.email.as_str();
        let decision = if let Some(&id) = index.by_airtable.get(row.airtable_id.as_str()) {
            claimed.entry(email).or_insert(id);
            Decision::Already(id)
        } else if let Some(&id) = claimed.get(email) {
            Decision::Merge(id)
        } else if let Some(&(id, stamp)) = index.by_key.get(email) {
            claimed.insert(email, id);
            match stamp {
                None => {
                    adopt.push((id, row.airtable_id.clone()));
                    Decision::Adopt(id)
                }
                Some(_) => Decision::Merge(id),
            }
        } else {
            claimed.insert(email, row.id);
            insert.push(row.clone());
            Decision::Insert(row.id)
        };
        if let Decision::Merge(_) = decision {
            written.found.push((
                Kind::DuplicateEmail,
                "users",
                "email",
                row.airtable_id.clone(),
            ));
        }
        written.decisions.push(decision);
    }
    let stored = store(tx, Table::Users, &adopt, &insert, async |tx, rows| {
        users::insert(tx, rows).await
    })
    .await?;
    Ok(stored.then_some(written))
}

async fn write_events(
    tx: &mut PgConnection,
    rows: &[Option<events::ImportedEvent>],
    attempt: u32,
) -> Result<Option<Written>, sqlx::Error> {
    let present: Vec<_> = rows.iter().flatten().collect();
    let ids: Vec<String> = present.iter().map(|r| r.airtable_id.clone()).collect();
    let slugs: Vec<String> = present.iter().map(|r| r.slug.clone()).collect();
    let codes: Vec<String> = present.iter().map(|r| r.join_code.clone()).collect();
    let existing = events::matches(&mut *tx, &ids, &slugs, &codes).await?;
    let keys = [
        UniqueKey {
            column: "slug",
            kind: Kind::DuplicateSlug,
            slot: Slot::Key,
            get: |r: &events::ImportedEvent| &r.slug,
            derive: |r, attempt| r.slug = clean::derived_slug(&r.slug, &r.airtable_id, attempt),
        },
        UniqueKey {
            column: "join_code",
            kind: Kind::DuplicateJoinCode,
            slot: Slot::Key2,
            get: |r| &r.join_code,
            derive: |r, attempt| {
                r.join_code = clean::derived_join_code(&r.airtable_id, attempt + 1)
            },
        },
    ];
    let plan = reconcile("events", rows, &Index::new(&existing), &keys, attempt);
    let stored = store(
        tx,
        Table::Events,
        &plan.adopt,
        &plan.insert,
        async |tx, rows| events::insert(tx, rows).await,
    )
    .await?;
    Ok(stored.then_some(plan.written))
}

async fn write_projects(
    tx: &mut PgConnection,
    rows: &[Option<projects::ImportedProject>],
    attempt: u32,
) -> Result<Option<Written>, sqlx::Error> {
    let present: Vec<_> = rows.iter().flatten().collect();
    let ids: Vec<String> = present.iter().map(|r| r.airtable_id.clone()).collect();
    let codes: Vec<String> = present.iter().map(|r| r.join_code.clone()).collect();
    let existing = projects::matches(&mut *tx, &ids, &codes).await?;
    let event_of: HashMap<Uuid, Uuid> = existing
        .iter()
        .filter_map(|e| Some((e.id, e.key2.as_deref()?.parse().ok()?)))
        .collect();
    let keys = [UniqueKey {
        column: "join_code",
        kind: Kind::DuplicateJoinCode,
        slot: Slot::Key,
        get: |r: &projects::ImportedProject| &r.join_code,
        derive: |r, attempt| r.join_code = clean::derived_join_code(&r.airtable_id, attempt + 1),
    }];
    let mut plan = reconcile("projects", rows, &Index::new(&existing), &keys, attempt);
    for (row, decision) in rows.iter().zip(&plan.written.decisions) {
        if let (Some(row), Some(id)) = (row, decision.row()) {
            let event = event_of.get(&id).copied().unwrap_or(row.event_id);
            plan.written.project_events.insert(id, event);
        }
    }
    let stored = store(
        tx,
        Table::Projects,
        &plan.adopt,
        &plan.insert,
        async |tx, rows| projects::insert(tx, rows).await,
    )
    .await?;
    Ok(stored.then_some(plan.written))
}

/// A row of a table whose records are matched by record id, then by unique natural keys.
trait Keyed: Clone {
    fn id(&self) -> Uuid;
    fn airtable_id(&self) -> &str;
}

impl Keyed for events::ImportedEvent {
    fn id(&self) -> Uuid {
        self.id
    }
    fn airtable_id(&self) -> &str {
        &self.airtable_id
    }
}

impl Keyed for projects::ImportedProject {
    fn id(&self) -> Uuid {
        self.id
    }
    fn airtable_id(&self) -> &str {
        &self.airtable_id
    }
}

/// Which natural key of [`Existing`] a unique key is matched against.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Key,
    Key2,
}

/// A unique column of imported rows: a record whose value another row holds is adopted into
/// that row when it has no record id, and otherwise imported with a derived value (reported).
struct UniqueKey<R> {
    column: &'static str,
    kind: Kind,
    slot: Slot,
    get: fn(&R) -> &str,
    derive: fn(&mut R, u32),
}

/// What a page of keyed records comes to: a decision each, the rows to stamp, the rows to insert.
struct Plan<R> {
    written: Written,
    adopt: Vec<(Uuid, String)>,
    insert: Vec<R>,
}

/// Decides each record of a page of `table` with unique `keys`: already imported (a key it
/// could not keep is reported again, as the first run did), adopted (the first key, in order,
/// that finds a row without a record id and not claimed by an earlier record of the page), or
/// inserted (each key another row or an earlier record holds is derived anew and reported).
fn reconcile<R: Keyed>(
    table: &'static str,
    rows: &[Option<R>],
    index: &Index<'_>,
    keys: &[UniqueKey<R>],
    attempt: u32,
) -> Plan<R> {
    let mut taken_rows: HashSet<Uuid> = HashSet::new();
    let mut taken: Vec<HashSet<String>> = vec![HashSet::new(); keys.len()];
    let mut plan = Plan {
        written: Written::default(),
        adopt: Vec::new(),
        insert: Vec::new(),
    };
    let report = |written: &mut Written, key: &UniqueKey<R>, row: &R| {
        written
            .found
            .push((key.kind, table, key.column, row.airtable_id().to_owned()));
    };
    for row in rows {
        let Some(row) = row else {
            plan.written.decisions.push(Decision::Skip);
            continue;
        };
        let decision = if let Some(&id) = index.by_airtable.get(row.airtable_id()) {
            for key in keys {
                let holder = index.slot(key.slot).get((key.get)(row));
                if holder.is_some_and(|(other, _)| *other != id) {
                    report(&mut plan.written, key, row);
                }
            }
            Decision::Already(id)
        } else if let Some(id) = keys.iter().find_map(|key| {
            index
                .slot(key.slot)
                .get((key.get)(row))
                .filter(|(id, stamp)| stamp.is_none() && !taken_rows.contains(id))
                .map(|(id, _)| *id)
        }) {
            taken_rows.insert(id);
            plan.adopt.push((id, row.airtable_id().to_owned()));
            Decision::Adopt(id)
        } else {
            let mut row = row.clone();
            for (key, taken) in keys.iter().zip(&mut taken) {
                let value = (key.get)(&row);
                if index.slot(key.slot).contains_key(value) || taken.contains(value) {
                    (key.derive)(&mut row, attempt);
                    report(&mut plan.written, key, &row);
                }
                taken.insert((key.get)(&row).to_owned());
            }
            let id = row.id();
            plan.insert.push(row);
            Decision::Insert(id)
        };
        plan.written.decisions.push(decision);
    }
    plan
}

async fn write_referrals(
    tx: &mut PgConnection,
    rows: &[Option<referrals::ImportedReferral>],
) -> Result<Option<Written>, sqlx::Error> {
    let ids: Vec<String> = rows
        .iter()
        .flatten()
        .map(|r| r.airtable_id.clone())
        .collect();
    let existing = referrals::matches(&mut *tx, &ids).await?;
    let index = Index::new(&existing);
    let mut written = Written::default();
    let mut insert = Vec::new();
    for row in rows {
        written.decisions.push(match row {
            None => Decision::Skip,
            Some(row) => match index.by_airtable.get(row.airtable_id.as_str()) {
                Some(&id) => Decision::Already(id),
                None => {
                    insert.push(row.clone());
                    Decision::Insert(row.id)
                }
            },
        });
    }
    let stored = store(tx, Table::Referrals, &[], &insert, async |tx, rows| {
        referrals::insert(tx, rows).await
    })
    .await?;
    Ok(stored.then_some(written))
}

async fn write_votes(
    tx: &mut PgConnection,
    rows: &[Option<votes::ImportedVote>],
) -> Result<Option<Written>, sqlx::Error> {
    let present: Vec<_> = rows.iter().flatten().collect();
    let ids: Vec<String> = present.iter().map(|r| r.airtable_id.clone()).collect();
    let pairs: Vec<_> = present.iter().map(|r| (r.voter_id, r.project_id)).collect();
    let existing = votes::matches(&mut *tx, &ids, &pairs).await?;
    let by_airtable: HashMap<&str, Uuid> = existing
        .iter()
        .filter_map(|v| Some((v.airtable_id.as_deref()?, v.id)))
        .collect();
    let mut taken: HashSet<(Uuid, Uuid)> = existing
        .iter()
        .map(|v| (v.voter_id, v.project_id))
        .collect();
    let mut written = Written::default();
    let mut insert = Vec::new();
    for row in rows {
        let Some(row) = row else {
            written.decisions.push(Decision::Skip);
            continue;
        };
        written.decisions.push(
            if let Some(&id) = by_airtable.get(row.airtable_id.as_str()) {
                Decision::Already(id)
            } else if !taken.insert((row.voter_id, row.project_id)) {
                written.found.push((
                    Kind::DuplicateVote,
                    "votes",
                    "project",
                    row.airtable_id.clone(),
                ));
                Decision::Skip
            } else {
                insert.push(row.clone());
                Decision::Insert(row.id)
            },
        );
    }
    let stored = store(tx, Table::Votes, &[], &insert, async |tx, rows| {
        votes::insert(tx, rows).await
    })
    .await?;
    Ok(stored.then_some(written))
}

/// Adds the page's links (event attendees or project collaborators) of the records that got a
/// row, each user resolved through `users`; links to unknown users and repeats are reported.
async fn link(
    tx: &mut PgConnection,
    kind: LinkKind,
    records: &[Record],
    written: &mut Written,
    users: &HashMap<String, Uuid>,
    seen: &HashSet<(Uuid, Uuid)>,
) -> Result<(), sqlx::Error> {
    let (field, line) = (kind.field(), kind.table());
    let mut pairs = Vec::new();
    let mut page_seen = HashSet::new();
    for (record, decision) in records.iter().zip(&written.decisions) {
        let Some(row) = decision.row() else { continue };
        for user in record.links(field) {
            match users.get(&user) {
                None => written
                    .found
                    .push((Kind::MissingLink, line, field, record.id.clone())),
                Some(&user) if seen.contains(&(row, user)) || !page_seen.insert((row, user)) => {
                    written
                        .found
                        .push((Kind::DuplicateLink, line, field, record.id.clone()));
                }
                Some(&user) => pairs.push((row, user)),
            }
        }
    }
    if !pairs.is_empty() {
        written.links_added = match kind {
            LinkKind::Attendees => attendees::insert_links(&mut *tx, &pairs).await?,
            LinkKind::Collaborators => collaborators::insert_links(&mut *tx, &pairs).await?,
        };
    }
    written.links = pairs;
    Ok(())
}
