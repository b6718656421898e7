//! argon2id password hashing on a bounded pool of dedicated threads.
//!
//! Hashing is deliberately slow (tens of milliseconds of CPU), so it never runs on the async
//! workers: jobs go through a bounded queue to `pool_size` threads. When the queue is full the
//! caller gets [`DomainError::Unavailable`] (503 with `Retry-After`) at once instead of piling
//! up, so a login flood cannot stall token-authenticated requests. An unknown account is
//! verified against a dummy hash with the same parameters, so timing does not reveal accounts.
//!
//! Each hashing thread keeps one argon2 block buffer (19 MiB at OWASP parameters) and reuses it:
//! allocating a fresh buffer per hash made the allocator page-fault it in every time (a quarter
//! more CPU per login) and left freed buffers resident in every thread arena (hundreds of MiB
//! under a login flood). The start-up dummy hash uses a throw-away buffer, so an idle server
//! holds none, and a hashing thread idle for [`IDLE_RELEASE`] gives its buffer back.
//!
//! Giving a buffer back only shrinks the process if the allocator hands it to the kernel.
//! glibc serves a request from its own arenas, where a freed block stays resident, unless the
//! request is over its mmap threshold; and freeing a mapped block raises that threshold to the
//! block's size, up to 32 MiB, so after the first 19 MiB buffer was freed every later one came
//! from an arena and stayed. A buffer is therefore reserved with at least
//! [`UNMAPPED_ON_FREE_BYTES`] of capacity: above the highest threshold, it is always mapped on
//! its own and unmapped when freed. Only the blocks argon2 uses are ever written, so the
//! reserve beyond them is never resident.

use crate::error::DomainError;
use crate::secret::Secret;
use crate::values::Password;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use crossbeam_channel::{bounded, RecvTimeoutError, Sender, TrySendError};
use rand::rngs::OsRng;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, OnceCell};

/// How long a hashing thread waits for work before it frees its block buffer.
pub const IDLE_RELEASE: Duration = Duration::from_secs(10);

/// The least capacity a block buffer is reserved with: above glibc's largest mmap threshold
/// (32 MiB on 64-bit), so the buffer is mapped on its own and unmapped when freed.
const UNMAPPED_ON_FREE_BYTES: usize = 33 << 20;

/// argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Settings {
    /// Memory in KiB (OWASP: 19456).
    pub memory_kib: u32,
    /// Passes (OWASP: 2).
    pub iterations: u32,
    /// Lanes (OWASP: 1).
    pub parallelism: u32,
}

impl Argon2Settings {
    /// OWASP's recommended minimum for argon2id: m = 19456 KiB, t = 2, p = 1.
    pub const OWASP: Argon2Settings = Argon2Settings { memory_kib: 19_456, iterations: 2, parallelism: 1 };

    fn check(&self) -> Result<(), DomainError> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map(|_| ())
            .map_err(|error| DomainError::Internal(format!("argon2 parameters: {error}")))
    }

    /// Whether a stored hash was made with weaker parameters (or another algorithm) and should
    /// be replaced at the next successful login.
    pub fn is_weaker_than_configured(&self, phc: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(phc) else {
            return true;
        };
        if parsed.algorithm.as_str() != "argon2id" {
            return true;
        }
        let Ok(params) = Params::try_from(&parsed) else {
            return true;
        };
        params.m_cost() < self.memory_kib || params.t_cost() < self.iterations || params.p_cost() < self.parallelism
    }
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of threads that run CPU-heavy jobs from a bounded queue.
#[derive(Clone)]
pub struct HashPool {
    sender: Sender<Job>,
}

