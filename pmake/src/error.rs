//! Errors of the make engine, shaped like GNU make's messages.

use std::fmt;
use std::rc::Rc;

/// A place in a makefile: file name and 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: Rc<str>,
    pub line: usize,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Why make stops.
#[derive(Debug, thiserror::Error)]
pub enum MakeError {
    /// A fatal error, printed as `LOC: *** MSG.  Stop.` (or `make: *** MSG.  Stop.`).
    #[error("{msg}")]
    Fatal { loc: Option<Loc>, msg: String },
}

impl MakeError {
    pub fn fatal(loc: Option<Loc>, msg: impl Into<String>) -> Self {
        MakeError::Fatal {
            loc,
            msg: msg.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, MakeError>;
