//! Logging: human-readable lines by default, JSON by `log.format = "json"`. `RUST_LOG` wins
//! over `log.level`. Never log a secret, a token or a password.
//!
//! Lines go to standard error through a background writer thread, so a request never waits on
//! a `write` to a slow terminal or pipe (the access log writes one line per request). A line is
//! appended to a shared batch; the writer thread, woken by the first line of a batch, lets the
//! batch gather for [`GATHER`] and writes it with one `write`. So a busy server wakes the thread
//! a few dozen times a second instead of once per request (a wake-up per access line cost about
//! a tenth of a cheap read's throughput), and an idle one never wakes it. The writer blocks
//! rather than drops lines when the batch outgrows [`MAX_BATCH`].

use crate::config::{LogConfig, LogFormat};
use parking_lot::{Condvar, Mutex};
use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// How long the first line of a batch waits for others before the batch is written.
const GATHER: Duration = Duration::from_millis(20);
/// A batch this large is written at once, without waiting out [`GATHER`].
const EARLY_WRITE: usize = 64 * 1024;
/// A line that would grow the batch past this waits until the batch is written.
const MAX_BATCH: usize = 4 * 1024 * 1024;

/// Installs the global subscriber (once; later calls are ignored). Keep the returned guard for
/// the life of the process: dropping it writes the lines still queued.
#[must_use = "dropping the guard stops the log writer"]
pub fn init(config: &LogConfig) -> Option<LogGuard> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.level));
    let (writer, guard) = BatchedLines::start(io::stderr());
    // Colour codes only for a person at a terminal, never in a file or a log collector.
    let ansi = io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(writer);
    let installed = match config.format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    installed.ok().map(|()| guard)
}

/// The lines waiting to be written, shared by every logging thread and the writer thread.
struct Batch {
    lines: Vec<u8>,
    /// The writer thread has been woken for the lines now waiting.
    woken: bool,
    /// The guard is gone: lines are written by the thread that logs them.
    closed: bool,
}

struct Shared {
    batch: Mutex<Batch>,
    /// Wakes the writer thread: a batch started, grew past [`EARLY_WRITE`], or the guard left.
    wake: Condvar,
    /// Wakes a logging thread held back by a full batch.
    written: Condvar,
}

/// The `MakeWriter` of the subscriber: appends each line to the shared batch.
#[derive(Clone)]
pub struct BatchedLines {
    shared: Arc<Shared>,
}

/// Owns the writer thread; dropping it writes what is queued and stops the thread.
pub struct LogGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl BatchedLines {
    /// A batching writer onto `sink`, and the guard that owns its thread.
    pub fn start<W: Write + Send + 'static>(sink: W) -> (Self, LogGuard) {
        let shared = Arc::new(Shared {
            batch: Mutex::new(Batch { lines: Vec::with_capacity(EARLY_WRITE), woken: false, closed: false }),
            wake: Condvar::new(),
            written: Condvar::new(),
        });
        let thread_shared = Arc::clone(&shared);
        let spawned =
            std::thread::Builder::new().name("gatehouse-log".into()).spawn(move || write_batches(&thread_shared, sink));
        // Without its thread (the system refused one), each line is written where it is logged.
        let thread = spawned.map_err(|_| shared.batch.lock().closed = true).ok();
        (Self { shared: Arc::clone(&shared) }, LogGuard { shared, thread })
    }

    fn append(&self, line: &[u8]) -> io::Result<()> {
        let mut batch = self.shared.batch.lock();
        while !batch.closed && !batch.lines.is_empty() && batch.lines.len() + line.len() > MAX_BATCH {
            self.shared.written.wait(&mut batch);
        }
        if batch.closed {
            drop(batch);
            let mut stderr = io::stderr().lock();
            return stderr.write_all(line).and_then(|()| stderr.flush());
        }
        batch.lines.extend_from_slice(line);
        if !batch.woken || batch.lines.len() >= EARLY_WRITE {
            batch.woken = true;
            self.shared.wake.notify_one();
        }
        Ok(())
    }
}

/// The writer thread: waits for a batch to start, lets it gather, writes it in one go.
fn write_batches<W: Write>(shared: &Shared, mut sink: W) {
    let mut out = Vec::with_capacity(EARLY_WRITE);
    loop {
        {
            let mut batch = shared.batch.lock();
            while batch.lines.is_empty() && !batch.closed {
                shared.wake.wait(&mut batch);
            }
            if batch.lines.is_empty() {
                return; // closed, and nothing left
            }
            let deadline = Instant::now() + GATHER;
            while !batch.closed && batch.lines.len() < EARLY_WRITE {
                if shared.wake.wait_until(&mut batch, deadline).timed_out() {
                    break;
                }
            }
            std::mem::swap(&mut out, &mut batch.lines);
            batch.woken = false;
            shared.written.notify_all();
        }
        // A log line that cannot be written has nowhere better to go; the next batch retries.
        let _ = sink.write_all(&out).and_then(|()| sink.flush());
        out.clear();
        if out.capacity() > 4 * EARLY_WRITE {
            out.shrink_to(EARLY_WRITE);
        }
    }
}

/// One line's writer: tracing-subscriber formats the whole line, then writes it here.
pub struct LineWriter {
    lines: BatchedLines,
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lines.append(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.lines.append(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BatchedLines {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { lines: self.clone() }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.batch.lock().closed = true;
        self.shared.wake.notify_one();
        self.shared.written.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink the test can read, counting the `write` calls that reach it.
    #[derive(Clone, Default)]
    struct Recorded(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Recorded {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut recorded = self.0.lock();
            recorded.0.extend_from_slice(buf);
            recorded.1 += 1;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_logged_together_reach_the_sink_in_one_write_in_their_order() {
        let sink = Recorded::default();
        let (lines, guard) = BatchedLines::start(sink.clone());
        for n in 0..100 {
            lines.make_writer().write_all(format!("line {n}\n").as_bytes()).unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while sink.0.lock().0.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        let (text, writes) = sink.0.lock().clone();
        let expected: String = (0..100).map(|n| format!("line {n}\n")).collect();
        assert_eq!(String::from_utf8(text).unwrap(), expected);
        // Logged within microseconds of each other: one write, unless this thread was kept off
        // the CPU past GATHER between lines, which a loaded machine may do once or twice.
        assert!(writes <= 3, "{writes} writes for 100 lines logged together");
        drop(guard);
    }

    #[test]
    fn dropping_the_guard_writes_what_is_queued() {
        let sink = Recorded::default();
        let (lines, guard) = BatchedLines::start(sink.clone());
        lines.make_writer().write_all(b"last words\n").unwrap();
        drop(guard);
        assert_eq!(sink.0.lock().0, b"last words\n");
    }

    #[test]
    fn a_full_batch_holds_the_logging_thread_back_instead_of_dropping_lines() {
        let sink = Recorded::default();
        let (lines, guard) = BatchedLines::start(sink.clone());
        let line = vec![b'x'; 1024 * 1024];
        let writers: Vec<_> = (0..4)
            .map(|_| {
                let lines = lines.clone();
                let line = line.clone();
                std::thread::spawn(move || {
                    for _ in 0..5 {
                        lines.make_writer().write_all(&line).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        drop(guard);
        assert_eq!(sink.0.lock().0.len(), 20 * line.len(), "every line written, none dropped");
    }
}