impl HashPool {
    /// Starts `threads` worker threads sharing a queue of `queue` waiting jobs.
    pub fn start(threads: usize, queue: usize) -> Result<Self, DomainError> {
        let (sender, receiver) = bounded::<Job>(queue.max(1));
        for index in 0..threads.max(1) {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("gatehouse-hash-{index}"))
                .spawn(move || {
                    // The loop ends when every sender is gone (the pool was dropped). The block
                    // buffer is kept while jobs keep coming and freed once the thread has been
                    // idle for IDLE_RELEASE.
                    loop {
                        match receiver.recv_timeout(IDLE_RELEASE) {
                            Ok(job) => job(),
                            Err(RecvTimeoutError::Timeout) => {
                                release_blocks();
                                match receiver.recv() {
                                    Ok(job) => job(),
                                    Err(_) => break,
                                }
                            }
                            Err(RecvTimeoutError::Disconnected) => break,
                        }
                    }
                })
                .map_err(|error| DomainError::Internal(format!("cannot start hash thread: {error}")))?;
        }
        Ok(Self { sender })
    }

    /// Jobs waiting for a thread (exported as a metric).
    pub fn queue_depth(&self) -> usize {
        self.sender.len()
    }

    /// Runs `job` on the pool; [`DomainError::Unavailable`] when the queue is full.
    pub async fn run<T, F>(&self, job: F) -> Result<T, DomainError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let boxed: Job = Box::new(move || {
            // The requester may have gone away (client disconnected); nothing to do then.
            let _ = reply.send(job());
        });
        match self.sender.try_send(boxed) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(DomainError::Unavailable { retry_after_secs: 1 }),
            Err(TrySendError::Disconnected(_)) => return Err(DomainError::Internal("hash pool stopped".into())),
        }
        answer.await.map_err(|_| DomainError::Internal("hash job dropped".into()))
    }
}

/// Hashes and verifies passwords with the configured argon2id parameters on a [`HashPool`].
#[derive(Clone)]
pub struct PasswordHasher {
    settings: Argon2Settings,
    pool: HashPool,
    dummy_hash: Arc<OnceCell<String>>,
}

impl PasswordHasher {
    /// A hasher using `pool` for every hash.
    pub fn new(settings: Argon2Settings, pool: HashPool) -> Result<Self, DomainError> {
        settings.check()?;
        Ok(Self { settings, pool, dummy_hash: Arc::new(OnceCell::new()) })
    }

    /// The configured parameters.
    pub fn settings(&self) -> Argon2Settings {
        self.settings
    }

    /// The pool (for its queue-depth metric).
    pub fn pool(&self) -> &HashPool {
        &self.pool
    }

    /// A new PHC string for `password`, with a random salt.
    pub async fn hash(&self, password: &Password) -> Result<Secret, DomainError> {
        let settings = self.settings;
        let text = password.expose().to_owned();
        self.pool.run(move || hash_now(settings, &text, Memory::Reused)).await?.map(Secret::from)
    }

    /// Whether `password` matches `phc`; a malformed stored hash never matches.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, DomainError> {
        let text = password.to_owned();
        let phc = phc.to_owned();
        self.pool.run(move || verify_now(&text, &phc)).await
    }

    /// Spends the same work as a real verification, for an unknown account; always `false`.
    pub async fn verify_dummy(&self, password: &str) -> Result<bool, DomainError> {
        let dummy = self.dummy_hash().await?;
        self.verify(password, &dummy).await.map(|_| false)
    }

    /// Computes the dummy hash ahead of the first unknown-account login.
    pub async fn warm_up(&self) -> Result<(), DomainError> {
        self.dummy_hash().await.map(|_| ())
    }

    async fn dummy_hash(&self) -> Result<String, DomainError> {
        let settings = self.settings;
        self.dummy_hash
            .get_or_try_init(|| async move {
                let random = crate::crypto::token::random_hex(16);
                self.pool.run(move || hash_now(settings, &random, Memory::Fresh)).await?
            })
            .await
            .cloned()
    }
}

/// Where argon2's block memory comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Memory {
    /// The calling thread's kept buffer (hashing threads).
    Reused,
    /// A buffer freed right after (the start-up dummy hash, so an idle server keeps none).
    Fresh,
}

thread_local! {
    /// This thread's argon2 block buffer, grown to the largest parameters seen. Argon2's first
    /// pass overwrites every block, so the buffer is never cleared between hashes.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// A buffer of `blocks` blocks, reserved so that freeing it returns it to the kernel (see the
/// module comment).
fn block_buffer(blocks: usize) -> Vec<Block> {
    let reserve = blocks.max(UNMAPPED_ON_FREE_BYTES.div_ceil(std::mem::size_of::<Block>()));
    let mut buffer = Vec::with_capacity(reserve);
    buffer.resize(blocks, Block::default());
    buffer
}

/// Frees this thread's block buffer.
fn release_blocks() {
    BLOCKS.with(|cell| drop(std::mem::take(&mut *cell.borrow_mut())));
}

/// Computes argon2 over `password` and `salt` into `out`, with the thread's buffer or a fresh one.
fn compute(hasher: &Argon2<'_>, params: &Params, password: &str, salt: &[u8], out: &mut [u8], memory: Memory) -> bool {
    let blocks = params.block_count();
    match memory {
        Memory::Fresh => {
            let mut buffer = block_buffer(blocks);
            hasher.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut buffer[..]).is_ok()
        }
        Memory::Reused => BLOCKS.with(|cell| {
            let mut buffer = cell.borrow_mut();
            if buffer.len() < blocks {
                *buffer = block_buffer(blocks);
            }
            hasher.hash_password_into_with_memory(password.as_bytes(), salt, out, &mut buffer[..blocks]).is_ok()
        }),
    }
}

