//! `gatehouse`: parses the command line and runs it; everything else lives in the library.

use clap::Parser;

/// mimalloc gives freed memory back to the system shortly after it is freed; glibc's malloc
/// keeps a login burst's argon2 buffers (about 19 MiB per hashing thread) in its arenas for good.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    gatehouse::cli::Cli::parse().run().await
}
