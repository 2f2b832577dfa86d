fn main() -> std::process::ExitCode {
    loadavgd::main()
}
