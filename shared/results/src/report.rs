//! The results as a report to hand out: CSV (one row per project), one self-contained HTML file
//! (inline CSS and SVG, no script, no outside request; every value escaped by the template),
//! and plain text for the terminal.

use std::collections::BTreeMap;

use askama::Template;
use chrono::{DateTime, Utc};
use podium_data::ProjectId;
use podium_data::results::EventVotes;
use podium_data::spreadsheet::neutralised;

use crate::explain::percent;
use crate::{EventResults, FlagCode};

/// What the report says the event is.
#[derive(Debug, Clone)]
pub struct Heading<'a> {
    pub name: &'a str,
    pub slug: &'a str,
    /// When the results were computed.
    pub at: DateTime<Utc>,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("writing the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("rendering the HTML: {0}")]
    Html(#[from] askama::Error),
}

/// Per project, how many of its votes were flagged and its points and place without them.
fn recounts(results: &EventResults) -> BTreeMap<ProjectId, (u32, i64, u32)> {
    let mut flagged: BTreeMap<ProjectId, std::collections::BTreeSet<crate::FlaggedVote>> =
        BTreeMap::new();
    for flag in &results.flags {
        for vote in &flag.votes {
            flagged.entry(vote.project_id).or_default().insert(*vote);
        }
    }
    results
        .without_flagged
        .standings
        .iter()
        .map(|r| {
            let n = flagged.get(&r.project_id).map_or(0, |s| s.len() as u32);
            (r.project_id, (n, r.points, r.place))
        })
        .collect()
}

/// One row per project, in the standings' order.
pub fn csv(results: &EventResults) -> Result<Vec<u8>, ReportError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let top = format!("chance_top_{}", results.places);
    out.write_record([
        "place",
        "project",
        "project_id",
        "points",
        "votes",
        "place_low",
        "place_high",
        "chance_first",
        top.as_str(),
        "flagged_votes",
        "points_without_flagged",
        "place_without_flagged",
    ])?;
    let recounts = recounts(results);
    for s in &results.standings {
        let (flagged, points, place) = recounts.get(&s.project_id).copied().unwrap_or_default();
        out.write_record([
            s.place.to_string(),
            neutralised(s.name.as_str().into()).into_owned(),
            s.project_id.to_string(),
            s.points.to_string(),
            s.votes.to_string(),
            s.place_low.to_string(),
            s.place_high.to_string(),
            format!("{:.4}", s.chance_first),
            format!("{:.4}", s.chance_top),
            flagged.to_string(),
            points.to_string(),
            place.to_string(),
        ])?;
    }
    out.into_inner()
        .map_err(|e| ReportError::Csv(e.into_error().into()))
}

/// A label cut to `max` characters, control characters (a terminal's escapes among them)
/// made spaces.
fn label(text: &str, max: usize) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() <= max {
        text
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

const CHART_WIDTH: f64 = 720.0;
const LABEL_WIDTH: f64 = 220.0;
const ROW: f64 = 20.0;
const TOP: f64 = 24.0;

/// A project's row in the places chart: its interval from `x_low` to `x_high`, its place at
/// `x_place`.
#[derive(Debug)]
struct PlaceRow {
    y: f64,
    label: String,
    x_low: f64,
    x_high: f64,
    x_place: f64,
    title: String,
    prize: bool,
}

#[derive(Debug)]
struct Tick {
    x: f64,
    label: String,
}

#[derive(Debug)]
struct Bar {
    y: f64,
    label: String,
    width: f64,
    value: u32,
}

#[derive(Debug)]
struct Column {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    title: String,
}

#[derive(Debug)]
struct Row {
    place: u32,
    name: String,
    points: i64,
    votes: u32,
    interval: String,
    first: String,
    top: String,
    flagged: u32,
    without: String,
}

#[derive(Debug)]
struct FlagView {
    code: &'static str,
    title: &'static str,
    explanation: String,
    votes: usize,
    chance: String,
}

#[derive(Debug)]
struct CloseView {
    place: u32,
    names: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Html<'a> {
    heading: &'a Heading<'a>,
    at: String,
    places: u32,
    rounds: u32,
    attendees: u32,
    voters: u32,
    votes_cast: u32,
    votes_available: u32,
    turnout: String,
    rows: Vec<Row>,
    close: Vec<CloseView>,
    flags: Vec<FlagView>,
    votes_removed: u32,
    prizes_change: bool,
    chart_width: f64,
    label_width: f64,
    place_height: f64,
    place_rows: Vec<PlaceRow>,
    place_ticks: Vec<Tick>,
    bar_height: f64,
    bars: Vec<Bar>,
    time_height: f64,
    columns: Vec<Column>,
    time_from: String,
    time_to: String,
    times_known: u32,
}

impl std::fmt::Debug for Html<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Html").finish_non_exhaustive()
    }
}

