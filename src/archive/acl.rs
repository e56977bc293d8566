//! POSIX ACLs between pxar's items and Linux's `system.posix_acl_*` extended attribute values.
//!
//! Pure conversion; applying the attribute is the restore writer's job.

use crate::format::pxar::Acl;

const ACL_EA_VERSION: u32 = 2;
const ACL_USER_OBJ: u16 = 0x01;
const ACL_USER: u16 = 0x02;
const ACL_GROUP_OBJ: u16 = 0x04;
const ACL_GROUP: u16 = 0x08;
const ACL_MASK: u16 = 0x10;
const ACL_OTHER: u16 = 0x20;
const ACL_UNDEFINED_ID: u32 = u32::MAX;
/// pxar's "no mask" placeholder in ACL_DEFAULT.
const NO_MASK: u64 = u64::MAX;

/// The name of the access ACL attribute.
pub const ACCESS_XATTR: &str = "system.posix_acl_access";
/// The name of the default ACL attribute (directories).
pub const DEFAULT_XATTR: &str = "system.posix_acl_default";

fn push(out: &mut Vec<u8>, tag: u16, perm: u64, id: u32) {
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&((perm & 7) as u16).to_le_bytes());
    out.extend_from_slice(&id.to_le_bytes());
}

/// The access ACL attribute value for an entry with `mode`, or `None` when the entry has only
/// the permission bits (no named users or groups).
pub fn access_xattr(acl: &Acl, mode: u64) -> Option<Vec<u8>> {
    if acl.users.is_empty() && acl.groups.is_empty() && acl.group_obj.is_none() {
        return None;
    }
    let mut out = ACL_EA_VERSION.to_le_bytes().to_vec();
    push(&mut out, ACL_USER_OBJ, (mode >> 6) & 7, ACL_UNDEFINED_ID);
    let mut users = acl.users.clone();
    users.sort();
    for (uid, perm) in users {
        push(&mut out, ACL_USER, perm, uid as u32);
    }
    // With an ACL, the group bits of the mode hold the mask; the owning group's own
    // permissions are in ACL_GROUP_OBJ.
    let group_obj = acl.group_obj.unwrap_or((mode >> 3) & 7);
    push(&mut out, ACL_GROUP_OBJ, group_obj, ACL_UNDEFINED_ID);
    let mut groups = acl.groups.clone();
    groups.sort();
    for (gid, perm) in groups {
        push(&mut out, ACL_GROUP, perm, gid as u32);
    }
    push(&mut out, ACL_MASK, (mode >> 3) & 7, ACL_UNDEFINED_ID);
    push(&mut out, ACL_OTHER, mode & 7, ACL_UNDEFINED_ID);
    Some(out)
}

/// The default ACL attribute value of a directory, if it has one.
pub fn default_xattr(acl: &Acl) -> Option<Vec<u8>> {
    let [user_obj, group_obj, other, mask] = acl.default?;
    let mut out = ACL_EA_VERSION.to_le_bytes().to_vec();
    push(&mut out, ACL_USER_OBJ, user_obj, ACL_UNDEFINED_ID);
    let mut users = acl.default_users.clone();
    users.sort();
    for (uid, perm) in users {
        push(&mut out, ACL_USER, perm, uid as u32);
    }
    push(&mut out, ACL_GROUP_OBJ, group_obj, ACL_UNDEFINED_ID);
    let mut groups = acl.default_groups.clone();
    groups.sort();
    for (gid, perm) in groups {
        push(&mut out, ACL_GROUP, perm, gid as u32);
    }
    if mask != NO_MASK {
        push(&mut out, ACL_MASK, mask, ACL_UNDEFINED_ID);
    }
    push(&mut out, ACL_OTHER, other, ACL_UNDEFINED_ID);
    Some(out)
}

/// Reads a `system.posix_acl_*` value into pxar's form. Returns the named entries and, for an
/// access ACL, the owning group's permissions (stored only when a mask exists, as pbs does).
pub fn parse_xattr(value: &[u8], is_default: bool, acl: &mut Acl) -> bool {
    let Some(rest) = value.strip_prefix(&ACL_EA_VERSION.to_le_bytes()) else {
        return false;
    };
    if rest.len() % 8 != 0 {
        return false;
    }
    let mut user_obj = 0;
    let mut group_obj = 0;
    let mut other = 0;
    let mut mask = None;
    for entry in rest.chunks_exact(8) {
        let tag = u16::from_le_bytes([entry[0], entry[1]]);
        let perm = u16::from_le_bytes([entry[2], entry[3]]) as u64;
        let id = u32::from_le_bytes([entry[4], entry[5], entry[6], entry[7]]) as u64;
        match tag {
            ACL_USER_OBJ => user_obj = perm,
            ACL_GROUP_OBJ => group_obj = perm,
            ACL_OTHER => other = perm,
            ACL_MASK => mask = Some(perm),
            ACL_USER if is_default => acl.default_users.push((id, perm)),
            ACL_USER => acl.users.push((id, perm)),
            ACL_GROUP if is_default => acl.default_groups.push((id, perm)),
            ACL_GROUP => acl.groups.push((id, perm)),
            _ => return false,
        }
    }
    if is_default {
        acl.default = Some([user_obj, group_obj, other, mask.unwrap_or(NO_MASK)]);
    } else if mask.is_some() {
        acl.group_obj = Some(group_obj);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_acl_round_trips() {
        let acl = Acl {
            users: vec![(1000, 6)],
            groups: vec![(50, 4)],
            group_obj: Some(5),
            ..Acl::default()
        };
        let value = access_xattr(&acl, 0o100760).unwrap();
        let mut back = Acl::default();
        assert!(parse_xattr(&value, false, &mut back));
        assert_eq!(back, acl);
        assert!(access_xattr(&Acl::default(), 0o644).is_none());
    }

    #[test]
    fn default_acl_round_trips() {
        let acl = Acl {
            default: Some([7, 5, 0, 7]),
            default_users: vec![(33, 7)],
            ..Acl::default()
        };
        let value = default_xattr(&acl).unwrap();
        let mut back = Acl::default();
        assert!(parse_xattr(&value, true, &mut back));
        assert_eq!(back, acl);
    }
}
