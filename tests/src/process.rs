//! Looking at processes the way a test needs to: alive or not, stopped or running.

/// The state letter of a live process (`R`, `S`, `T`, …); `None` when it is gone or a zombie.
pub fn process_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let state = stat.rsplit_once(") ")?.1.chars().next()?;
    (state != 'Z').then_some(state)
}

/// Is `pid` a live process (not gone, not a zombie)?
pub fn alive(pid: i32) -> bool {
    process_state(pid).is_some()
}
