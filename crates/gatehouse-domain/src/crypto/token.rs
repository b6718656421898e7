//! Random secrets from the OS CSPRNG and their SHA-256 digests. Random bearer secrets are
//! stored only as digests (a slow hash is for passwords, not for high-entropy tokens) and
//! compared in constant time.

use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const ALPHANUMERIC_LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `len` characters of `[a-z0-9]`, uniformly drawn (the public-id alphabet).
pub fn random_alphanumeric(len: usize) -> String {
    let mut rng = OsRng;
    (0..len).map(|_| char::from(ALPHANUMERIC_LOWER[rng.gen_range(0..ALPHANUMERIC_LOWER.len())])).collect()
}

/// `bytes` random bytes, hex-encoded (`2 * bytes` characters).
pub fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// A new stable public id.
pub fn new_document_id() -> String {
    random_alphanumeric(24)
}

/// The SHA-256 digest of a secret, hex-encoded; what the store keeps.
pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two byte strings in constant time (for equal lengths).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_ids_are_24_lowercase_alphanumerics_and_differ() {
        let a = new_document_id();
        let b = new_document_id();
        assert_eq!(a.len(), 24);
        assert!(a.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_ne!(a, b);
    }

    #[test]
    fn digests_are_stable_and_hex() {
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"diff"));
    }
}
