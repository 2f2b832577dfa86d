//! migd's defences: credentials (tampered, replayed, wrong key, missing), the uid policy, and
//! hostile bytes on its TCP port.

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use prost::Message;
use roam_harness::{Binaries, Cluster, ClusterOptions};
use roam_shared::credential::ClusterKey;
use roam_shared::ids::unix_ms_now;
use roam_shared::proto::job_input::Kind as In;
use roam_shared::proto::job_output::Kind as Out;
use roam_shared::proto::remote_client::RemoteClient;
use roam_shared::proto::{
    CREDENTIAL_METADATA_KEY, Credential, JobInput, JobOutput, JobSpec, SignedCredential,
};
use tonic::metadata::MetadataValue;

fn cluster(allow_root: bool) -> Cluster {
    let bin = Binaries::from_workspace().expect("build migd and mig");
    Cluster::start(
        bin,
        ClusterOptions {
            hosts: 2,
            allow_root,
            ..ClusterOptions::default()
        },
    )
    .expect("start the cluster")
}

fn spec(argv: &[&str]) -> JobSpec {
    JobSpec {
        argv: argv.iter().map(|a| a.as_bytes().to_vec()).collect(),
        env: vec![],
        cwd: b"/".to_vec(),
        umask: 0o022,
        rlimits: vec![],
        terminal: None,
        ..JobSpec::default()
    }
}

/// Calls `Exec` on host b directly with `credential`; returns the first output or the status.
fn exec_with(
    c: &Cluster,
    credential: Option<Vec<u8>>,
    inputs: Vec<JobInput>,
) -> Result<Option<JobOutput>, tonic::Status> {
    let addr = c.host(1).addr;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async move {
            let mut client = RemoteClient::connect(format!("http://{addr}"))
                .await
                .unwrap();
            let mut request = tonic::Request::new(tokio_stream::iter(inputs));
            if let Some(cred) = credential {
                request
                    .metadata_mut()
                    .insert_bin(CREDENTIAL_METADATA_KEY, MetadataValue::from_bytes(&cred));
            }
            let mut stream = client.exec(request).await?.into_inner();
            stream.message().await
        })
}

fn start(argv: &[&str]) -> Vec<JobInput> {
    vec![JobInput {
        kind: Some(In::RemoteStart(spec(argv))),
    }]
}

fn key(c: &Cluster) -> ClusterKey {
    ClusterKey::load(&c.key_file()).unwrap()
}

fn uid() -> u32 {
    nix::unistd::getuid().as_raw()
}

#[test]
fn a_valid_credential_works_once_and_a_replay_is_refused() {
    let c = cluster(true);
    let cred = key(&c).sign(uid(), vec![0], "a", "a.test-1");
    let first = exec_with(&c, Some(cred.clone()), start(&["true"])).unwrap();
    assert!(matches!(first.and_then(|o| o.kind), Some(Out::Placed(_))));
    let replay = exec_with(&c, Some(cred), start(&["true"])).unwrap_err();
    assert_eq!(replay.code(), tonic::Code::Unauthenticated);
    assert_eq!(replay.message(), "credential replayed");
}

#[test]
fn tampered_foreign_and_missing_credentials_are_refused() {
    let c = cluster(true);
    // Raise the uid in a genuine credential, keeping its MAC.
    let genuine = key(&c).sign(1000, vec![1000], "a", "a.test-2");
    let mut signed = SignedCredential::decode(genuine.as_slice()).unwrap();
    let mut body = Credential::decode(signed.body.as_slice()).unwrap();
    body.uid = 0;
    signed.body = body.encode_to_vec();
    let err = exec_with(&c, Some(signed.encode_to_vec()), start(&["true"])).unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated);
    assert!(
        err.message().contains("signature does not match"),
        "{err:?}"
    );

    let other = ClusterKey::generate().sign(uid(), vec![0], "a", "a.test-3");
    let err = exec_with(&c, Some(other), start(&["true"])).unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated);

    let expired = key(&c).seal(
        Credential {
            uid: uid(),
            expires_unix_ms: unix_ms_now() - 1000,
            nonce: vec![1; 16],
            ..Default::default()
        }
        .encode_to_vec(),
    );
    let err = exec_with(&c, Some(expired), start(&["true"])).unwrap_err();
    assert_eq!(err.message(), "credential expired");

    let err = exec_with(&c, None, start(&["true"])).unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated);
    let err = exec_with(&c, Some(b"\xff\x00garbage".to_vec()), start(&["true"])).unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unauthenticated);
    still_serves(&c);
}

