//! A real SMTP server for tests: accepts every message on `127.0.0.1:<port>` and keeps it, so a
//! test can read a confirmation or reset link out of the mail Gatehouse actually sent.

use base64::Engine;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Notify};

/// One received message.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The raw message (headers and body).
    pub raw: String,
}

impl ReceivedMail {
    /// The decoded bodies of every MIME part (quoted-printable, base64 or plain).
    pub fn bodies(&self) -> Vec<String> {
        let mut bodies = Vec::new();
        let mut lines = self.raw.lines().peekable();
        while let Some(line) = lines.next() {
            let Some(encoding) =
                line.to_ascii_lowercase().strip_prefix("content-transfer-encoding:").map(|e| e.trim().to_owned())
            else {
                continue;
            };
            // Skip the rest of the part's headers.
            for header in lines.by_ref() {
                if header.is_empty() {
                    break;
                }
            }
            let mut body = Vec::new();
            while let Some(next) = lines.peek() {
                if next.starts_with("--") {
                    break;
                }
                body.push(lines.next().unwrap_or_default());
            }
            bodies.push(match encoding.as_str() {
                "quoted-printable" => decode_quoted_printable(&body.join("\n")),
                "base64" => String::from_utf8_lossy(
                    &base64::engine::general_purpose::STANDARD.decode(body.concat().trim()).unwrap_or_default(),
                )
                .into_owned(),
                _ => body.join("\n"),
            });
        }
        bodies
    }

    /// The first link starting with `prefix` in any body.
    pub fn link(&self, prefix: &str) -> Option<String> {
        self.bodies().iter().find_map(|body| {
            let start = body.find(prefix)?;
            let link: String =
                body[start..].chars().take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<').collect();
            Some(link)
        })
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'=' && index + 2 < bytes.len() + 1 {
            if let Some(value) = bytes
                .get(index + 1..index + 3)
                .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok())
            {
                out.push(value);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The sink: a listening socket and what it received.
pub struct SmtpSink {
    /// The port it listens on.
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    /// Starts a sink on a free port.
    pub async fn start() -> SmtpSink {
        Self::start_on(0).await
    }

    /// Starts a sink on `port` (0: any free port).
    pub async fn start_on(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind the SMTP sink");
        let port = listener.local_addr().expect("address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let task = tokio::spawn({
            let (received, arrived) = (received.clone(), arrived.clone());
            async move {
                while let Ok((socket, _)) = listener.accept().await {
                    let (received, arrived) = (received.clone(), arrived.clone());
                    tokio::spawn(async move {
                        let _ = serve_connection(socket, received, arrived).await;
                    });
                }
            }
        });
        SmtpSink { port, received, arrived, task }
    }

    /// `smtp://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Waits (up to 15 s) for a message to `recipient`.
    pub async fn wait_for(&self, recipient: &str) -> ReceivedMail {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.arrived.notified();
            if let Some(mail) =
                self.received.lock().await.iter().rev().find(|mail| mail.to.iter().any(|to| to == recipient))
            {
                return mail.clone();
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("no mail to {recipient} arrived");
            }
        }
    }

    /// Every message received so far.
    pub async fn all(&self) -> Vec<ReceivedMail> {
        self.received.lock().await.clone()
    }
}

async fn serve_connection(
    socket: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let mut to = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write.write_all(b"250-sink.test\r\n250 8BITMIME\r\n").await?;
        } else if upper.starts_with("HELO")
            || upper.starts_with("MAIL FROM")
            || upper.starts_with("RSET")
            || upper.starts_with("NOOP")
        {
            if upper.starts_with("RSET") {
                to.clear();
            }
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO") {
            let address =
                line.split_once(':').map(|(_, rest)| rest.trim().trim_matches(|c| c == '<' || c == '>').to_owned());
            to.extend(address);
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("DATA") {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut raw = String::new();
            while let Some(data) = lines.next_line().await? {
                if data == "." {
                    break;
                }
                raw.push_str(data.strip_prefix('.').unwrap_or(&data));
                raw.push('\n');
            }
            received.lock().await.push(ReceivedMail { to: std::mem::take(&mut to), raw });
            arrived.notify_waiters();
            write.write_all(b"250 queued\r\n").await?;
        } else if upper.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            break;
        } else {
            write.write_all(b"502 not implemented\r\n").await?;
        }
    }
    Ok(())
}
