fn main() -> std::process::ExitCode {
    migd::main()
}
