//! Cryptography: argon2id password hashing on a bounded pool ([`password`]), HS256 JWTs per
//! realm ([`jwt`]), and random tokens with their SHA-256 digests ([`token`]).

pub mod jwt;
pub mod password;
pub mod token;
