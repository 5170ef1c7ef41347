//! The terminal UI's state and keys: two tabs (Events, Users) with a filter, and the dialogs
//! (help, confirmations, the new-event form, attendees, phase). Every key is handled by
//! [`App::handle_key`], which runs the [`Ops`] an action needs and shows its answer or error in
//! the status line; nothing here panics on bad input or a failing database. Drawing is in
//! [`crate::view`].

use podium_data::attendees::Attendee;
use podium_data::erasure::{Erasure, Plan};
use podium_data::{EventId, Phase, UserId, events, users};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::ops::{EventForm, Ops, describe_plan};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Events,
    Users,
}

impl Tab {
    fn index(self) -> usize {
        match self {
            Self::Events => 0,
            Self::Users => 1,
        }
    }
}

/// The status line: the last action's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Info(String),
    Error(String),
}

/// What a confirmation does once confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    SoftDelete(EventId),
    /// The first of the two confirmations of a permanent delete.
    DeleteForGoodAsk {
        id: EventId,
        name: String,
        slug: String,
    },
    DeleteForGood(EventId),
    Superadmin {
        email: String,
        on: bool,
    },
    Erase {
        user: UserId,
        plan: Box<Plan>,
    },
}

/// A confirmation: `y`/Enter, or typing `expected` then Enter when set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub then: Pending,
    pub expected: Option<String>,
    pub typed: String,
    pub scroll: usize,
}

/// The new-event form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub form: EventForm,
    /// 0 name, 1 slug, 2 description, 3 series, 4 owner, 5 phase, 6 demo links optional.
    pub focus: usize,
}

pub const FORM_FIELDS: usize = 7;
const OWNER_FIELD: usize = 4;
const PHASE_FIELD: usize = 5;
const DEMO_FIELD: usize = 6;

impl NewEvent {
    fn text_mut(&mut self) -> Option<&mut String> {
        let f = &mut self.form;
        match self.focus {
            0 => Some(&mut f.name),
            1 => Some(&mut f.slug),
            2 => Some(&mut f.description),
            3 => Some(&mut f.series),
            OWNER_FIELD => Some(&mut f.owner_email),
            _ => None,
        }
    }
}

/// The attendees dialog of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendeesView {
    pub event: EventId,
    pub name: String,
    pub list: Vec<Attendee>,
    pub cursor: usize,
    pub input: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    Help,
    Confirm(Confirm),
    NewEvent(NewEvent),
    Attendees(AttendeesView),
    Phase {
        event: EventId,
        name: String,
        choice: usize,
    },
}

/// The whole UI.
#[derive(Debug)]
pub struct App {
    pub(crate) ops: Ops,
    /// Which database (host and name, never the password), for the title line.
    pub(crate) database: String,
    pub(crate) tab: Tab,
    pub(crate) events: Vec<events::Overview>,
    pub(crate) users: Vec<users::Overview>,
    pub(crate) filters: [String; 2],
    pub(crate) filtering: bool,
    pub(crate) cursor: [usize; 2],
    pub(crate) status: Status,
    pub(crate) modal: Option<Modal>,
    quit: bool,
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(needle)
}

/// The first of `emails` that starts with `typed` (case-insensitive) and is longer.
pub fn complete<'a>(emails: impl IntoIterator<Item = &'a str>, typed: &str) -> Option<&'a str> {
    let typed = typed.trim().to_lowercase();
    if typed.is_empty() {
        return None;
    }
    emails.into_iter().find(|e| {
        let e = e.to_lowercase();
        e.starts_with(&typed) && e != typed
    })
}

/// What to show after `typed` for the completion `suggestion`: the rest of it when `typed` is
/// its beginning as written, else the whole suggestion after an arrow.
pub fn hint(suggestion: &str, typed: &str) -> String {
    match suggestion.strip_prefix(typed) {
        Some(rest) => rest.to_owned(),
        None => format!("  → {suggestion}"),
    }
}

