//! The `pmake` binary; installed as `make`, it names itself `make`.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    std::process::exit(pmake::main_entry(args));
}
