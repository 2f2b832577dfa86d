//! A gRPC channel to the local migd over its Unix socket.
//!
//! Every connection starts with a one-byte preamble, before HTTP/2: `0` for a plain client, or
//! `2` with the caller's stdout and stderr attached (`SCM_RIGHTS`). A job's home migd writes the
//! job's output straight into those descriptors, so output crosses no extra process.

use std::io::IoSlice;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use hyper_util::rt::TokioIo;
use nix::sys::socket::{ControlMessage, MsgFlags, sendmsg};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint};

/// Preamble of a connection that passes no descriptors.
pub const PREAMBLE_PLAIN: u8 = b'0';
/// Preamble of a connection that passes the caller's stdout and stderr.
pub const PREAMBLE_STDIO: u8 = b'2';

/// Connects to the migd listening on `socket`. Fails at once when nothing listens there.
pub async fn connect(socket: &Path) -> Result<Channel, ConnectError> {
    connect_passing(socket, None).await
}

/// Connects like [`connect`], handing migd `stdout` and `stderr` for a job's output.
pub async fn connect_with_stdio(
    socket: &Path,
    stdout: BorrowedFd<'_>,
    stderr: BorrowedFd<'_>,
) -> Result<Channel, ConnectError> {
    connect_passing(socket, Some([stdout, stderr])).await
}

/// Why the local migd could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The socket could not be reached or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The gRPC channel could not be set up.
    #[error("{0}")]
    Transport(#[from] tonic::transport::Error),
}

async fn connect_passing(
    socket: &Path,
    fds: Option<[BorrowedFd<'_>; 2]>,
) -> Result<Channel, ConnectError> {
    let stream = std::os::unix::net::UnixStream::connect(socket)?;
    let raw: Vec<i32> = fds.iter().flatten().map(AsRawFd::as_raw_fd).collect();
    let preamble = [if raw.is_empty() {
        PREAMBLE_PLAIN
    } else {
        PREAMBLE_STDIO
    }];
    let rights = [ControlMessage::ScmRights(&raw)];
    let cmsgs: &[ControlMessage] = if raw.is_empty() { &[] } else { &rights };
    sendmsg::<()>(
        stream.as_raw_fd(),
        &[IoSlice::new(&preamble)],
        cmsgs,
        MsgFlags::empty(),
        None,
    )
    .map_err(std::io::Error::from)?;
    stream.set_nonblocking(true)?;
    // The connector hands out this one connection; a channel that needs another fails.
    let stream = Mutex::new(Some(UnixStream::from_std(stream)?));
    let path: PathBuf = socket.to_owned();
    // The URI is required by the API but unused: the connector supplies the connection.
    let channel = Endpoint::from_static("http://migd.local")
        .initial_stream_window_size(8 << 20)
        .initial_connection_window_size(32 << 20)
        .max_frame_size(1 << 20)
        .connect_with_connector(tower::service_fn(move |_| {
            let taken = stream.lock().unwrap_or_else(|e| e.into_inner()).take();
            let path = path.clone();
            async move {
                taken.map(TokioIo::new).ok_or_else(|| {
                    std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        format!("connection to {} lost", path.display()),
                    )
                })
            }
        }))
        .await?;
    Ok(channel)
}
