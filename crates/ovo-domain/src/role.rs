//! Operator roles. Permissions are defined by the application layer.

use crate::key::{key_string_impls, UnknownKey};

/// What an operator is hired to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Staff,
    Support,
    Finance,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Staff, Role::Support, Role::Finance, Role::Admin];
    const KEYS: &'static [&'static str] = &["staff", "support", "finance", "admin"];

    pub const fn key(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Support => "support",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    pub fn parse(key: &str) -> Result<Role, UnknownKey> {
        Role::ALL
            .into_iter()
            .find(|r| r.key() == key)
            .ok_or_else(|| UnknownKey::new("role", key, Self::KEYS))
    }
}

key_string_impls!(Role);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let keys: Vec<&str> = Role::ALL.iter().map(|r| r.key()).collect();
        assert_eq!(keys, ["staff", "support", "finance", "admin"]);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.key()), Ok(role));
            assert_eq!(role.to_string(), role.key());
            let json = serde_json::to_string(&role).expect("serialize");
            assert_eq!(json, format!("\"{}\"", role.key()));
            assert_eq!(serde_json::from_str::<Role>(&json).expect("deserialize"), role);
        }
        assert!(Role::parse("Admin").is_err());
        assert!(Role::parse("root").is_err());
        assert!(serde_json::from_str::<Role>("\"superuser\"").is_err());
    }
}
