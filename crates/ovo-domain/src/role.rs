//! Operator roles. Permissions are defined by the application layer.

use crate::key::keyed_enum;

keyed_enum! {
    /// What an operator is hired to do.
    pub enum Role as "role" {
        Staff => "staff",
        Support => "support",
        Finance => "finance",
        Admin => "admin",
    }
}

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