fn code_title(code: FlagCode) -> (&'static str, &'static str) {
    match code {
        FlagCode::ReciprocalTeams => ("reciprocal_teams", "Two teams voting for each other"),
        FlagCode::ReferralLink => ("referral_link", "A vote along a referral"),
        FlagCode::SharedTeam => ("shared_team", "A vote for a teammate's other team"),
        FlagCode::NewAccountBurst => ("new_account_burst", "A burst of votes from new accounts"),
    }
}

fn place_chart(results: &EventResults) -> (f64, Vec<PlaceRow>, Vec<Tick>) {
    let n = results.standings.len().max(1) as f64;
    let span = CHART_WIDTH - LABEL_WIDTH - 20.0;
    let x = |place: u32| {
        LABEL_WIDTH
            + if n > 1.0 {
                (f64::from(place) - 1.0) / (n - 1.0) * span
            } else {
                span / 2.0
            }
    };
    let rows = results
        .standings
        .iter()
        .enumerate()
        .map(|(i, s)| PlaceRow {
            y: TOP + ROW * i as f64 + ROW / 2.0,
            label: label(&s.name, 30),
            x_low: x(s.place_low),
            x_high: x(s.place_high),
            x_place: x(s.place),
            title: format!(
                "{}: place {}, 95 % interval {}–{}",
                s.name, s.place, s.place_low, s.place_high
            ),
            prize: s.place <= results.places,
        })
        .collect();
    let count = results.standings.len() as u32;
    let step = (count / 10).max(1);
    let ticks = (1..=count)
        .filter(|p| (p - 1) % step == 0 || *p == count)
        .map(|p| Tick {
            x: x(p),
            label: p.to_string(),
        })
        .collect();
    (TOP + ROW * n + 8.0, rows, ticks)
}

fn bar_chart(results: &EventResults) -> (f64, Vec<Bar>) {
    let most = results
        .standings
        .iter()
        .map(|s| s.votes)
        .max()
        .unwrap_or(0)
        .max(1);
    let span = CHART_WIDTH - LABEL_WIDTH - 60.0;
    let bars = results
        .standings
        .iter()
        .enumerate()
        .map(|(i, s)| Bar {
            y: 8.0 + ROW * i as f64,
            label: label(&s.name, 30),
            width: f64::from(s.votes) / f64::from(most) * span,
            value: s.votes,
        })
        .collect();
    (16.0 + ROW * results.standings.len() as f64, bars)
}

