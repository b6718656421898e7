//! The password-hashing ceiling for `POST /api/auth/local`, used by `scripts/bench`.
//!
//! A login costs one argon2id verification, which costs the same as one hash. This computes
//! argon2id at Gatehouse's production parameters (OWASP: m = 19456 KiB, t = 2, p = 1) on N plain
//! threads for D seconds and prints the total rate: what the hashing alone allows when it has
//! every core and nothing else to do. Each thread does what the fastest possible verification
//! does: it keeps one block buffer for all its hashes (no allocation, no page faults, no
//! zeroing), recomputes the hash of a known password and salt, and compares it with the
//! expected output.
//!
//! ```text
//! cargo run --release -p gatehouse --example argon2_ceiling -- [THREADS] [SECONDS]
//! ```
//!
//! THREADS defaults to the CPU count, SECONDS to 10. Output (one `key value` per line):
//! `threads`, `seconds`, `hashes`, `ms_per_hash` (mean time of one hash on one thread) and,
//! last, `hashes_per_second <float>`.

use anyhow::{anyhow, ensure, Context};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::time::{Duration, Instant};

const MEMORY_KIB: u32 = 19_456;
const ITERATIONS: u32 = 2;
const PARALLELISM: u32 = 1;
const PASSWORD: &[u8] = b"correct horse battery staple";
const SALT: &[u8] = b"a sixteen b salt";

fn argon2() -> anyhow::Result<(Argon2<'static>, usize)> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).map_err(|error| anyhow!("{error}"))?;
    let blocks = params.block_count();
    Ok((Argon2::new(Algorithm::Argon2id, Version::V0x13, params), blocks))
}

/// Verifies the password against `expected` until `deadline`; returns (verifications, busy time).
fn run(expected: [u8; 32], deadline: Instant) -> anyhow::Result<(u64, Duration)> {
    let (hasher, blocks) = argon2()?;
    let mut memory = vec![Block::default(); blocks];
    let mut out = [0u8; 32];
    let started = Instant::now();
    let mut done = 0u64;
    while Instant::now() < deadline {
        hasher
            .hash_password_into_with_memory(PASSWORD, SALT, &mut out, &mut memory)
            .map_err(|error| anyhow!("{error}"))?;
        ensure!(out == expected, "verification failed");
        done += 1;
    }
    Ok((done, started.elapsed()))
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let threads = match args.next() {
        Some(value) => value.parse::<usize>().context("THREADS must be a number")?.max(1),
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let seconds = match args.next() {
        Some(value) => value.parse::<f64>().context("SECONDS must be a number")?,
        None => 10.0,
    };

    let (hasher, _) = argon2()?;
    let mut expected = [0u8; 32];
    hasher.hash_password_into(PASSWORD, SALT, &mut expected).map_err(|error| anyhow!("hash: {error}"))?;

    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let workers: Vec<_> = (0..threads).map(|_| std::thread::spawn(move || run(expected, deadline))).collect();
    let mut hashes = 0u64;
    let mut busy = Duration::ZERO;
    for worker in workers {
        let (done, spent) = worker.join().map_err(|_| anyhow!("a hashing thread panicked"))??;
        hashes += done;
        busy += spent;
    }
    // Each thread stops after the hash that crosses the deadline, so divide by the wall time
    // until the last one finished rather than by the nominal duration.
    let wall = started.elapsed().as_secs_f64();
    let ms_per_hash = if hashes == 0 { 0.0 } else { busy.as_secs_f64() * 1000.0 / hashes as f64 };
    println!("threads {threads}");
    println!("seconds {wall:.3}");
    println!("hashes {hashes}");
    println!("ms_per_hash {ms_per_hash:.2}");
    println!("hashes_per_second {:.2}", hashes as f64 / wall);
    Ok(())
}
