//! What the hosts and processes views share: their rows, the order the user chose (and whether
//! it is reversed), and the filter and selection ([`Listing`]), brought up to date lazily.

use std::cmp::Ordering;

use super::listing::Listing;

/// A row of a [`Table`].
pub trait Row {
    /// The orders the user can choose between.
    type Sort: Order<Self> + std::fmt::Debug;
    /// What identifies the row across refreshes (the selection follows it).
    fn key(&self) -> &str;
    /// What the filter searches, in lower case.
    fn search(&self) -> &str;
}

/// One order of a table's rows.
pub trait Order<R: ?Sized>: Copy + Default {
    /// The next order, for the `s` key.
    fn next(self) -> Self;
    /// Compares two rows in this order.
    fn compare(self, a: &R, b: &R) -> Ordering;
}

/// Rows in the order and through the filter the user chose.
#[derive(Debug)]
pub struct Table<R: Row> {
    rows: Vec<R>,
    /// What shows, and the selection.
    pub listing: Listing,
    sort: R::Sort,
    reverse: bool,
    dirty: bool,
}

impl<R: Row> Default for Table<R> {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            listing: Listing::default(),
            sort: R::Sort::default(),
            reverse: false,
            dirty: false,
        }
    }
}

impl<R: Row> Table<R> {
    /// Replaces the rows, keeping the selection on the same key.
    pub fn set_rows(&mut self, rows: Vec<R>) {
        let keep = self.selected().map(|r| r.key().to_owned());
        self.rows = rows;
        self.refresh(keep);
    }

    /// Recomputes what shows after a change of filter or order.
    pub fn mark_dirty(&mut self) {
        self.dirty = true;
    }

    /// Brings the listing up to date with the rows, the filter and the order.
    pub fn prepare(&mut self) {
        if self.dirty {
            let keep = self.selected().map(|r| r.key().to_owned());
            self.refresh(keep);
        }
    }

    fn refresh(&mut self, keep: Option<String>) {
        let rows = &self.rows;
        let (sort, reverse) = (self.sort, self.reverse);
        self.listing.refresh(
            rows.len(),
            |i, needle| rows[i].search().contains(needle),
            |&a, &b| {
                let o = sort.compare(&rows[a], &rows[b]);
                if reverse { o.reverse() } else { o }
            },
            keep.map(|key| move |i: usize| rows[i].key() == key),
        );
        self.dirty = false;
    }

    /// All rows, in migserver's order.
    pub fn rows(&self) -> &[R] {
        &self.rows
    }

    /// The selected row.
    pub fn selected(&self) -> Option<&R> {
        self.listing.selected_row().and_then(|i| self.rows.get(i))
    }

    /// The row with this key.
    pub fn get(&self, key: &str) -> Option<&R> {
        self.rows.iter().find(|r| r.key() == key)
    }

    /// The order and whether it is reversed.
    pub fn sort(&self) -> (R::Sort, bool) {
        (self.sort, self.reverse)
    }

    /// Switches to the next order.
    pub fn next_sort(&mut self) {
        self.sort = self.sort.next();
        self.reverse = false;
        self.dirty = true;
    }

    /// Reverses the order.
    pub fn reverse(&mut self) {
        self.reverse = !self.reverse;
        self.dirty = true;
    }
}
