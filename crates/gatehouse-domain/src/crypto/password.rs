//! argon2id password hashing on a bounded pool of dedicated threads.
//!
//! Hashing is deliberately slow (tens of milliseconds of CPU), so it never runs on the async
//! workers: jobs go through a bounded queue to `pool_size` threads. When the queue is full the
//! caller gets [`DomainError::Unavailable`] (503 with `Retry-After`) at once instead of piling
//! up, so a login flood cannot stall token-authenticated requests. An unknown account is
//! verified against a dummy hash with the same parameters, so timing does not reveal accounts.

use crate::error::DomainError;
use crate::values::Password;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use crossbeam_channel::{bounded, Sender, TrySendError};
use rand::rngs::OsRng;
use std::sync::Arc;
use tokio::sync::{oneshot, OnceCell};

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

    fn hasher(&self) -> Result<Argon2<'static>, DomainError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(|error| DomainError::Internal(format!("argon2 parameters: {error}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
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
                    // The loop ends when every sender is gone (the pool was dropped).
                    while let Ok(job) = receiver.recv() {
                        job();
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
        settings.hasher()?;
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
    pub async fn hash(&self, password: &Password) -> Result<String, DomainError> {
        let settings = self.settings;
        let text = password.expose().to_owned();
        self.pool.run(move || hash_now(settings, &text)).await?
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
                self.pool.run(move || hash_now(settings, &random)).await?
            })
            .await
            .cloned()
    }
}

fn hash_now(settings: Argon2Settings, password: &str) -> Result<String, DomainError> {
    let salt = SaltString::generate(&mut OsRng);
    settings
        .hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| DomainError::Internal(format!("argon2 hash: {error}")))
}

fn verify_now(password: &str, phc: &str) -> bool {
    // The verifier takes its parameters from the PHC string itself.
    PasswordHash::new(phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
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
        let phc = hasher.hash(&password).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(hasher.verify("correct horse", &phc).await.unwrap());
        assert!(!hasher.verify("wrong horse", &phc).await.unwrap());
        assert!(!hasher.verify("correct horse", "not a phc string").await.unwrap());
        assert!(!hasher.verify_dummy("correct horse").await.unwrap());
    }

    #[tokio::test]
    async fn weaker_stored_parameters_ask_for_a_rehash() {
        let hasher = PasswordHasher::new(CHEAP, HashPool::start(1, 4).unwrap()).unwrap();
        let phc = hasher.hash(&Password::parse("correct horse", 8).unwrap()).await.unwrap();
        assert!(!CHEAP.is_weaker_than_configured(&phc));
        assert!(Argon2Settings::OWASP.is_weaker_than_configured(&phc));
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
