//! A filtered, sorted window onto a table's rows: which rows show and in what order, which one
//! is selected, and which one is at the top of the screen. The table refreshes it when its rows,
//! its filter or its order change; moving the selection never touches the rows.

use std::cmp::Ordering;

/// The rows of one table as the user sees them.
#[derive(Debug, Default)]
pub struct Listing {
    /// Indices into the table's rows, in display order.
    order: Vec<usize>,
    /// Position in `order` of the selected row.
    selected: usize,
    /// Position in `order` of the first row on screen.
    offset: usize,
    /// How many rows fit on screen.
    height: usize,
    /// The filter as typed; rows whose text contains it (ignoring case) show.
    filter: String,
    /// `filter` in lower case.
    needle: String,
}

impl Listing {
    /// Recomputes the order: rows `0..len` for which `matches(row, needle)` holds, sorted by
    /// `cmp`. The selection stays on the row for which `keep` holds, if it still shows.
    pub fn refresh(
        &mut self,
        len: usize,
        matches: impl Fn(usize, &str) -> bool,
        cmp: impl FnMut(&usize, &usize) -> Ordering,
        keep: Option<impl Fn(usize) -> bool>,
    ) {
        self.order.clear();
        if self.needle.is_empty() {
            self.order.extend(0..len);
        } else {
            self.order
                .extend((0..len).filter(|&row| matches(row, &self.needle)));
        }
        self.order.sort_by(cmp);
        if let Some(keep) = keep
            && let Some(position) = self.order.iter().position(|&row| keep(row))
        {
            self.selected = position;
        }
        self.select(self.selected);
    }

    /// The filter as typed.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Sets the filter; the table must refresh.
    pub fn set_filter(&mut self, filter: String) {
        self.needle = filter.to_lowercase();
        self.filter = filter;
    }

    /// Sets how many rows fit on screen.
    pub fn set_height(&mut self, height: usize) {
        self.height = height;
        self.select(self.selected);
    }

    /// The rows in display order.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// How many rows show.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// The selected row, an index into the table's rows.
    pub fn selected_row(&self) -> Option<usize> {
        self.order.get(self.selected).copied()
    }

    /// Position of the selected row in display order.
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// Position of the first row on screen.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Moves the selection by `delta` rows, stopping at either end.
    pub fn move_by(&mut self, delta: isize) {
        self.select(self.selected.saturating_add_signed(delta));
    }

    /// Moves the selection by `pages` screens.
    pub fn page(&mut self, pages: isize) {
        let height = isize::try_from(self.height.max(1)).unwrap_or(isize::MAX);
        self.move_by(pages.saturating_mul(height));
    }

    /// Selects the first row.
    pub fn first(&mut self) {
        self.select(0);
    }

    /// Selects the last row.
    pub fn last(&mut self) {
        self.select(usize::MAX);
    }

    /// Selects the row at `position` (clamped), scrolling as little as keeps it on screen.
    fn select(&mut self, position: usize) {
        self.selected = position.min(self.order.len().saturating_sub(1));
        let height = self.height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        let last_page = self.order.len().saturating_sub(height);
        self.offset = self.offset.min(last_page);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: Option<fn(usize) -> bool> = None;

    fn listing(len: usize, height: usize) -> Listing {
        let mut l = Listing::default();
        l.set_height(height);
        l.refresh(len, |_, _| true, usize::cmp, NONE);
        l
    }

    #[test]
    fn moving_scrolls_just_enough_and_stops_at_the_ends() {
        let mut l = listing(10, 3);
        l.move_by(4);
        assert_eq!((l.selected(), l.offset()), (4, 2));
        l.move_by(-3);
        assert_eq!((l.selected(), l.offset()), (1, 1));
        l.move_by(-5);
        assert_eq!((l.selected(), l.offset()), (0, 0));
        l.last();
        assert_eq!((l.selected(), l.offset()), (9, 7));
        l.page(-1);
        assert_eq!((l.selected(), l.offset()), (6, 6));
    }

    #[test]
    fn the_selection_follows_its_row_through_a_reorder() {
        let mut l = listing(5, 10);
        l.move_by(1);
        assert_eq!(l.selected_row(), Some(1));
        l.refresh(5, |_, _| true, |a, b| b.cmp(a), Some(|row| row == 1));
        assert_eq!(l.order(), &[4, 3, 2, 1, 0]);
        assert_eq!(l.selected_row(), Some(1));
    }

    #[test]
    fn the_filter_ignores_case_and_the_selection_stays_in_range() {
        let names = ["alpha", "Beta", "gamma"];
        let mut l = listing(3, 10);
        l.last();
        l.set_filter("BET".into());
        l.refresh(
            3,
            |row, needle| names[row].to_lowercase().contains(needle),
            usize::cmp,
            NONE,
        );
        assert_eq!(l.order(), &[1]);
        assert_eq!(l.selected_row(), Some(1));
    }
}
