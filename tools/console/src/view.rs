//! Drawing the UI (ratatui): a title line, the tabs, the filter, the table, the status line and
//! the keys; dialogs drawn over the table. Fits 80×24.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Clear, Paragraph, Row, Table, TableState, Tabs};

use podium_data::Phase;

use crate::ui::{App, Confirm, FORM_FIELDS, Modal, NewEvent, Status, Tab, complete, hint};

const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED);
const DIM: Style = Style::new().fg(Color::DarkGray);

impl App {
    /// Draws the whole screen.
    pub fn render(&self, frame: &mut Frame) {
        let [title, tabs, filter, body, status, keys] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(frame.area());
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(
                    " Podium console ",
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(format!(" {} · as {}", self.database, self.ops.actor.name)),
            ])),
            title,
        );
        let titles = [
            format!("Events ({})", self.events.len()),
            format!("Users ({})", self.users.len()),
        ];
        frame.render_widget(
            Tabs::new(titles)
                .select(match self.tab {
                    Tab::Events => 0,
                    Tab::Users => 1,
                })
                .highlight_style(Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)),
            tabs,
        );
        frame.render_widget(Paragraph::new(self.filter_line()), filter);
        match self.tab {
            Tab::Events => self.render_events(frame, body),
            Tab::Users => self.render_users(frame, body),
        }
        let (text, style) = match &self.status {
            Status::Info(t) => (t.as_str(), Style::new().fg(Color::Green)),
            Status::Error(t) => (
                t.as_str(),
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            ),
        };
        frame.render_widget(
            Paragraph::new(Span::styled(format!(" {text}"), style)),
            status,
        );
        let hint = match self.tab {
            Tab::Events => {
                " n new a attendees p phase d delete u restore / filter Tab users ? help q quit"
            }
            Tab::Users => " s superadmin d delete user / filter r refresh Tab events ? help q quit",
        };
        frame.render_widget(Paragraph::new(Span::styled(hint, DIM)), keys);
        if let Some(modal) = &self.modal {
            self.render_modal(frame, modal);
        }
    }

    fn filter_line(&self) -> Line<'static> {
        let text = &self.filters[match self.tab {
            Tab::Events => 0,
            Tab::Users => 1,
        }];
        if self.filtering {
            Line::from(vec![
                Span::raw(" Filter: "),
                Span::raw(text.clone()),
                Span::styled("█", DIM),
            ])
        } else if text.is_empty() {
            Line::from(Span::styled(" / to filter", DIM))
        } else {
            Line::from(vec![
                Span::raw(format!(" Filter: {text}")),
                Span::styled("  (/ change, Esc clear)", DIM),
            ])
        }
    }

    fn render_events(&self, frame: &mut Frame, area: Rect) {
        let rows = self.visible_events().into_iter().map(|o| {
            let e = &o.event;
            let name = if e.is_deleted() {
                format!("✗ {}", e.name)
            } else {
                e.name.clone()
            };
            let phase = if e.is_deleted() {
                "deleted".to_owned()
            } else {
                e.phase.to_string()
            };
            let row = Row::new(vec![
                Cell::from(name),
                Cell::from(e.slug.clone()),
                Cell::from(phase),
                Cell::from(e.feature_flags_csv.clone()),
                Cell::from(o.owner_email.clone()),
                Cell::from(format!("{:>4}", o.attendee_count)),
                Cell::from(format!("{:>4}", o.project_count)),
            ]);
            if e.is_deleted() { row.style(DIM) } else { row }
        });
        // At 80 columns: name 12, slug 16, series 12, owner 16; wider terminals widen them all.
        let widths = [
            Constraint::Fill(3),
            Constraint::Fill(4),
            Constraint::Length(10),
            Constraint::Fill(3),
            Constraint::Fill(4),
            Constraint::Length(4),
            Constraint::Length(4),
        ];
        let header = Row::new(["Name", "Slug", "Phase", "Series", "Owner", " Att", "Proj"])
            .style(Style::new().add_modifier(Modifier::BOLD));
        let table = Table::new(rows, widths)
            .header(header)
            .row_highlight_style(SELECTED);
        let mut state = TableState::default().with_selected(Some(self.cursor[0]));
        frame.render_stateful_widget(table, area, &mut state);
    }

    fn render_users(&self, frame: &mut Frame, area: Rect) {
        let rows = self.visible_users().into_iter().map(|u| {
            Row::new(vec![
                Cell::from(u.email.clone()),
                Cell::from(u.display_name.clone()),
                Cell::from(if u.is_superadmin { " ✓" } else { "" }),
                Cell::from(format!("{:>6}", u.events)),
                Cell::from(format!("{:>8}", u.projects)),
                Cell::from(format!("{:>5}", u.votes)),
            ])
        });
        let widths = [
            Constraint::Fill(3),
            Constraint::Fill(2),
            Constraint::Length(3),
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Length(5),
        ];
        let header = Row::new(["E-mail", "Name", "SA", "Events", "Projects", "Votes"])
            .style(Style::new().add_modifier(Modifier::BOLD));
        let table = Table::new(rows, widths)
            .header(header)
            .row_highlight_style(SELECTED);
        let mut state = TableState::default().with_selected(Some(self.cursor[1]));
        frame.render_stateful_widget(table, area, &mut state);
    }

    fn render_modal(&self, frame: &mut Frame, modal: &Modal) {
        match modal {
            Modal::Help => dialog(frame, "Keys", help_lines(), 20),
            Modal::Confirm(c) => confirm_dialog(frame, c),
            Modal::NewEvent(f) => dialog(frame, "New event", self.form_lines(f), 14),
            Modal::Phase { name, choice, .. } => {
                let mut spans = vec![Span::raw(" ")];
                for (i, phase) in Phase::ALL.iter().enumerate() {
                    let style = if i == *choice { SELECTED } else { Style::new() };
                    spans.push(Span::styled(format!(" {phase} "), style));
                    spans.push(Span::raw(" "));
                }
                let lines = vec![
                    Line::from(format!(" {name}")),
                    Line::from(""),
                    Line::from(spans),
                    Line::from(""),
                    Line::from(Span::styled(" ←/→ choose · Enter apply · Esc cancel", DIM)),
                ];
                dialog(frame, "Phase", lines, 7);
            }
            Modal::Attendees(v) => {
                let suggestion = complete(self.emails(), &v.input)
                    .map(|s| hint(s, &v.input))
                    .unwrap_or_default();
                let mut lines = vec![
                    Line::from(vec![
                        Span::raw(" Add: "),
                        Span::raw(v.input.clone()),
                        Span::styled(suggestion, DIM),
                        Span::styled("█", DIM),
                    ]),
                    Line::from(""),
                ];
                if v.list.is_empty() {
                    lines.push(Line::from(Span::styled(" No attendees yet.", DIM)));
                }
                let height = 16usize;
                let first = v.cursor.saturating_sub(height - 6);
                for (i, a) in v.list.iter().enumerate().skip(first).take(height - 5) {
                    let text = format!(" {:<36} {}", a.email, a.display_name);
                    let style = if i == v.cursor {
                        SELECTED
                    } else {
                        Style::new()
                    };
                    lines.push(Line::from(Span::styled(text, style)));
                }
                lines.push(Line::from(""));
                lines.push(Line::from(Span::styled(
                    " Enter add · Tab complete · ↑↓ select · Del remove · Esc close",
                    DIM,
                )));
                let title = format!("Attendees of {} ({})", v.name, v.list.len());
                dialog(frame, &title, lines, 18);
            }
        }
    }

    fn form_lines(&self, f: &NewEvent) -> Vec<Line<'static>> {
        let form = &f.form;
        let slug_hint = if form.slug.is_empty() {
            form.effective_slug()
        } else {
            String::new()
        };
        let owner_hint = complete(self.emails(), &form.owner_email)
            .map(|s| hint(s, &form.owner_email))
            .unwrap_or_default();
        let fields: [(&str, String, String); FORM_FIELDS] = [
            ("Name *", form.name.clone(), String::new()),
            ("Slug", form.slug.clone(), slug_hint),
            ("Description", form.description.clone(), String::new()),
            ("Series", form.series.clone(), String::new()),
            ("Owner e-mail *", form.owner_email.clone(), owner_hint),
            ("Phase", format!("‹ {} ›", form.phase), String::new()),
            (
                "Demo optional",
                if form.demo_links_optional {
                    "[x]"
                } else {
                    "[ ]"
                }
                .to_owned(),
                String::new(),
            ),
        ];
        let mut lines: Vec<Line<'static>> = fields
            .into_iter()
            .enumerate()
            .map(|(i, (label, value, hint))| {
                let focused = i == f.focus;
                let marker = if focused { "›" } else { " " };
                let value_style = if focused { SELECTED } else { Style::new() };
                Line::from(vec![
                    Span::raw(format!("{marker}{label:<15} ")),
                    Span::styled(value, value_style),
                    Span::styled(hint, DIM),
                ])
            })
            .collect();
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            " Tab/↓ next · ↑ back · Tab completes the owner · ←/→ phase",
            DIM,
        )));
        lines.push(Line::from(Span::styled(
            " Space toggles · Enter create · Esc cancel",
            DIM,
        )));
        lines
    }
}

