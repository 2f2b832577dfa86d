//! `-O` output synchronisation: a job's output (and make's echo of its commands) is
//! collected in temporary files and written out in one piece, per line (`-Oline`) or
//! per target (`-Otarget`, `-Orecurse`), so parallel jobs do not interleave.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

/// Where a job's output is collected.
pub struct Capture {
    pub out: File,
    pub err: File,
}

fn temp_file() -> io::Result<File> {
    // O_TMPFILE: an unnamed file that disappears when closed.
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_TMPFILE)
        .open(std::env::temp_dir())
}

impl Capture {
    pub fn new() -> io::Result<Capture> {
        Ok(Capture {
            out: temp_file()?,
            err: temp_file()?,
        })
    }

    /// Writes what was collected to make's stdout and stderr, and empties the files.
    pub fn flush(&mut self) {
        for (f, to_err) in [(&mut self.out, false), (&mut self.err, true)] {
            let mut buf = Vec::new();
            if f.seek(SeekFrom::Start(0)).is_ok()
                && f.read_to_end(&mut buf).is_ok()
                && !buf.is_empty()
            {
                if to_err {
                    let _ = io::stdout().flush();
                    let _ = io::stderr().write_all(&buf);
                } else {
                    let mut o = io::stdout().lock();
                    let _ = o.write_all(&buf);
                    let _ = o.flush();
                }
            }
            let _ = f.set_len(0);
            let _ = f.seek(SeekFrom::Start(0));
        }
    }
}
