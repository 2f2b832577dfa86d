//! Chains of variable scopes used while expanding in the context of a target.
//!
//! A chain is, innermost first: the automatic variables (or `$(call)`/`$(foreach)`
//! temporaries), the target's own variables, the pattern-specific variables that match
//! it, then the chain of the target that asked for it to be made (so target-specific
//! values are inherited by prerequisites). The global set is looked at last, outside
//! the chain. `private` variables are only visible from the scope level that defined them.

use std::rc::Rc;

use crate::vars::{Var, VarSet};

#[derive(Debug)]
pub struct Scope {
    pub vars: VarSet,
    /// Depth of the target this scope belongs to; a private variable is visible only
    /// when looked up from a chain whose head has the same level.
    pub level: u32,
    pub parent: Option<Rc<Scope>>,
}

impl Scope {
    pub fn push(vars: VarSet, level: u32, parent: Option<Rc<Scope>>) -> Rc<Scope> {
        Rc::new(Scope {
            vars,
            level,
            parent,
        })
    }
}

/// Finds `name` in `chain`, returning the variable and the scope after the one holding it
/// (where a target-specific `+=` finds the value it appends to).
pub fn find<'a>(chain: &'a Option<Rc<Scope>>, name: &str) -> Option<(&'a Var, Option<Rc<Scope>>)> {
    let head_level = chain.as_ref().map(|s| s.level)?;
    let mut cur = chain.as_ref();
    while let Some(s) = cur {
        if let Some(v) = s.vars.get(name)
            && (!v.private || s.level == head_level)
        {
            return Some((v, s.parent.clone()));
        }
        cur = s.parent.as_ref();
    }
    None
}
