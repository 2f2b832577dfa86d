//! Exit-status conventions shared by `mig` and the daemons (a shell's, where one exists).

/// `mig`'s own failure (host unreachable, credential refused, …).
pub const EXIT_MIG_FAILURE: u8 = 255;
/// The job was evicted: its host's owner returned (or its lease was revoked).
pub const EXIT_EVICTED: u8 = 254;
/// The command was not found (as a shell reports it).
pub const EXIT_NOT_FOUND: u8 = 127;
/// The command was found but could not be executed (as a shell reports it).
pub const EXIT_NOT_EXECUTABLE: u8 = 126;

/// The shell's status for a death by signal `signal`: 128 + N.
pub fn signal_exit_code(signal: i32) -> u8 {
    (128 + signal.clamp(0, 127)) as u8
}
