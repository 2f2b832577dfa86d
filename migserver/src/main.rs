fn main() -> std::process::ExitCode {
    migserver::main()
}
