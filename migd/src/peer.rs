//! The local API's connections: a Unix stream that knows who is on the other end
//! (`SO_PEERCRED` and `SO_PEERGROUPS`, read once at accept time), so handlers can trust the
//! caller's identity without believing anything the caller says.

use std::io;
use std::os::fd::AsRawFd;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tonic::transport::server::Connected;

/// Who called: taken from the kernel, not from the request.
#[derive(Debug, Clone)]
pub struct PeerInfo {
    /// Process id of the caller (the home pid of a `mig` job).
    pub pid: i32,
    /// User id.
    pub uid: u32,
    /// Primary group first, then supplementary groups.
    pub gids: Vec<u32>,
}

/// An accepted local connection carrying its [`PeerInfo`].
pub struct PeerStream {
    inner: UnixStream,
    info: PeerInfo,
}

impl PeerStream {
    fn new(inner: UnixStream) -> io::Result<Self> {
        let cred = inner.peer_cred()?;
        let mut gids = vec![cred.gid()];
        gids.extend(
            peer_groups(&inner)?
                .into_iter()
                .filter(|&g| g != cred.gid()),
        );
        let info = PeerInfo {
            pid: cred.pid().unwrap_or(0),
            uid: cred.uid(),
            gids,
        };
        Ok(PeerStream { inner, info })
    }
}

/// Accepts connections forever, skipping those whose credentials cannot be read.
pub fn incoming(
    listener: UnixListener,
) -> impl tokio_stream::Stream<Item = io::Result<PeerStream>> {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => match PeerStream::new(stream) {
                    Ok(s) => {
                        if tx.send(Ok(s)).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => tracing::warn!("local connection without credentials: {e}"),
                },
                Err(e) => {
                    tracing::warn!("accept on the local socket: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

/// The caller's supplementary groups (`SO_PEERGROUPS`).
fn peer_groups(stream: &UnixStream) -> io::Result<Vec<u32>> {
    let mut groups = vec![0u32; 64];
    loop {
        let mut len = (groups.len() * 4) as libc::socklen_t;
        // SAFETY: `groups` has room for `len` bytes, and the kernel writes at most that many,
        // updating `len` with the size it wrote or needs.
        let ret = unsafe {
            libc::getsockopt(
                stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_PEERGROUPS,
                groups.as_mut_ptr().cast(),
                &mut len,
            )
        };
        if ret == 0 {
            groups.truncate(len as usize / 4);
            return Ok(groups);
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::ERANGE) && (len as usize / 4) > groups.len() {
            groups.resize(len as usize / 4, 0);
            continue;
        }
        return Err(err);
    }
}

impl Connected for PeerStream {
    type ConnectInfo = PeerInfo;

    fn connect_info(&self) -> PeerInfo {
        self.info.clone()
    }
}

impl AsyncRead for PeerStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for PeerStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
