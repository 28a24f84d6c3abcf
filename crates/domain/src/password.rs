//! Passwords: argon2id hashes in PHC string form, and the rules a new password obeys.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

use crate::text::FieldError;

pub const MIN_CHARS: usize = 10;
pub const MAX_CHARS: usize = 128;

/// Checks a new password against the rules; `username` may not be reused.
pub fn check_new(password: &str, username: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(FieldError::new(
            "password_too_short",
            format!("密码至少需要 {MIN_CHARS} 个字符"),
        )
        .on("password"));
    }
    if n > MAX_CHARS {
        return Err(FieldError::new(
            "password_too_long",
            format!("密码不能超过 {MAX_CHARS} 个字符"),
        )
        .on("password"));
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err(
            FieldError::new("password_contains_username", "密码不能包含用户名").on("password"),
        );
    }
    if password.chars().all(|c| password.starts_with(c)) {
        return Err(FieldError::new(
            "password_too_simple",
            "密码过于简单，请勿使用同一个字符重复",
        )
        .on("password"));
    }
    Ok(())
}

/// Hashes with argon2id and a fresh random salt.
pub fn hash(password: &str) -> String {
    match Argon2::default().hash_password(password.as_bytes()) {
        Ok(h) => h.to_string(),
        // Only fails for absurd parameters; fall back to an unusable hash.
        Err(_) => "!".to_owned(),
    }
}

/// Verifies `password` against a stored PHC string. A malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when an account does not exist,
/// so that a missing account takes as long to refuse as a wrong password.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash("not-a-real-password-for-timing"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("x", "not a hash"));
        assert_ne!(h, hash("correct horse battery"), "salted");
    }

    #[test]
    fn rules() {
        assert_eq!(
            check_new("short", "u").unwrap_err().code,
            "password_too_short"
        );
        assert_eq!(
            check_new("aaaaaaaaaaaa", "u").unwrap_err().code,
            "password_too_simple"
        );
        assert_eq!(
            check_new("zhangsan-2026!", "zhangsan").unwrap_err().code,
            "password_contains_username"
        );
        assert_eq!(
            check_new(&"密".repeat(129), "u").unwrap_err().code,
            "password_too_long"
        );
        assert!(
            check_new("科技成果直通车2026", "u").is_ok(),
            "10 characters of Chinese count as 10"
        );
    }
}