fn hash_now(settings: Argon2Settings, password: &str, memory: Memory) -> Result<String, DomainError> {
    let internal = |what: &str| DomainError::Internal(format!("argon2 hash: {what}"));
    let params = Params::new(settings.memory_kib, settings.iterations, settings.parallelism, None)
        .map_err(|error| internal(&error.to_string()))?;
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.as_salt().decode_b64(&mut salt_bytes).map_err(|error| internal(&error.to_string()))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    if !compute(&hasher, &params, password, salt_raw, &mut out, memory) {
        return Err(internal("computation failed"));
    }
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|error| internal(&error.to_string()))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|error| internal(&error.to_string()))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string, using the parameters, salt and algorithm stored in
/// it; a malformed string never matches. The final comparison is constant-time.
fn verify_now(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) =
        (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    let version = parsed.version.and_then(|version| Version::try_from(version).ok()).unwrap_or_default();
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_raw) = salt.decode_b64(&mut salt_bytes) else { return false };
    let mut out = vec![0u8; expected.len()];
    let hasher = Argon2::new(algorithm, version, params.clone());
    if !compute(&hasher, &params, password, salt_raw, &mut out, Memory::Reused) {
        return false;
    }
    Output::new(&out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: Argon2Settings = Argon2Settings { memory_kib: 64, iterations: 1, parallelism: 1 };

    #[test]
    fn production_defaults_meet_the_owasp_floor() {
        let owasp = Argon2Settings::OWASP;
        assert!(owasp.memory_kib >= 19_456 && owasp.iterations >= 2 && owasp.parallelism >= 1);
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let hasher = PasswordHasher::new(CHEAP, HashPool::start(1, 4).unwrap()).unwrap();
        let password = Password::parse("correct horse", 8).unwrap();
        let hashed = hasher.hash(&password).await.unwrap();
        let phc = hashed.expose();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(hasher.verify("correct horse", phc).await.unwrap());
        assert!(!hasher.verify("wrong horse", phc).await.unwrap());
        assert!(!hasher.verify("correct horse", "not a phc string").await.unwrap());
        assert!(!hasher.verify_dummy("correct horse").await.unwrap());
    }

    #[test]
    fn hashes_interoperate_with_the_reference_implementation() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let ours = hash_now(CHEAP, "interop password", Memory::Reused).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"interop password", &parsed).is_ok());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(64, 1, 1, None).unwrap())
            .hash_password(b"interop password", &salt)
            .unwrap()
            .to_string();
        assert!(verify_now("interop password", &theirs));
        assert!(!verify_now("other password", &theirs));
        // A larger hash after a smaller one grows the buffer; a smaller one after reuses it.
        let big = Argon2Settings { memory_kib: 256, iterations: 1, parallelism: 2 };
        assert!(verify_now("x1234567", &hash_now(big, "x1234567", Memory::Reused).unwrap()));
        assert!(verify_now("x1234567", &hash_now(CHEAP, "x1234567", Memory::Fresh).unwrap()));
    }

    #[tokio::test]
    async fn weaker_stored_parameters_ask_for_a_rehash() {
        let hasher = PasswordHasher::new(CHEAP, HashPool::start(1, 4).unwrap()).unwrap();
        let hashed = hasher.hash(&Password::parse("correct horse", 8).unwrap()).await.unwrap();
        let phc = hashed.expose();
        assert!(!CHEAP.is_weaker_than_configured(phc));
        assert!(Argon2Settings::OWASP.is_weaker_than_configured(phc));
        assert!(CHEAP.is_weaker_than_configured("$2a$10$abcdefghijklmnopqrstuv"));
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_instead_of_waiting() {
        let pool = HashPool::start(1, 1).unwrap();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let blocker = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(move || wait.recv().ok()).await }
        });
        // Let the blocker occupy the thread, then fill the one queue slot.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let queued = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(|| 1).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let refused = pool.run(|| 2).await;
        assert!(matches!(refused, Err(DomainError::Unavailable { .. })));
        release.send(()).unwrap();
        assert!(blocker.await.unwrap().is_ok());
        assert_eq!(queued.await.unwrap().unwrap(), 1);
    }
}
