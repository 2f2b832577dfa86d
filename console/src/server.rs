//! Calls to migserver from the console. roam holds no key: it asks the local migd for a
//! credential (MUNGE-style: migd vouches for the uid and groups the kernel gave it for this
//! connection), one per call, and presents it to migserver.

use anyhow::{Context, bail};
use prost::Message;
use roam_shared::config::Config;
use roam_shared::proto::IssueCredentialRequest;
use roam_shared::proto::local_client::LocalClient;
use roam_shared::proto::mig_server_client::MigServerClient;
use tonic::Request;
use tonic::transport::Channel;

/// The largest reply roam accepts from migserver.
const MAX_REPLY: usize = 64 << 20;

/// A connection to migserver plus the means to sign each call.
pub struct Server {
    client: MigServerClient<Channel>,
    local: LocalClient<Channel>,
}

impl Server {
    /// Connects to the local migd and to the migserver named in `config`.
    pub async fn connect(config: &Config) -> anyhow::Result<Server> {
        let Some(server) = &config.migserver else {
            bail!(
                "no migserver in {}: add a [migserver] section with addr = \"HOST:PORT\"",
                Config::locate(None).display()
            );
        };
        let socket = &config.migd.socket;
        let local = roam_shared::uds::connect(socket).await.with_context(|| {
            format!(
                "cannot reach the local migd at {} to get a credential (is migd running?)",
                socket.display()
            )
        })?;
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr))?
            .connect_timeout(std::time::Duration::from_secs(3))
            .connect()
            .await
            .with_context(|| {
                format!("cannot reach migserver at {} (is it running?)", server.addr)
            })?;
        Ok(Server {
            // A 10,000-host cluster's host and process lists outgrow tonic's 4 MiB default.
            client: MigServerClient::new(channel).max_decoding_message_size(MAX_REPLY),
            local: LocalClient::new(local),
        })
    }

    /// `message` as a request carrying a fresh credential for the caller.
    pub async fn signed<T>(&mut self, message: T) -> anyhow::Result<Request<T>> {
        let credential = self
            .local
            .issue_credential(IssueCredentialRequest {})
            .await
            .map_err(|s| anyhow::anyhow!("the local migd refused a credential: {}", s.message()))?
            .into_inner()
            .encode_to_vec();
        let mut request = Request::new(message);
        roam_shared::auth::attach(&mut request, &credential);
        Ok(request)
    }

    /// The migserver client.
    pub fn client(&mut self) -> &mut MigServerClient<Channel> {
        &mut self.client
    }
}

/// A migserver error as the user should read it.
pub fn refused(status: tonic::Status) -> anyhow::Error {
    match status.code() {
        tonic::Code::PermissionDenied => anyhow::anyhow!("not allowed: {}", status.message()),
        tonic::Code::NotFound => anyhow::anyhow!("{}", status.message()),
        tonic::Code::Unauthenticated => anyhow::anyhow!(
            "migserver refused the credential: {} (do this host and migserver share the cluster key?)",
            status.message()
        ),
        _ => anyhow::anyhow!("migserver: {}", status.message()),
    }
}

/// Runs `future` on a fresh single-threaded runtime.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(future)
}
