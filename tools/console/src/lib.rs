//! The operator console: what the original's `manage.py` and its test-data scripts do, for the
//! people who run Podium. A terminal UI ([`ui`], drawn by [`view`]) and subcommands ([`cli`]),
//! both through [`ops`], which calls the data layer's own functions with the operator as the
//! audit log's actor; [`seed`] fills a local database with a demo. Run by hand against a
//! database, never deployed: it lives under `tools/`, not `functions/`.

pub mod cli;
pub mod ops;
pub mod seed;
pub mod ui;
pub mod view;

use std::time::Duration;

use ratatui::crossterm::event::{self, Event, KeyEventKind};

/// Runs the UI on `terminal` until the operator quits.
pub async fn run_ui<B: ratatui::backend::Backend>(
    terminal: &mut ratatui::Terminal<B>,
    app: &mut ui::App,
) -> std::io::Result<()>
where
    B::Error: Into<std::io::Error>,
{
    app.refresh().await;
    while !app.should_quit() {
        terminal
            .draw(|frame| app.render(frame))
            .map_err(Into::into)?;
        if event::poll(Duration::from_millis(250))?
            && let Event::Key(key) = event::read()?
            && key.kind == KeyEventKind::Press
        {
            app.handle_key(key).await;
        }
    }
    Ok(())
}

/// The screen as text, one string per row (what the tests and the docs' captures read).
pub fn screen_text(buffer: &ratatui::buffer::Buffer) -> Vec<String> {
    let area = buffer.area;
    (area.top()..area.bottom())
        .map(|y| {
            let row: String = (area.left()..area.right())
                .map(|x| buffer[(x, y)].symbol())
                .collect();
            row.trim_end().to_owned()
        })
        .collect()
}
