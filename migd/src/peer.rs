//! The local API's connections: a Unix stream that knows who is on the other end
//! (`SO_PEERCRED` and `SO_PEERGROUPS`, read once at accept time), so handlers can trust the
//! caller's identity without believing anything the caller says, and that carries the stdout and
//! stderr the caller passed in its preamble.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
use roam_shared::uds::{PREAMBLE_PLAIN, PREAMBLE_STDIO};

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
    /// The caller's stdout and stderr, when it passed them (see `roam_shared::uds`).
    pub stdio: Option<Arc<PassedStdio>>,
}

/// Output descriptors a caller handed over with its connection.
#[derive(Debug)]
pub struct PassedStdio {
    /// The caller's stdout.
    pub stdout: OwnedFd,
    /// The caller's stderr.
    pub stderr: OwnedFd,
}

/// An accepted local connection carrying its [`PeerInfo`].
pub struct PeerStream {
    inner: UnixStream,
    info: PeerInfo,
}

/// How long a new connection may take to send its preamble.
const PREAMBLE_TIMEOUT: Duration = Duration::from_secs(5);

impl PeerStream {
    async fn new(inner: UnixStream) -> io::Result<Self> {
        let cred = inner.peer_cred()?;
        let mut gids = vec![cred.gid()];
        gids.extend(
            peer_groups(&inner)?
                .into_iter()
                .filter(|&g| g != cred.gid()),
        );
        let stdio = tokio::time::timeout(PREAMBLE_TIMEOUT, read_preamble(&inner))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no preamble"))??;
        let info = PeerInfo {
            pid: cred.pid().unwrap_or(0),
            uid: cred.uid(),
            gids,
            stdio: stdio.map(Arc::new),
        };
        Ok(PeerStream { inner, info })
    }
}

/// Reads the one-byte preamble and the descriptors passed with it.
async fn read_preamble(stream: &UnixStream) -> io::Result<Option<PassedStdio>> {
    loop {
        stream.readable().await?;
        let received = stream.try_io(tokio::io::Interest::READABLE, || {
            let mut byte = [0u8; 1];
            let mut iov = [io::IoSliceMut::new(&mut byte)];
            let mut space = nix::cmsg_space!([std::os::fd::RawFd; 2]);
            let msg = recvmsg::<()>(
                stream.as_raw_fd(),
                &mut iov,
                Some(&mut space),
                MsgFlags::MSG_CMSG_CLOEXEC,
            )?;
            let mut fds = Vec::new();
            for cmsg in msg.cmsgs()? {
                if let ControlMessageOwned::ScmRights(raw) = cmsg {
                    // SAFETY: the kernel just installed these descriptors for us; nobody else
                    // owns them.
                    fds.extend(
                        raw.into_iter()
                            .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
                    );
                }
            }
            Ok((msg.bytes, byte[0], fds))
        });
        let (len, byte, fds) = match received {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            other => other?,
        };
        let mut fds = fds.into_iter();
        return match (len, byte, fds.next(), fds.next(), fds.next()) {
            (1, PREAMBLE_PLAIN, None, _, _) => Ok(None),
            (1, PREAMBLE_STDIO, Some(stdout), Some(stderr), None) => {
                Ok(Some(PassedStdio { stdout, stderr }))
            }
            _ => Err(io::Error::new(io::ErrorKind::InvalidData, "bad preamble")),
        };
    }
}

/// Accepts connections forever, skipping those whose credentials or preamble cannot be read.
pub fn incoming(
    listener: UnixListener,
) -> impl tokio_stream::Stream<Item = io::Result<PeerStream>> {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    // Each preamble is read on its own, so a silent client holds up nobody.
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        match PeerStream::new(stream).await {
                            Ok(s) => {
                                let _ = tx.send(Ok(s)).await;
                            }
                            Err(e) => tracing::warn!("refused a local connection: {e}"),
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!("accept on the local socket: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
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