impl App {
    pub fn new(ops: Ops, database: String) -> Self {
        Self {
            ops,
            database,
            tab: Tab::Events,
            events: Vec::new(),
            users: Vec::new(),
            filters: [String::new(), String::new()],
            filtering: false,
            cursor: [0, 0],
            status: Status::Info("Loading…".to_owned()),
            modal: None,
            quit: false,
        }
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn status(&self) -> &Status {
        &self.status
    }

    fn info(&mut self, text: impl Into<String>) {
        self.status = Status::Info(text.into());
    }

    fn error(&mut self, text: impl std::fmt::Display) {
        self.status = Status::Error(format!("error: {text}"));
    }

    /// Reads both lists again; keeps what was shown when the database fails.
    pub async fn refresh(&mut self) {
        let loaded = async {
            Ok::<_, crate::ops::OpError>((self.ops.events().await?, self.ops.users().await?))
        };
        match loaded.await {
            Ok((events, users)) => {
                self.events = events;
                self.users = users;
                self.clamp_cursor();
                let (events, users) = (self.events.len(), self.users.len());
                self.info(format!(
                    "Loaded {}, {}.",
                    crate::ops::count(events, "event", "events"),
                    crate::ops::count(users, "user", "users")
                ));
            }
            Err(e) => self.error(e),
        }
    }

    /// The events the filter lets through, in order.
    pub(crate) fn visible_events(&self) -> Vec<&events::Overview> {
        let f = self.filters[0].trim().to_lowercase();
        self.events
            .iter()
            .filter(|o| {
                let e = &o.event;
                f.is_empty()
                    || [&e.name, &e.slug, &e.feature_flags_csv, &o.owner_email]
                        .iter()
                        .any(|s| contains(s, &f))
                    || contains(e.phase.as_str(), &f)
            })
            .collect()
    }

    pub(crate) fn visible_users(&self) -> Vec<&users::Overview> {
        let f = self.filters[1].trim().to_lowercase();
        self.users
            .iter()
            .filter(|u| {
                f.is_empty()
                    || contains(&u.email, &f)
                    || contains(&u.display_name, &f)
                    || contains(&format!("{} {}", u.first_name, u.last_name), &f)
            })
            .collect()
    }

    fn visible_len(&self) -> usize {
        match self.tab {
            Tab::Events => self.visible_events().len(),
            Tab::Users => self.visible_users().len(),
        }
    }

    fn clamp_cursor(&mut self) {
        let counts = [self.visible_events().len(), self.visible_users().len()];
        for (cursor, n) in self.cursor.iter_mut().zip(counts) {
            *cursor = (*cursor).min(n.saturating_sub(1));
        }
    }

    fn selected_event(&self) -> Option<&events::Overview> {
        self.visible_events().get(self.cursor[0]).copied()
    }

    fn selected_user(&self) -> Option<&users::Overview> {
        self.visible_users().get(self.cursor[1]).copied()
    }

    pub(crate) fn emails(&self) -> impl Iterator<Item = &str> {
        self.users.iter().map(|u| u.email.as_str())
    }

    fn move_cursor(&mut self, by: isize) {
        let n = self.visible_len();
        let i = self.tab.index();
        let max = n.saturating_sub(1);
        self.cursor[i] = self.cursor[i].saturating_add_signed(by).min(max);
    }

    /// One key press.
    pub async fn handle_key(&mut self, key: KeyEvent) {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return;
        }
        match self.modal.take() {
            Some(modal) => Box::pin(self.modal_key(modal, key)).await,
            None if self.filtering => self.filter_key(key),
            None => Box::pin(self.main_key(key)).await,
        }
    }

    fn filter_key(&mut self, key: KeyEvent) {
        let i = self.tab.index();
        match key.code {
            KeyCode::Char(c) => self.filters[i].push(c),
            KeyCode::Backspace => {
                self.filters[i].pop();
            }
            KeyCode::Enter => self.filtering = false,
            KeyCode::Esc => {
                self.filters[i].clear();
                self.filtering = false;
            }
            KeyCode::Up => self.move_cursor(-1),
            KeyCode::Down => self.move_cursor(1),
            _ => {}
        }
        if matches!(
            key.code,
            KeyCode::Char(_) | KeyCode::Backspace | KeyCode::Esc
        ) {
            self.cursor[i] = 0;
        }
    }

