//! Pages of a list: which page, how big, and the total the list has.

/// A page of `size` items (1–100), `page` counting from 1. Built by the HTTP layer, which checks
/// the bounds; [`PageRequest::new`] clamps them so no query ever gets a negative offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    size: u32,
}

impl PageRequest {
    pub const MAX_SIZE: u32 = 100;
    pub const DEFAULT_SIZE: u32 = 50;

    pub fn new(page: u32, size: u32) -> Self {
        Self {
            page: page.max(1),
            size: size.clamp(1, Self::MAX_SIZE),
        }
    }

    pub fn page(self) -> u32 {
        self.page
    }

    pub fn size(self) -> u32 {
        self.size
    }

    pub fn limit(self) -> i64 {
        i64::from(self.size)
    }

    pub fn offset(self) -> i64 {
        (i64::from(self.page) - 1) * i64::from(self.size)
    }

    /// How many pages `total` items fill (0 when there are none).
    pub fn pages(self, total: i64) -> i64 {
        (total + self.limit() - 1) / self.limit()
    }
}

/// Lists of up to this many rows have an exact total; above it the total is the planner's
/// estimate of the table's rows (see [`table_total!`]).
pub const EXACT_UP_TO: i64 = 10_000;

/// The `total` of a page over a whole table, as a scalar subquery of the page's statement
/// (evaluated once): exact while the table holds at most [`EXACT_UP_TO`] rows (a count that
/// stops there, off an index), otherwise `estimated_rows` (migration 016: the planner's
/// statistics scaled to the table's current size), never below `EXACT_UP_TO + 1`, and an exact
/// count only for a table that was never analysed. So a page costs the same whether the table
/// holds ten thousand rows or ten million; the price is a total that, on large tables, is
/// within the statistics' error (a few per cent after autovacuum's last analyse).
macro_rules! table_total {
    ($table:literal) => {
        concat!(
            "(SELECT CASE WHEN capped.n <= 10000 THEN capped.n
                     ELSE GREATEST(10001, coalesce(estimated_rows('",
            $table,
            "'), (SELECT count(*) FROM ",
            $table,
            "))) END
              FROM (SELECT count(*) AS n FROM (SELECT 1 FROM ",
            $table,
            " LIMIT 10001) upto) capped)"
        )
    };
}
pub(crate) use table_total;

/// A row of a page query: the item and the list's total (from the same statement).
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct Counted<T> {
    #[sqlx(flatten)]
    pub item: T,
    pub total: i64,
}

/// The page from its rows; the total comes from the rows, and only a page past the end (no rows
/// to carry it) asks `count` for it.
pub(crate) async fn from_rows<T, F>(
    rows: Vec<Counted<T>>,
    request: PageRequest,
    count: impl FnOnce() -> F,
) -> Result<Paged<T>, sqlx::Error>
where
    F: Future<Output = Result<i64, sqlx::Error>>,
{
    let total = match rows.first() {
        Some(row) => row.total,
        None if request.offset() == 0 => 0,
        None => count().await?,
    };
    Ok(Paged {
        items: rows.into_iter().map(|r| r.item).collect(),
        total,
    })
}

/// One page of items and how many the whole list has.
#[derive(Debug, Clone, PartialEq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_round_up_and_are_zero_for_an_empty_list() {
        let request = PageRequest::new(1, 50);
        assert_eq!(request.pages(0), 0);
        assert_eq!(request.pages(1), 1);
        assert_eq!(request.pages(50), 1);
        assert_eq!(request.pages(51), 2);
    }

    #[test]
    fn the_exact_count_stops_where_the_documented_limit_says() {
        let sql = table_total!("users");
        assert!(sql.contains(&format!("capped.n <= {EXACT_UP_TO}")), "{sql}");
        assert!(
            sql.contains(&format!("GREATEST({}", EXACT_UP_TO + 1)),
            "{sql}"
        );
        assert!(sql.contains(&format!("LIMIT {}", EXACT_UP_TO + 1)), "{sql}");
    }

    #[test]
    fn out_of_range_values_are_clamped_and_the_offset_counts_from_page_one() {
        assert_eq!(PageRequest::new(0, 0), PageRequest::new(1, 1));
        assert_eq!(PageRequest::new(3, 500).size(), 100);
        assert_eq!(PageRequest::new(3, 20).offset(), 40);
    }
}
