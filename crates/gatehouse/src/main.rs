//! `gatehouse`: parses the command line and runs it; everything else lives in the library.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    gatehouse::cli::Cli::parse().run().await
}
