//! A job's output, written at home straight into the stdout and stderr its caller passed (see
//! `peer`), each on its own thread: those descriptors belong to the caller and may be blocking
//! terminals or pipes, so migd never changes their flags and never blocks its runtime on them.

use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

/// One output descriptor, fed through a queue to its writer thread.
pub struct OutputSink {
    fd: Option<OwnedFd>,
    writer: Option<Writer>,
}

struct Writer {
    tx: mpsc::Sender<Bytes>,
    done: oneshot::Receiver<()>,
}

/// Writing failed (the reader went away: EPIPE, or another error); later output is dropped.
#[derive(Debug)]
pub struct Broken;

impl OutputSink {
    /// A sink for `fd`; its thread starts with the first data, so jobs without output cost none.
    pub fn new(fd: OwnedFd) -> Self {
        OutputSink {
            fd: Some(fd),
            writer: None,
        }
    }

    /// Queues `data`; `Err(Broken)` once the descriptor can no longer be written.
    pub async fn send(&mut self, data: Bytes) -> Result<(), Broken> {
        if self.writer.is_none() {
            let fd = self.fd.take().ok_or(Broken)?;
            self.writer = Some(Writer::start(fd));
        }
        let writer = self.writer.as_ref().ok_or(Broken)?;
        writer.tx.send(data).await.map_err(|_| Broken)
    }

    /// Waits until everything queued has been written (or writing failed).
    pub async fn finish(self) {
        if let Some(Writer { tx, done }) = self.writer {
            drop(tx);
            let _ = done.await;
        }
    }
}

impl Writer {
    fn start(fd: OwnedFd) -> Self {
        let (tx, mut rx) = mpsc::channel::<Bytes>(16);
        let (done_tx, done) = oneshot::channel();
        std::thread::spawn(move || {
            let mut file = std::fs::File::from(fd);
            while let Some(data) = rx.blocking_recv() {
                if let Err(e) = write_all(&mut file, &data) {
                    tracing::debug!("job output: {e}");
                    break;
                }
            }
            let _ = done_tx.send(());
        });
        Writer { tx, done }
    }
}

/// `write_all` that also waits out a descriptor someone else made non-blocking.
fn write_all(file: &mut std::fs::File, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match file.write(data) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                let mut fds = [nix::poll::PollFd::new(
                    file.as_fd(),
                    nix::poll::PollFlags::POLLOUT,
                )];
                let _ = nix::poll::poll(&mut fds, nix::poll::PollTimeout::NONE);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
