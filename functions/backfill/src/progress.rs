//! Progress of a run: a bar per table on a terminal, plain lines otherwise, log events on Lambda.

use std::io::{IsTerminal, Write};

pub trait Progress: Send {
    /// A table starts; `total` records when known (CSV).
    fn start(&mut self, table: &'static str, total: Option<usize>);
    /// `done` records of the table are written.
    fn advance(&mut self, done: usize);
    fn finish(&mut self);
}

/// The CLI's progress on stderr: a bar when stderr is a terminal, a line per page otherwise.
pub fn for_stderr() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bar::default())
    } else {
        Box::new(Lines::default())
    }
}

#[derive(Debug, Default)]
pub struct Bar {
    table: &'static str,
    total: Option<usize>,
    done: usize,
}

impl Bar {
    fn draw(&self, end: &str) {
        const WIDTH: usize = 30;
        let line = match self.total {
            Some(total) if total > 0 => {
                let filled = (self.done * WIDTH / total).min(WIDTH);
                format!(
                    "{:<10} [{}{}] {}/{}",
                    self.table,
                    "#".repeat(filled),
                    "-".repeat(WIDTH - filled),
                    self.done,
                    total
                )
            }
            _ => format!("{:<10} {} records", self.table, self.done),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}{end}");
        let _ = err.flush();
    }
}

impl Progress for Bar {
    fn start(&mut self, table: &'static str, total: Option<usize>) {
        *self = Self {
            table,
            total,
            done: 0,
        };
        self.draw("");
    }
    fn advance(&mut self, done: usize) {
        self.done = done;
        self.draw("");
    }
    fn finish(&mut self) {
        self.total = Some(self.done);
        self.draw("\n");
    }
}

#[derive(Debug, Default)]
pub struct Lines {
    table: &'static str,
    total: Option<usize>,
}

impl Progress for Lines {
    fn start(&mut self, table: &'static str, total: Option<usize>) {
        self.table = table;
        self.total = total;
    }
    #[allow(clippy::print_stderr)]
    fn advance(&mut self, done: usize) {
        match self.total {
            Some(total) => eprintln!("{}: {done}/{total} records", self.table),
            None => eprintln!("{}: {done} records", self.table),
        }
    }
    #[allow(clippy::print_stderr)]
    fn finish(&mut self) {
        eprintln!("{}: done", self.table);
    }
}

/// Progress as log events (the Lambda face), one per table.
#[derive(Debug, Default)]
pub struct Log {
    table: &'static str,
    done: usize,
}

impl Progress for Log {
    fn start(&mut self, table: &'static str, _total: Option<usize>) {
        self.table = table;
        self.done = 0;
    }
    fn advance(&mut self, done: usize) {
        self.done = done;
    }
    fn finish(&mut self) {
        tracing::info!(table = self.table, records = self.done, "table imported");
    }
}