/// Columns of votes over time: 24 equal spans from the first known vote to the last.
fn time_chart(times: &[DateTime<Utc>]) -> (Vec<Column>, String, String) {
    const SPANS: usize = 24;
    const HEIGHT: f64 = 120.0;
    let (Some(first), Some(last)) = (times.first(), times.last()) else {
        return (Vec::new(), String::new(), String::new());
    };
    let total = (*last - *first).num_seconds().max(1) as f64;
    let mut counts = [0u32; SPANS];
    for t in times {
        let at = ((*t - *first).num_seconds() as f64 / total * SPANS as f64) as usize;
        counts[at.min(SPANS - 1)] += 1;
    }
    let most = f64::from(*counts.iter().max().unwrap_or(&1));
    let width = (CHART_WIDTH - 40.0) / SPANS as f64;
    let columns = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let height = f64::from(c) / most * HEIGHT;
            let from = *first + chrono::Duration::seconds((total * i as f64 / SPANS as f64) as i64);
            Column {
                x: 20.0 + width * i as f64,
                y: 10.0 + HEIGHT - height,
                width: width - 2.0,
                height,
                title: format!("{c} votes from {} UTC", from.format("%Y-%m-%d %H:%M")),
            }
        })
        .collect();
    (
        columns,
        first.format("%Y-%m-%d %H:%M UTC").to_string(),
        last.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// The report as one HTML file, its votes over time from `input`'s known vote times.
pub fn html(
    results: &EventResults,
    heading: &Heading<'_>,
    input: &EventVotes,
) -> Result<String, ReportError> {
    let times = crate::vote_times(input);
    let names: BTreeMap<ProjectId, &str> = results
        .standings
        .iter()
        .map(|s| (s.project_id, s.name.as_str()))
        .collect();
    let name = |id: &ProjectId| names.get(id).copied().unwrap_or("?").to_owned();
    let recounts = recounts(results);
    let rows = results
        .standings
        .iter()
        .map(|s| {
            let (flagged, points, place) = recounts.get(&s.project_id).copied().unwrap_or_default();
            Row {
                place: s.place,
                name: s.name.clone(),
                points: s.points,
                votes: s.votes,
                interval: if s.place_low == s.place_high {
                    s.place_low.to_string()
                } else {
                    format!("{}–{}", s.place_low, s.place_high)
                },
                first: percent(s.chance_first),
                top: percent(s.chance_top),
                flagged,
                without: format!("{points} (place {place})"),
            }
        })
        .collect();
    let flags = results
        .flags
        .iter()
        .map(|f| {
            let (code, title) = code_title(f.code);
            FlagView {
                code,
                title,
                explanation: f.explanation.clone(),
                votes: f.votes.len(),
                chance: crate::explain::odds(f.chance),
            }
        })
        .collect();
    let close = results
        .too_close
        .iter()
        .map(|c| CloseView {
            place: c.place,
            names: c
                .project_ids
                .iter()
                .map(name)
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let p = &results.participation;
    let (place_height, place_rows, place_ticks) = place_chart(results);
    let (bar_height, bars) = bar_chart(results);
    let (columns, time_from, time_to) = time_chart(&times);
    let page = Html {
        heading,
        at: heading.at.format("%Y-%m-%d %H:%M UTC").to_string(),
        places: results.places,
        rounds: results.rounds,
        attendees: p.attendees,
        voters: p.voters,
        votes_cast: p.votes_cast,
        votes_available: p.votes_available,
        turnout: if p.votes_available == 0 {
            "no votes available".to_owned()
        } else {
            percent(f64::from(p.votes_cast) / f64::from(p.votes_available))
        },
        rows,
        close,
        flags,
        votes_removed: results.without_flagged.votes_removed,
        prizes_change: results.without_flagged.prizes_change,
        chart_width: CHART_WIDTH,
        label_width: LABEL_WIDTH,
        place_height,
        place_rows,
        place_ticks,
        bar_height,
        bars,
        time_height: 160.0,
        columns,
        time_from,
        time_to,
        times_known: p.votes_with_time,
    };
    Ok(page.render()?)
}

/// The results as text for a terminal.
pub fn text(results: &EventResults, heading: &Heading<'_>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let p = &results.participation;
    let _ = writeln!(
        out,
        "Results of {} ({}), {} prize places, {} bootstrap rounds",
        heading.name, heading.slug, results.places, results.rounds
    );
    let _ = writeln!(
        out,
        "{} attendees, {} voters, {} of {} votes cast\n",
        p.attendees, p.voters, p.votes_cast, p.votes_available
    );
    let top = format!("Top {}", results.places);
    let _ = writeln!(
        out,
        "{:<6}{:<32}{:>7}{:>7}{:>11}{:>9}{:>9}",
        "Place", "Project", "Points", "Votes", "95 %", "First", top
    );
    for s in &results.standings {
        let _ = writeln!(
            out,
            "{:<6}{:<32}{:>7}{:>7}{:>11}{:>9}{:>9}",
            s.place,
            label(&s.name, 30),
            s.points,
            s.votes,
            format!("{}–{}", s.place_low, s.place_high),
            percent(s.chance_first),
            percent(s.chance_top),
        );
    }
    let names: BTreeMap<ProjectId, &str> = results
        .standings
        .iter()
        .map(|s| (s.project_id, s.name.as_str()))
        .collect();
    for c in &results.too_close {
        let list: Vec<&str> = c
            .project_ids
            .iter()
            .filter_map(|id| names.get(id).copied())
            .collect();
        let _ = writeln!(
            out,
            "\nToo close to call at place {}: {}",
            c.place,
            label(&list.join(", "), usize::MAX)
        );
    }
    let _ = writeln!(out, "\n{} integrity flags", results.flags.len());
    for f in &results.flags {
        let (code, _) = code_title(f.code);
        let _ = writeln!(out, "- {code}: {}", label(&f.explanation, usize::MAX));
    }
    let w = &results.without_flagged;
    let _ = writeln!(
        out,
        "\nWithout the {} flagged votes the prize places {}.",
        w.votes_removed,
        if w.prizes_change {
            "change"
        } else {
            "stay as they are"
        }
    );
    out
}
