//! Who may drain, undrain and evict: root, and the members of the configured admin group.

use roam_shared::proto::Credential;

use crate::error::Refusal;

/// Allows `cred` if its uid is 0 or its groups include `admin_group`'s gid (a group that does
/// not exist admits only root).
pub fn authorize(cred: &Credential, admin_group: &str) -> Result<(), Refusal> {
    if roam_shared::auth::is_admin(cred, admin_group) {
        Ok(())
    } else {
        Err(Refusal::NotAdmin {
            uid: cred.uid,
            group: admin_group.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use nix::unistd::Group;

    use super::*;

    fn cred(uid: u32, gids: Vec<u32>) -> Credential {
        Credential {
            uid,
            gids,
            ..Credential::default()
        }
    }

    #[test]
    fn root_and_admin_group_members_only() {
        let root_group = Group::from_gid(0.into()).unwrap().unwrap().name;
        authorize(&cred(0, vec![]), "no-such-group-here").unwrap();
        authorize(&cred(1000, vec![5, 0]), &root_group).unwrap();
        let refused = authorize(&cred(1000, vec![1000]), &root_group).unwrap_err();
        assert!(refused.to_string().contains(&root_group), "{refused}");
        assert!(authorize(&cred(1000, vec![0]), "no-such-group-here").is_err());
    }
}
