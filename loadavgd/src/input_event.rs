//! `struct input_event` records, as evdev devices deliver them and as the test harness writes
//! them into a FIFO: a `struct timeval`, then type (u16), code (u16) and value (i32) — 24 bytes
//! on x86_64.
//!
//! Only the fact that a record arrived matters. The framer counts whole records and nothing
//! else: which key or button a record names is never looked at, kept or logged.

/// The size of one record on this platform.
pub const RECORD_SIZE: usize = size_of::<nix::libc::input_event>();

/// Cuts a byte stream into whole records. A record split across reads (a FIFO writer may write
/// it in pieces) counts once its last byte has arrived.
#[derive(Debug, Default)]
pub struct RecordFramer {
    /// Bytes of a partial record already received.
    partial: usize,
}

impl RecordFramer {
    /// Takes the next `len` bytes of the stream and returns how many records they complete.
    pub fn take(&mut self, len: usize) -> usize {
        let total = self.partial + len;
        self.partial = total % RECORD_SIZE;
        total / RECORD_SIZE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn a_record_is_24_bytes_on_x86_64() {
        assert_eq!(RECORD_SIZE, 24);
    }

    #[test]
    fn whole_records_count_at_once() {
        let mut framer = RecordFramer::default();
        assert_eq!(framer.take(RECORD_SIZE), 1);
        assert_eq!(framer.take(3 * RECORD_SIZE), 3);
        assert_eq!(framer.take(0), 0);
    }

    #[test]
    fn a_split_record_counts_when_its_last_byte_arrives() {
        let mut framer = RecordFramer::default();
        assert_eq!(framer.take(10), 0);
        assert_eq!(framer.take(RECORD_SIZE - 11), 0);
        assert_eq!(framer.take(1), 1);
        // One and a half records, then the other half.
        assert_eq!(framer.take(RECORD_SIZE + RECORD_SIZE / 2), 1);
        assert_eq!(framer.take(RECORD_SIZE / 2), 1);
    }

    #[test]
    fn byte_by_byte_delivery_counts_each_record_once() {
        let mut framer = RecordFramer::default();
        let counted: usize = (0..5 * RECORD_SIZE).map(|_| framer.take(1)).sum();
        assert_eq!(counted, 5);
    }
}
