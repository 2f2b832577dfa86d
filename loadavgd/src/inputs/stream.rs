//! Inputs read as a stream of `struct input_event` records: evdev devices and FIFOs, watched
//! through the runtime's epoll (no thread, no polling).

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::input_event::{RECORD_SIZE, RecordFramer};

/// Opens a stream input for non-blocking reads. A FIFO is opened for writing too, so that a
/// writer that goes away leaves no end-of-file behind to spin on.
pub fn open(path: &Path, fifo: bool) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(fifo)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)
}

/// Reads records from `file` until reading fails, calling `on_records` with the number of
/// records each read completed. Returns why it stopped (an unplugged device gives `ENODEV`).
pub async fn read_records(file: File, mut on_records: impl FnMut(usize)) -> io::Error {
    let fd = match crate::async_fd::readable(OwnedFd::from(file)) {
        Ok(fd) => fd,
        Err(e) => return e,
    };
    let mut framer = RecordFramer::default();
    let mut buf = [0u8; 64 * RECORD_SIZE];
    loop {
        let mut ready = match fd.readable().await {
            Ok(ready) => ready,
            Err(e) => return e,
        };
        let read =
            ready.try_io(|fd| nix::unistd::read(fd.get_ref(), &mut buf).map_err(io::Error::from));
        match read {
            Ok(Ok(0)) => return io::Error::new(io::ErrorKind::UnexpectedEof, "end of file"),
            Ok(Ok(n)) => {
                // What was typed is none of our business: forget it at once.
                buf[..n].fill(0);
                let records = framer.take(n);
                if records > 0 {
                    on_records(records);
                }
            }
            Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
            Ok(Err(e)) => return e,
            // Drained: `try_io` cleared the readiness; wait for more.
            Err(_would_block) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    async fn wait_for(count: &AtomicUsize, at_least: usize) -> usize {
        tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                let n = count.load(Ordering::SeqCst);
                if n >= at_least {
                    return n;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("fewer than {at_least} records seen within 5s"))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_fifo_watcher_counts_whole_records_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("input");
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let counted = count.clone();
        let watcher = tokio::spawn(read_records(open(&path, true).unwrap(), move |n| {
            counted.fetch_add(n, Ordering::SeqCst);
        }));
        let mut writer = OpenOptions::new().write(true).open(&path).unwrap();
        let record = [7u8; RECORD_SIZE];

        writer.write_all(&record).unwrap();
        assert_eq!(wait_for(&count, 1).await, 1);

        // A record in three pieces, then two whole ones in one write.
        writer.write_all(&record[..10]).unwrap();
        writer.write_all(&record[10..20]).unwrap();
        writer.write_all(&record[20..]).unwrap();
        writer.write_all(&[record, record].concat()).unwrap();
        // Every byte before the last record has been read once the count reaches 4; counting
        // a piece as a record would have pushed it past 4.
        assert_eq!(wait_for(&count, 4).await, 4);

        // The writer leaves and another comes: no end-of-file stops the watcher.
        drop(writer);
        let mut writer = OpenOptions::new().write(true).open(&path).unwrap();
        writer.write_all(&record[..RECORD_SIZE - 1]).unwrap();
        writer.write_all(&[record[0]]).unwrap();
        assert_eq!(wait_for(&count, 5).await, 5);
        assert!(!watcher.is_finished());
        watcher.abort();
    }
}
