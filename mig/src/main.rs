fn main() -> std::process::ExitCode {
    mig::main()
}
