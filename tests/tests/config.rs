//! The config file and the cluster key as the binaries report them.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use roam_harness::Binaries;

fn bin() -> &'static Binaries {
    Binaries::from_workspace().expect("build migd and mig")
}

#[test]
fn keygen_writes_a_private_key_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cluster.key");
    let out = Command::new(&bin().migd)
        .arg("keygen")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let key = std::fs::read_to_string(&path).unwrap();
    let out = Command::new(&bin().migd)
        .arg("keygen")
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        key,
        "key unchanged"
    );
}

#[test]
fn a_bad_config_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roam.toml");
    std::fs::write(
        &path,
        "name = \"a\"\n\n[migd]\nlisten = \"127.0.0.11:7420\"\nallow_rot = true\n",
    )
    .unwrap();
    let out = Command::new(&bin().migd)
        .arg("--config")
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!("migd: {}:5: allow_rot: unknown field", path.display());
    assert!(stderr.starts_with(&expected), "{stderr}");

    std::fs::write(&path, "name = \"a\"\n[migd]\nallow_root = \"yes\"\n").unwrap();
    let out = Command::new(&bin().mig)
        .args(["true"])
        .env("ROAM_CONFIG", &path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "mig: config: {}:3: allow_root: invalid type",
        path.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
}

#[test]
fn the_config_path_comes_from_the_flag_then_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.toml");
    let out = Command::new(&bin().mig)
        .args(["--config"])
        .arg(&missing)
        .arg("true")
        .env("ROAM_CONFIG", "/also/missing.toml")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    let out = Command::new(&bin().mig)
        .arg("true")
        .env("ROAM_CONFIG", "/also/missing.toml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/also/missing.toml"));
}

#[test]
fn mig_without_a_running_migd_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roam.toml");
    std::fs::write(
        &path,
        "name = \"a\"\n[migd]\nsocket = \"nobody-here.sock\"\n",
    )
    .unwrap();
    let out = Command::new(&bin().mig)
        .args(["-H", "b", "true"])
        .env("ROAM_CONFIG", &path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(255));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("mig: cannot reach the local migd at "),
        "{stderr}"
    );
    assert!(stderr.contains("is migd running?"), "{stderr}");
}