#[test]
fn root_is_refused_unless_the_config_allows_it() {
    if uid() != 0 {
        return; // The policy only applies to a root migd with a root caller.
    }
    let c = cluster(false);
    let out = c.mig(0).args(["-H", "b", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(255));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("may not run as root"), "{stderr}");
}

#[test]
fn garbage_and_oversized_requests_do_not_hurt_migd() {
    let c = cluster(true);
    let addr = c.host(1).addr;
    // Raw garbage, an HTTP/2 preface followed by garbage, and a huge bogus frame.
    let payloads: Vec<Vec<u8>> = vec![
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        (0..65536u32).map(|i| (i * 7919 % 251) as u8).collect(),
        // Data-link hellos with a bogus credential and with an absurd length.
        b"ROAMDATA\x00\x00\x00\x05hello".to_vec(),
        b"ROAMDATA\xff\xff\xff\xff".to_vec(),
        [
            &b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"[..],
            &[0xff, 0xff, 0xff, 0x00, 0x00, 0, 0, 0, 1],
            &[0u8; 4096],
        ]
        .concat(),
    ];
    for payload in &payloads {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        let _ = s.write_all(payload);
        // The same on the local socket.
        let mut s = std::os::unix::net::UnixStream::connect(&c.host(1).socket).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        let _ = s.write_all(payload);
    }
    // A valid credential with a 6 MiB stdin message: over the message limit.
    let cred = key(&c).sign(uid(), vec![0], "a", "a.big");
    let mut inputs = start(&["cat"]);
    inputs.push(JobInput {
        kind: Some(In::Stdin(vec![0; 6 << 20].into())),
    });
    let _ = exec_with(&c, Some(cred), inputs);
    // A first message that is not a job.
    let cred = key(&c).sign(uid(), vec![0], "a", "a.wrong");
    let err = exec_with(
        &c,
        Some(cred),
        vec![JobInput {
            kind: Some(In::Signal(9)),
        }],
    )
    .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    still_serves(&c);
}

/// Host b's migd is alive and runs jobs.
fn still_serves(c: &Cluster) {
    let out = c
        .mig(0)
        .args(["-H", "b", "echo", "alive"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "alive\n");
}

#[test]
fn an_unprivileged_user_runs_as_themselves() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    if uid() != 0 {
        return; // Needs root to become another user.
    }
    let c = cluster(false);
    // Let `nobody` read the configs and use a working directory of its own.
    std::fs::set_permissions(c.dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let work = c.dir().join("nobody-work");
    std::fs::create_dir(&work).unwrap();
    std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = Command::new(c.mig(0).get_program())
        .args(["-H", "b", "sh", "-c", "id -u; id -g; pwd; touch made-here"])
        .env("ROAM_CONFIG", &c.host(0).config)
        .current_dir(&work)
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("65534\n65534\n{}\n", work.display())
    );
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(work.join("made-here")).unwrap().uid(),
        65534
    );
}

#[test]
fn a_non_root_migd_runs_jobs_only_for_its_own_user() {
    if uid() != 0 {
        return; // Needs root to start the daemons as another user.
    }
    let bin = Binaries::from_workspace().unwrap();
    let c = Cluster::start(
        bin,
        ClusterOptions {
            hosts: 2,
            migd_uid: Some(65534),
            ..ClusterOptions::default()
        },
    )
    .unwrap();
    // root (here) is refused by b's migd, which runs as nobody…
    let out = c.mig(0).args(["-H", "b", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(255));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("runs as uid 65534"), "{stderr}");
    // … and nobody is served, as nobody.
    use std::os::unix::process::CommandExt;
    let out = Command::new(c.mig(0).get_program())
        .args(["-H", "b", "id", "-u"])
        .env("ROAM_CONFIG", &c.host(0).config)
        .current_dir("/")
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "65534\n", "{out:?}");
}