fn help_lines() -> Vec<Line<'static>> {
    [
        "Everywhere",
        "  q quit · Ctrl-C quit · r refresh · Tab switch tab · ? this help",
        "  ↑/↓ j/k move · PgUp/PgDn · Home/End · / filter as you type",
        "  Esc clears the filter (in a dialog: cancels)",
        "Events tab",
        "  n new event · a attendees (add by e-mail, Del removes)",
        "  p phase · d soft-delete; on a soft-deleted event: delete for",
        "  good (two confirmations) · u restore a soft-deleted event",
        "Users tab",
        "  s grant or revoke superadmin",
        "  d delete the user and everything that is theirs (shows all",
        "  that goes first; type their e-mail to confirm)",
        "",
        "Every change is written to the audit log as the operator.",
        "Any key closes this help.",
    ]
    .into_iter()
    .map(|l| Line::from(format!(" {l}")))
    .collect()
}

fn confirm_dialog(frame: &mut Frame, c: &Confirm) {
    let mut lines: Vec<Line<'static>> = c
        .lines
        .iter()
        .skip(c.scroll)
        .map(|l| Line::from(format!(" {l}")))
        .collect();
    let max_body = 14;
    let more = lines.len() > max_body;
    lines.truncate(max_body);
    if more {
        lines.push(Line::from(Span::styled(" … ↓ shows more", DIM)));
    }
    lines.push(Line::from(""));
    match &c.expected {
        Some(_) => lines.push(Line::from(vec![
            Span::raw(" > "),
            Span::raw(c.typed.clone()),
            Span::styled("█", DIM),
            Span::styled("   Enter confirm · Esc cancel", DIM),
        ])),
        None => lines.push(Line::from(Span::styled(
            " y/Enter confirm · n/Esc cancel",
            DIM,
        ))),
    }
    let height = u16::try_from(lines.len() + 2).unwrap_or(20);
    dialog(frame, &c.title, lines, height);
}

/// A bordered box over the middle of the screen, 76 columns wide at most.
fn dialog(frame: &mut Frame, title: &str, lines: Vec<Line<'static>>, height: u16) {
    let area = frame.area();
    let width = area.width.saturating_sub(4).min(76);
    let height = height.min(area.height.saturating_sub(2));
    let x = area.x + (area.width.saturating_sub(width)) / 2;
    let y = area.y + (area.height.saturating_sub(height)) / 2;
    let rect = Rect::new(x, y, width, height);
    frame.render_widget(Clear, rect);
    // Not wrapped: a line longer than the box is cut at its edge, so the box's height (and the
    // confirmation's prompt at its bottom) stays as computed.
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(format!(" {title} ")),
        ),
        rect,
    );
}