    async fn main_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char('q') => self.quit = true,
            KeyCode::Char('r') => self.refresh().await,
            KeyCode::Tab | KeyCode::BackTab => {
                self.tab = match self.tab {
                    Tab::Events => Tab::Users,
                    Tab::Users => Tab::Events,
                }
            }
            KeyCode::Up | KeyCode::Char('k') => self.move_cursor(-1),
            KeyCode::Down | KeyCode::Char('j') => self.move_cursor(1),
            KeyCode::PageUp => self.move_cursor(-10),
            KeyCode::PageDown => self.move_cursor(10),
            KeyCode::Home | KeyCode::Char('g') => self.cursor[self.tab.index()] = 0,
            KeyCode::End | KeyCode::Char('G') => self.move_cursor(isize::MAX),
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Char('?') => self.modal = Some(Modal::Help),
            KeyCode::Esc => {
                self.filters[self.tab.index()].clear();
                self.clamp_cursor();
            }
            KeyCode::Char(c) => match self.tab {
                Tab::Events => self.events_key(c).await,
                Tab::Users => self.users_key(c).await,
            },
            _ => {}
        }
    }

    async fn events_key(&mut self, c: char) {
        if c == 'n' {
            let form = EventForm {
                series: self.ops.series.clone(),
                ..EventForm::default()
            };
            self.modal = Some(Modal::NewEvent(NewEvent { form, focus: 0 }));
            return;
        }
        if !matches!(c, 'a' | 'p' | 'd' | 'u') {
            if c == 's' {
                self.error("s (superadmin) is a key of the Users tab");
            }
            return;
        }
        let Some(selected) = self.selected_event() else {
            self.error("no event is selected");
            return;
        };
        let (id, name, slug) = (
            selected.event.id,
            selected.event.name.clone(),
            selected.event.slug.clone(),
        );
        let deleted = selected.event.is_deleted();
        let phase = selected.event.phase;
        match c {
            'a' => match self.ops.attendees(id).await {
                Ok(list) => {
                    self.modal = Some(Modal::Attendees(AttendeesView {
                        event: id,
                        name,
                        list,
                        cursor: 0,
                        input: String::new(),
                    }))
                }
                Err(e) => self.error(e),
            },
            'p' => {
                let choice = Phase::ALL.iter().position(|p| *p == phase).unwrap_or(0);
                self.modal = Some(Modal::Phase {
                    event: id,
                    name,
                    choice,
                });
            }
            'd' if deleted => {
                let lines = vec![
                    format!("{name} ({slug}) is soft-deleted."),
                    "Deleting it for good removes it with its projects, votes,".to_owned(),
                    "attendees and referrals. This cannot be undone.".to_owned(),
                ];
                self.modal = Some(confirm(
                    format!("Delete {name} for good?"),
                    lines,
                    Pending::DeleteForGoodAsk { id, name, slug },
                    None,
                ));
            }
            'd' => {
                let lines = vec![
                    format!("{name} ({slug}) will be hidden from everyone but its admins."),
                    "Nothing is removed; u restores it.".to_owned(),
                ];
                self.modal = Some(confirm(
                    format!("Soft-delete {name}?"),
                    lines,
                    Pending::SoftDelete(id),
                    None,
                ));
            }
            'u' if !deleted => self.error(format!("{name} is not soft-deleted")),
            'u' => {
                let done = self.ops.restore(id).await;
                self.finish(done).await;
            }
            _ => {}
        }
    }

    async fn users_key(&mut self, c: char) {
        if matches!(c, 'n' | 'a' | 'p' | 'u') {
            self.error(format!("{c} is a key of the Events tab"));
            return;
        }
        let Some(user) = self.selected_user() else {
            if matches!(c, 's' | 'd') {
                self.error("no user is selected");
            }
            return;
        };
        let (id, email, on) = (user.id, user.email.clone(), !user.is_superadmin);
        match c {
            's' => {
                let verb = if on { "Grant" } else { "Revoke" };
                self.modal = Some(confirm(
                    format!("{verb} superadmin for {email}?"),
                    vec![if on {
                        "They may then manage every event and user.".to_owned()
                    } else {
                        "They keep their own events and projects.".to_owned()
                    }],
                    Pending::Superadmin { email, on },
                    None,
                ));
            }
            'd' => match self.ops.erasure_plan(id).await {
                Ok(plan) => self.modal = Some(erase_confirm(plan)),
                Err(e) => self.error(e),
            },
            _ => {}
        }
    }

    /// Shows an operation's answer and reads the lists again after a change.
    async fn finish(&mut self, done: crate::ops::OpResult<String>) {
        match done {
            Ok(text) => {
                self.refresh().await;
                self.info(text);
            }
            Err(e) => self.error(e),
        }
    }

    async fn modal_key(&mut self, modal: Modal, key: KeyEvent) {
        match modal {
            Modal::Help => {}
            Modal::Confirm(c) => self.confirm_key(c, key).await,
            Modal::NewEvent(form) => self.form_key(form, key).await,
            Modal::Attendees(view) => self.attendees_key(view, key).await,
            Modal::Phase {
                event,
                name,
                choice,
            } => {
                let n = Phase::ALL.len();
                match key.code {
                    KeyCode::Left | KeyCode::Up => {
                        self.modal = Some(Modal::Phase {
                            event,
                            name,
                            choice: (choice + n - 1) % n,
                        })
                    }
                    KeyCode::Right | KeyCode::Down | KeyCode::Tab => {
                        self.modal = Some(Modal::Phase {
                            event,
                            name,
                            choice: (choice + 1) % n,
                        })
                    }
                    KeyCode::Enter => {
                        let phase = Phase::ALL.get(choice).copied().unwrap_or(Phase::Draft);
                        let done = self.ops.set_phase(event, phase).await;
                        self.finish(done).await;
                    }
                    KeyCode::Esc => {}
                    _ => {
                        self.modal = Some(Modal::Phase {
                            event,
                            name,
                            choice,
                        })
                    }
                }
            }
        }
    }

    async fn confirm_key(&mut self, mut c: Confirm, key: KeyEvent) {
        let typing = c.expected.is_some();
        match key.code {
            KeyCode::Esc => self.info("Cancelled; nothing changed."),
            KeyCode::Char('n') if !typing => self.info("Cancelled; nothing changed."),
            KeyCode::Up => {
                c.scroll = c.scroll.saturating_sub(1);
                self.modal = Some(Modal::Confirm(c));
            }
            KeyCode::Down => {
                c.scroll = (c.scroll + 1).min(c.lines.len().saturating_sub(1));
                self.modal = Some(Modal::Confirm(c));
            }
            KeyCode::Char(ch) if typing => {
                c.typed.push(ch);
                self.modal = Some(Modal::Confirm(c));
            }
            KeyCode::Backspace if typing => {
                c.typed.pop();
                self.modal = Some(Modal::Confirm(c));
            }
            KeyCode::Enter if typing && c.expected.as_deref() != Some(c.typed.trim()) => {
                let expected = c.expected.clone().unwrap_or_default();
                self.error(format!("type {expected} exactly to confirm, or Esc"));
                self.modal = Some(Modal::Confirm(c));
            }
            KeyCode::Enter | KeyCode::Char('y') => self.run(c.then).await,
            _ => self.modal = Some(Modal::Confirm(c)),
        }
    }

    async fn run(&mut self, pending: Pending) {
        match pending {
            Pending::SoftDelete(id) => {
                let done = self.ops.soft_delete(id).await;
                self.finish(done).await;
            }
            Pending::DeleteForGoodAsk { id, name, slug } => {
                self.modal = Some(confirm(
                    format!("Really delete {name} for good?"),
                    vec![format!("Type the slug, {slug}, then Enter.")],
                    Pending::DeleteForGood(id),
                    Some(slug),
                ));
            }
            Pending::DeleteForGood(id) => {
                let done = self.ops.delete_permanently(id).await;
                self.finish(done).await;
            }
            Pending::Superadmin { email, on } => {
                let done = self.ops.set_superadmin(&email, on).await;
                self.finish(done).await;
            }
            Pending::Erase { user, plan } => match self.ops.erase(user, Some(&plan)).await {
                Ok(Erasure::Erased(plan)) => {
                    self.refresh().await;
                    self.info(erased_summary(&plan));
                }
                Ok(Erasure::Changed(plan)) => {
                    self.modal = Some(erase_confirm(*plan));
                    self.error("what would go changed meanwhile; check it again");
                }
                Ok(Erasure::NoSuchUser) => {
                    self.refresh().await;
                    self.error("the user no longer exists");
                }
                Err(e) => self.error(e),
            },
        }
    }

    async fn form_key(&mut self, mut f: NewEvent, key: KeyEvent) {
        let suggestion = (f.focus == OWNER_FIELD)
            .then(|| complete(self.emails(), &f.form.owner_email).map(str::to_owned))
            .flatten();
        match key.code {
            KeyCode::Esc => {
                self.info("Cancelled; nothing created.");
                return;
            }
            KeyCode::Enter => {
                let done = self.ops.create_event(&f.form).await;
                match done {
                    Ok(text) => {
                        self.refresh().await;
                        self.info(text);
                        return;
                    }
                    Err(e) => self.error(e),
                }
            }
            KeyCode::Tab | KeyCode::Right if suggestion.is_some() => {
                f.form.owner_email = suggestion.unwrap_or_default();
            }
            KeyCode::Tab | KeyCode::Down => f.focus = (f.focus + 1) % FORM_FIELDS,
            KeyCode::BackTab | KeyCode::Up => f.focus = (f.focus + FORM_FIELDS - 1) % FORM_FIELDS,
            KeyCode::Left | KeyCode::Right if f.focus == PHASE_FIELD => {
                let n = Phase::ALL.len();
                let i = Phase::ALL
                    .iter()
                    .position(|p| *p == f.form.phase)
                    .unwrap_or(0);
                let i = if key.code == KeyCode::Left {
                    (i + n - 1) % n
                } else {
                    (i + 1) % n
                };
                f.form.phase = Phase::ALL.get(i).copied().unwrap_or(Phase::Submission);
            }
            KeyCode::Char(' ') if f.focus == DEMO_FIELD => {
                f.form.demo_links_optional = !f.form.demo_links_optional;
            }
            KeyCode::Char(c) => {
                if let Some(text) = f.text_mut() {
                    text.push(c);
                }
            }
            KeyCode::Backspace => {
                if let Some(text) = f.text_mut() {
                    text.pop();
                }
            }
            _ => {}
        }
        self.modal = Some(Modal::NewEvent(f));
    }

    async fn attendees_key(&mut self, mut v: AttendeesView, key: KeyEvent) {
        match key.code {
            KeyCode::Esc => {
                self.refresh().await;
                return;
            }
            KeyCode::Tab | KeyCode::Right => {
                if let Some(s) = complete(self.emails(), &v.input) {
                    v.input = s.to_owned();
                }
            }
            KeyCode::Up => v.cursor = v.cursor.saturating_sub(1),
            KeyCode::Down => v.cursor = (v.cursor + 1).min(v.list.len().saturating_sub(1)),
            KeyCode::Char(c) => v.input.push(c),
            KeyCode::Backspace => {
                v.input.pop();
            }
            KeyCode::Enter => {
                let done = self.ops.set_attendance(v.event, &v.input, true).await;
                if done.is_ok() {
                    v.input.clear();
                }
                self.attendance_done(&mut v, done).await;
            }
            KeyCode::Delete => match v.list.get(v.cursor).map(|a| a.email.clone()) {
                Some(email) => {
                    let done = self.ops.set_attendance(v.event, &email, false).await;
                    self.attendance_done(&mut v, done).await;
                }
                None => self.error("no attendee is selected"),
            },
            _ => {}
        }
        self.modal = Some(Modal::Attendees(v));
    }

    async fn attendance_done(&mut self, v: &mut AttendeesView, done: crate::ops::OpResult<String>) {
        match done {
            Ok(text) => {
                self.info(text);
                match self.ops.attendees(v.event).await {
                    Ok(list) => {
                        v.list = list;
                        v.cursor = v.cursor.min(v.list.len().saturating_sub(1));
                    }
                    Err(e) => self.error(e),
                }
            }
            Err(e) => self.error(e),
        }
    }
}

fn confirm(title: String, lines: Vec<String>, then: Pending, expected: Option<String>) -> Modal {
    Modal::Confirm(Confirm {
        title,
        lines,
        then,
        expected,
        typed: String::new(),
        scroll: 0,
    })
}

fn erase_confirm(plan: Plan) -> Modal {
    let mut lines = describe_plan(&plan);
    let email = plan.email.clone();
    lines.push(String::new());
    lines.push(format!("Type their e-mail, {}, then Enter.", plan.email));
    confirm(
        format!("Delete {email} and everything that is theirs?"),
        lines,
        Pending::Erase {
            user: plan.user,
            plan: Box::new(plan),
        },
        Some(email),
    )
}

/// The status line after an erasure.
pub fn erased_summary(plan: &Plan) -> String {
    use crate::ops::count;
    format!(
        "Deleted {}: {}, {}, {} ({} recounted), {}, {}.",
        plan.email,
        count(plan.events.len(), "event", "events"),
        count(plan.projects.len(), "project", "projects"),
        count(plan.votes.len(), "vote", "votes"),
        plan.votes.iter().filter(|v| v.recounted).count(),
        count(plan.attending.len(), "attendance", "attendances"),
        count(plan.collaborations.len(), "collaboration", "collaborations")
    )
}
