//! Compiles `proto/roam.proto` and `proto/migserver.proto` with protox, so building needs no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(["roam.proto", "migserver.proto"], ["proto"])?;
    tonic_prost_build::configure()
        // Stdio chunks as `Bytes`: decoding slices the received buffer instead of copying it.
        .bytes(".roam.v1.JobOutput")
        .bytes(".roam.v1.JobInput")
        .compile_fds(fds)?;
    Ok(())
}
