//! Variables: flavours, origins and sets of variables.

use std::collections::HashMap;

/// How a variable's value is expanded when it is referenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `=`: the value is expanded at each reference.
    Recursive,
    /// `:=`: the value was expanded once, at definition.
    Simple,
}

/// Where a variable's value came from, lowest precedence first (GNU make's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    Default,
    Environment,
    File,
    EnvironmentOverride,
    CommandLine,
    Override,
    Automatic,
}

impl Origin {
    /// The word `$(origin)` returns.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Default => "default",
            Origin::Environment => "environment",
            Origin::File => "file",
            Origin::EnvironmentOverride => "environment override",
            Origin::CommandLine => "command line",
            Origin::Override => "override",
            Origin::Automatic => "automatic",
        }
    }
}

/// Whether a variable goes into the environment of recipes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// Decided by the default policy (environment and command-line variables are exported).
    Default,
    Yes,
}

#[derive(Debug, Clone)]
pub struct Var {
    pub value: String,
    pub flavor: Flavor,
    pub origin: Origin,
    pub export: Export,
    /// `private`: not inherited by prerequisites.
    pub private: bool,
    /// A target-specific `+=`: the value is appended to the one from the enclosing scope.
    pub append: bool,
    /// Where the variable was defined (for errors found while expanding it).
    pub loc: Option<crate::error::Loc>,
}

impl Var {
    pub fn new(value: impl Into<String>, flavor: Flavor, origin: Origin) -> Self {
        Var {
            value: value.into(),
            flavor,
            origin,
            export: Export::Default,
            private: false,
            append: false,
            loc: None,
        }
    }
}

/// A set of variables: the global set, or the variables of one target or pattern.
#[derive(Debug, Clone, Default)]
pub struct VarSet {
    map: HashMap<String, Var>,
    /// Counts changes, so that values derived from the set can tell when to recompute.
    version: u64,
}

impl VarSet {
    pub fn get(&self, name: &str) -> Option<&Var> {
        self.map.get(name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Var> {
        self.version += 1;
        self.map.get_mut(name)
    }

    /// Changes whenever a variable is set, changed or removed.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Sets `name` unless an existing value has a higher-precedence origin.
    /// Returns whether the value was set.
    pub fn set(&mut self, name: &str, var: Var) -> bool {
        if let Some(old) = self.map.get(name)
            && old.origin > var.origin
        {
            return false;
        }
        let export = self.map.get(name).map(|v| v.export);
        let mut var = var;
        if var.export == Export::Default
            && let Some(e) = export
        {
            var.export = e;
        }
        self.map.insert(name.to_string(), var);
        self.version += 1;
        true
    }

    /// Inserts without precedence checks.
    pub fn insert(&mut self, name: &str, var: Var) {
        self.version += 1;
        self.map.insert(name.to_string(), var);
    }

    pub fn remove(&mut self, name: &str) -> Option<Var> {
        self.version += 1;
        self.map.remove(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Var)> {
        self.map.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_beats_file() {
        let mut s = VarSet::default();
        assert!(s.set("X", Var::new("cmd", Flavor::Simple, Origin::CommandLine)));
        assert!(!s.set("X", Var::new("file", Flavor::Simple, Origin::File)));
        assert_eq!(s.get("X").unwrap().value, "cmd");
        assert!(s.set("X", Var::new("ovr", Flavor::Simple, Origin::Override)));
        assert_eq!(s.get("X").unwrap().value, "ovr");
    }
}
