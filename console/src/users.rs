//! User names for uids, each looked up once in the passwd database.

use std::collections::HashMap;

use nix::unistd::{Uid, User};

/// A cache of uid → user name.
#[derive(Debug, Default)]
pub struct Users {
    names: HashMap<u32, String>,
}

impl Users {
    /// The name of `uid`, or the number when the passwd database has no entry for it.
    pub fn name(&mut self, uid: u32) -> &str {
        self.names.entry(uid).or_insert_with(|| lookup(uid))
    }
}

/// The uid `user` names: a user name, or a number.
pub fn uid_of(user: &str) -> Option<u32> {
    match User::from_name(user) {
        Ok(Some(u)) => Some(u.uid.as_raw()),
        _ => user.parse().ok(),
    }
}

fn lookup(uid: u32) -> String {
    match User::from_uid(Uid::from_raw(uid)) {
        Ok(Some(user)) => user.name,
        _ => uid.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_has_a_name_and_unknown_uids_show_as_numbers() {
        let mut users = Users::default();
        assert_eq!(users.name(0), "root");
        assert_eq!(users.name(4_000_000_000), "4000000000");
        assert_eq!(uid_of("root"), Some(0));
        assert_eq!(uid_of("4242"), Some(4242));
        assert_eq!(uid_of("no such user here"), None);
    }
}
