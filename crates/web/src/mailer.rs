//! The mail worker and the digest task.
//!
//! [`spawn`] starts a background task that sends the mail outbox
//! ([`ztc_store::mail`]): it claims a batch with a lease (so several `ztc serve`
//! processes never send the same mail, and a crashed one's mail is taken over when
//! its lease expires), sends each mail through SMTP (lettre, tokio, rustls) and
//! records the outcome; a failure is retried on the outbox's schedule. Without an
//! SMTP server it keeps the queue `held`, listed for administrators, and sends
//! nothing; once `smtp_url` is set, held mail goes out. It stops when the shutdown
//! signal turns `true`, after the mail in hand.
//!
//! `smtp_url` is lettre's connection URL plus an optional sender:
//! `smtps://user:password@mail.example.cn?from=noreply@example.cn` (implicit TLS,
//! port 465), `smtp://…:587?tls=required` (STARTTLS), `smtp://127.0.0.1:25`
//! (plain, a local relay), or `file:///var/spool/ztc-mail` (each mail written to an
//! `.eml` file, for trials). Without `from`, the sender is `noreply@` the host.
//!
//! [`spawn_digests`] runs [`run_digests`] periodically (the store decides which
//! follows are due; digests go out from 08:00 Asia/Shanghai on).

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use ztc_store::follows::digests;
use ztc_store::mail::{self, Mail, MailStatus};
use ztc_store::{Store, StoreError, now_ms};

use crate::Settings;

/// Display name of the sender.
const SENDER_NAME: &str = "火炬科技成果直通车";

/// Where mail goes: an SMTP server or a folder of `.eml` files.
#[derive(Clone, PartialEq, Eq)]
enum Target {
    /// lettre's connection URL (without our `from` parameter).
    Smtp(String),
    Folder(PathBuf),
}

/// Outgoing mail settings parsed from `smtp_url`. `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    target: Target,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let target = match &self.target {
            Target::Smtp(u) => ztc_store::redact_url(u),
            Target::Folder(p) => format!("file://{}", p.display()),
        };
        f.debug_struct("SmtpSettings")
            .field("target", &target)
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl SmtpSettings {
    /// Parses `smtp_url` (see the module documentation).
    pub fn parse(smtp_url: &str) -> Result<SmtpSettings, String> {
        let url = smtp_url.trim();
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("smtp_url 格式不正确：{}", ztc_store::redact_url(url)))?;
        let (before_query, query) = match rest.split_once('?') {
            Some((b, q)) => (b, q),
            None => (rest, ""),
        };
        let mut from: Option<String> = None;
        let mut kept: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            if k == "from" {
                from = Some(v.into_owned());
            } else {
                kept.push((k.into_owned(), v.into_owned()));
            }
        }
        let target = match scheme {
            "smtp" | "smtps" => {
                let mut u = format!("{scheme}://{before_query}");
                if !kept.is_empty() {
                    let q = form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(&kept)
                        .finish();
                    u.push('?');
                    u.push_str(&q);
                }
                // Checked now, so that a mistake shows at start, not at the first mail.
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&u).map_err(|e| {
                    format!("smtp_url 无法使用（{}）：{e}", ztc_store::redact_url(&u))
                })?;
                Target::Smtp(u)
            }
            "file" => Target::Folder(PathBuf::from(before_query)),
            other => {
                return Err(format!(
                    "smtp_url 的协议“{other}”不受支持（可用 smtp、smtps 或 file）"
                ));
            }
        };
        let from = match from {
            Some(f) => parse_from(&f)?,
            None => {
                let host = match &target {
                    Target::Smtp(_) => host_of(before_query),
                    Target::Folder(_) => "localhost".to_owned(),
                };
                parse_from(&format!("noreply@{host}"))?
            }
        };
        Ok(SmtpSettings { target, from })
    }

    /// The settings' `smtp_url`, if one is set (empty means none).
    pub fn from_settings(s: &Settings) -> Result<Option<SmtpSettings>, String> {
        match &s.smtp_url {
            Some(u) if !u.expose().trim().is_empty() => SmtpSettings::parse(u.expose()).map(Some),
            _ => Ok(None),
        }
    }

    pub fn from_address(&self) -> &Mailbox {
        &self.from
    }
}

fn parse_from(s: &str) -> Result<Mailbox, String> {
    let mut m: Mailbox = s
        .parse()
        .map_err(|_| format!("smtp_url 中的发件地址 from 不正确：{s}"))?;
    if m.name.is_none() {
        m.name = Some(SENDER_NAME.to_owned());
    }
    Ok(m)
}

/// The host of `user:pass@host:port/path`.
fn host_of(authority_path: &str) -> String {
    let authority = authority_path.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .split_once(']')
            .map_or(host_port, |(h, _)| h)
            .trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        "localhost".to_owned()
    } else {
        host.to_owned()
    }
}

/// `List-Unsubscribe: <https://…/unsubscribe/…>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(
            s.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .into(),
        ))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): mail clients
/// unsubscribe with a POST to the link, without opening it.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

/// Why a mail could not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    pub message: String,
    /// Retrying will not help (the server refused the mail, or it cannot be built).
    pub permanent: bool,
}

/// The built mail for an outbox row.
fn message(from: &Mailbox, m: &Mail) -> Result<Message, SendFailure> {
    let to: Mailbox = m.to_addr.parse().map_err(|_| SendFailure {
        message: format!("收件地址无法解析：{}", m.to_addr),
        permanent: true,
    })?;
    let mut b = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(m.subject.clone())
        .header(ContentType::TEXT_PLAIN);
    if let Some(u) = &m.list_unsubscribe {
        b = b
            .header(ListUnsubscribe(u.clone()))
            .header(ListUnsubscribePost);
    }
    b.body(m.body_text.clone()).map_err(|e| SendFailure {
        message: format!("邮件无法生成：{e}"),
        permanent: true,
    })
}

/// A connected sender.
#[derive(Clone)]
pub struct Sender {
    transport: Transport,
    from: Mailbox,
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(AsyncFileTransport<Tokio1Executor>),
}

impl Sender {
    pub fn new(s: &SmtpSettings) -> Result<Sender, String> {
        let transport = match &s.target {
            Target::Smtp(u) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(u)
                    .map_err(|e| format!("smtp_url 无法使用：{e}"))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
            ),
            Target::Folder(p) => {
                std::fs::create_dir_all(p)
                    .map_err(|e| format!("无法创建邮件目录 {}：{e}", p.display()))?;
                Transport::Folder(AsyncFileTransport::<Tokio1Executor>::new(p))
            }
        };
        Ok(Sender {
            transport,
            from: s.from.clone(),
        })
    }

    /// Sends one outbox mail.
    pub async fn send(&self, m: &Mail) -> Result<(), SendFailure> {
        let msg = message(&self.from, m)?;
        match &self.transport {
            Transport::Smtp(t) => t.send(msg).await.map(|_| ()).map_err(|e| SendFailure {
                permanent: e.is_permanent(),
                message: format!("SMTP：{e}"),
            }),
            Transport::Folder(t) => t.send(msg).await.map(|_| ()).map_err(|e| SendFailure {
                permanent: false,
                message: format!("写入邮件文件失败：{e}"),
            }),
        }
    }
}

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct Options {
    /// This worker's name in the outbox's claims (unique per process).
    pub worker: String,
    /// Mails claimed at a time.
    pub batch: i64,
    /// How long a claim holds: longer than sending a batch can take.
    pub lease: Duration,
    /// Sleep when there is nothing to send.
    pub idle: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            worker: format!(
                "mailer-{}-{}",
                std::process::id(),
                &ztc_store::new_id()[24..]
            ),
            // Sending one mail takes at most a few SMTP commands of 30 s each
            // (the transport's timeout): ten stay well inside the lease.
            batch: 10,
            lease: Duration::from_secs(30 * 60),
            idle: Duration::from_secs(5),
        }
    }
}

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Batch {
    pub claimed: usize,
    pub sent: usize,
    /// Queued again for a later attempt.
    pub retrying: usize,
    /// Failed for good.
    pub failed: usize,
}

/// Claims one batch and sends it.
pub async fn send_batch(
    store: &Store,
    sender: &Sender,
    opts: &Options,
) -> Result<Batch, StoreError> {
    let lease = i64::try_from(opts.lease.as_millis()).unwrap_or(i64::MAX / 2);
    let mails = mail::claim(store, now_ms(), &opts.worker, lease, opts.batch).await?;
    let mut b = Batch {
        claimed: mails.len(),
        ..Batch::default()
    };
    for m in &mails {
        match sender.send(m).await {
            Ok(()) => {
                if mail::mark_sent(store, &m.id, &opts.worker, now_ms()).await? {
                    b.sent += 1;
                    metrics::counter!("ztc_mail_sent_total").increment(1);
                } else {
                    tracing::warn!(mail = %m.id, "mail sent after this worker's claim had expired");
                }
            }
            Err(f) => {
                let st = mail::mark_failed(
                    store,
                    &m.id,
                    &opts.worker,
                    &f.message,
                    f.permanent,
                    now_ms(),
                )
                .await?;
                match st {
                    Some(MailStatus::Failed) => {
                        b.failed += 1;
                        metrics::counter!("ztc_mail_failed_total").increment(1);
                        tracing::warn!(mail = %m.id, error = %f.message, "mail failed for good");
                    }
                    Some(_) => {
                        b.retrying += 1;
                        metrics::counter!("ztc_mail_retries_total").increment(1);
                        tracing::info!(mail = %m.id, error = %f.message, attempts = m.attempts, "mail will be retried");
                    }
                    None => {}
                }
            }
        }
    }
    Ok(b)
}

/// Sleeps `d`, or less if the shutdown signal comes; returns whether to stop.
async fn pause(d: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    if *shutdown.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => *shutdown.borrow(),
        r = shutdown.changed() => r.is_err() || *shutdown.borrow(),
    }
}

/// Sends the outbox until `shutdown` turns `true` (or its sender is dropped).
pub async fn run(store: Store, sender: Sender, opts: Options, mut shutdown: watch::Receiver<bool>) {
    tracing::info!(worker = %opts.worker, "mail worker started");
    loop {
        if *shutdown.borrow() {
            break;
        }
        let wait = match send_batch(&store, &sender, &opts).await {
            Ok(b) if b.claimed as i64 >= opts.batch => Duration::ZERO,
            Ok(_) => opts.idle,
            Err(e) => {
                tracing::warn!(error = %e, "mail worker cannot read the outbox; retrying");
                opts.idle.max(Duration::from_secs(5))
            }
        };
        if !wait.is_zero() && pause(wait, &mut shutdown).await {
            break;
        }
    }
    tracing::info!(worker = %opts.worker, "mail worker stopped");
}

/// Without SMTP: keeps queued mail `held` (listed for administrators) until
/// `shutdown`.
pub async fn hold(store: Store, every: Duration, mut shutdown: watch::Receiver<bool>) {
    tracing::info!("no smtp_url: mail is kept in the outbox (held) and not sent");
    loop {
        match mail::hold_all_queued(&store, now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(held = n, "mail held: no SMTP server configured"),
            Err(e) => tracing::warn!(error = %e, "cannot hold queued mail"),
        }
        if pause(every, &mut shutdown).await {
            break;
        }
    }
}

/// Starts the mail worker: sending through `smtp`, or holding the queue when it is
/// `None` (or cannot be used, which is logged). Stops when `shutdown` turns `true`.
pub fn spawn(
    store: Store,
    smtp: Option<SmtpSettings>,
    shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    spawn_with(store, smtp, Options::default(), shutdown)
}

/// [`spawn`] with explicit pacing.
pub fn spawn_with(
    store: Store,
    smtp: Option<SmtpSettings>,
    opts: Options,
    shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let sender = smtp.as_ref().map(Sender::new).transpose();
    match sender {
        Ok(Some(sender)) => tokio::spawn(run(store, sender, opts, shutdown)),
        Ok(None) => tokio::spawn(hold(store, opts.idle.max(Duration::from_secs(1)), shutdown)),
        Err(e) => {
            tracing::error!(error = %e, "mail cannot be sent; it is kept in the outbox");
            tokio::spawn(hold(store, opts.idle.max(Duration::from_secs(1)), shutdown))
        }
    }
}

/// Makes the digests due at `now` (see [`digests::generate`]); `base_url` is the
/// platform's public address for the links in the mail (e.g.
/// `https://ztc.example.cn`; empty gives relative links).
pub async fn run_digests(
    store: &Store,
    base_url: &str,
    now: i64,
) -> Result<digests::Report, StoreError> {
    let started = std::time::Instant::now();
    let r = digests::generate(store, now, base_url).await?;
    if r.due > 0 {
        tracing::info!(
            due = r.due,
            entries = r.entries,
            digests = r.digests,
            mails = r.mails,
            bad_addresses = r.bad_addresses,
            skipped = r.skipped,
            seconds = started.elapsed().as_secs_f64(),
            "digests made"
        );
    }
    Ok(r)
}

/// Digests go out from this hour (Asia/Shanghai) on.
pub const DIGEST_HOUR: i64 = 8;

/// The hour of the day in Asia/Shanghai at `now_ms`.
pub fn shanghai_hour(now_ms: i64) -> i64 {
    (now_ms + 8 * 3_600_000).rem_euclid(86_400_000) / 3_600_000
}

/// Runs [`run_digests`] every `every` from [`DIGEST_HOUR`] on each day, until
/// `shutdown`. Several processes may run it: each follow is taken by one.
pub fn spawn_digests(
    store: Store,
    base_url: String,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = now_ms();
            if shanghai_hour(now) >= DIGEST_HOUR
                && let Err(e) = run_digests(&store, &base_url, now).await
            {
                tracing::warn!(error = %e, "digests could not be made; retrying later");
            }
            if pause(every, &mut shutdown).await {
                break;
            }
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;
    use ztc_store::mail::NewMail;
    use ztc_store::testing::TestDb;

    use super::*;

    #[derive(Clone, Copy, PartialEq)]
    enum Behaviour {
        Accept,
        /// 451 to MAIL FROM: try again later.
        Busy,
        /// 550 to RCPT TO: no such mailbox.
        Refuse,
    }

    /// A minimal SMTP server on 127.0.0.1 that takes every mail (or refuses as
    /// told) and keeps what it received.
    async fn smtp_server(b: Behaviour) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let store = got.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let store = store.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 test ESMTP\r\n").await;
                    let mut data: Option<String> = None;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if let Some(d) = data.as_mut() {
                            if line == "." {
                                store.lock().unwrap().push(std::mem::take(d));
                                data = None;
                                let _ = w.write_all(b"250 2.0.0 queued\r\n").await;
                            } else {
                                d.push_str(&line);
                                d.push('\n');
                            }
                            continue;
                        }
                        let cmd = line.to_ascii_uppercase();
                        let reply: &[u8] = if cmd.starts_with("EHLO") {
                            b"250-test\r\n250 8BITMIME\r\n"
                        } else if cmd.starts_with("HELO") {
                            b"250 test\r\n"
                        } else if cmd.starts_with("MAIL FROM") && b == Behaviour::Busy {
                            b"451 4.3.0 try again later\r\n"
                        } else if cmd.starts_with("RCPT TO") && b == Behaviour::Refuse {
                            b"550 5.1.1 no such user\r\n"
                        } else if cmd.starts_with("DATA") {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        } else if cmd.starts_with("QUIT") {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 ok\r\n"
                        };
                        if w.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        (addr, got)
    }

    fn smtp(addr: SocketAddr) -> SmtpSettings {
        SmtpSettings::parse(&format!(
            "smtp://{addr}?from=%E5%B9%B3%E5%8F%B0%20%3Cnoreply%40ztc.example.cn%3E"
        ))
        .unwrap()
    }

    fn opts(worker: &str) -> Options {
        Options {
            worker: worker.into(),
            batch: 10,
            lease: Duration::from_secs(60),
            idle: Duration::from_millis(50),
        }
    }

    fn letter(to: &str, n: usize) -> NewMail {
        NewMail {
            to: to.into(),
            subject: format!("【火炬科技成果直通车】{n} 项新入库成果符合您的关注"),
            body_text: format!("您好：\n第 {n} 封推送。\n"),
            kind: "digest".into(),
            ref_id: None,
            list_unsubscribe: Some(format!("https://ztc.example.cn/unsubscribe/t{n}")),
        }
    }

    async fn status(s: &Store, id: &str) -> Mail {
        mail::get(s, id).await.unwrap().unwrap()
    }

    #[test]
    fn smtp_urls() {
        let s = SmtpSettings::parse(
            "smtps://mailer:top%40secret@mail.example.cn?from=noreply@example.cn",
        )
        .unwrap();
        assert!(s.target == Target::Smtp("smtps://mailer:top%40secret@mail.example.cn".into()));
        assert_eq!(s.from.email.to_string(), "noreply@example.cn");
        assert_eq!(s.from.name.as_deref(), Some(SENDER_NAME));
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("secret"), "{dbg}");
        let s = SmtpSettings::parse("smtp://relay.example.cn:587?tls=required").unwrap();
        assert!(s.target == Target::Smtp("smtp://relay.example.cn:587?tls=required".into()));
        assert_eq!(s.from.email.to_string(), "noreply@relay.example.cn");
        let s = SmtpSettings::parse("file:///tmp/ztc-mail").unwrap();
        assert!(s.target == Target::Folder("/tmp/ztc-mail".into()));
        assert!(SmtpSettings::parse("http://x").is_err());
        assert!(SmtpSettings::parse("mail.example.cn").is_err());
        assert!(SmtpSettings::parse("smtp://h?from=not%20an%20address").is_err());
        assert!(
            SmtpSettings::from_settings(&Settings::default())
                .unwrap()
                .is_none()
        );
        assert_eq!(host_of("u:p@[::1]:25"), "::1");
        assert_eq!(host_of("h"), "h");
    }

    #[test]
    fn hours_in_shanghai() {
        // 2026-11-19T16:00Z is midnight in Shanghai.
        assert_eq!(shanghai_hour(1_795_104_000_000), 0);
        assert_eq!(shanghai_hour(1_795_104_000_000 + 8 * 3_600_000 + 1), 8);
    }

    #[tokio::test]
    async fn mail_goes_out_over_smtp() {
        let (addr, got) = smtp_server(Behaviour::Accept).await;
        let sender = Sender::new(&smtp(addr)).unwrap();
        for db in TestDb::all().await {
            got.lock().unwrap().clear();
            let s = &db.store;
            let a = mail::enqueue(s, &letter("a@example.cn", 1)).await.unwrap();
            let b = mail::enqueue(s, &letter("b@example.cn", 2)).await.unwrap();
            let batch = send_batch(s, &sender, &opts("w1")).await.unwrap();
            assert_eq!(
                batch,
                Batch {
                    claimed: 2,
                    sent: 2,
                    ..Batch::default()
                },
                "{db:?}"
            );
            for e in [&a, &b] {
                let m = status(s, &e.id).await;
                assert_eq!((m.status, m.attempts), (MailStatus::Sent, 1));
                assert!(m.sent_at.is_some());
            }
            let got = got.lock().unwrap().clone();
            assert_eq!(got.len(), 2);
            let first = got.iter().find(|m| m.contains("To: a@example.cn")).unwrap();
            assert!(
                first.contains("List-Unsubscribe: <https://ztc.example.cn/unsubscribe/t1>"),
                "{first}"
            );
            assert!(first.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
            assert!(first.contains("noreply@ztc.example.cn"));
            assert!(first.contains("Content-Type: text/plain; charset=utf-8"));
            // Nothing is left to send.
            assert_eq!(
                send_batch(s, &sender, &opts("w1")).await.unwrap(),
                Batch::default()
            );
        }
    }

    #[tokio::test]
    async fn a_failing_server_schedules_retries() {
        let (busy, _) = smtp_server(Behaviour::Busy).await;
        let (refusing, _) = smtp_server(Behaviour::Refuse).await;
        // A port where nothing listens.
        let closed = {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap()
        };
        for db in TestDb::all().await {
            let s = &db.store;
            for (addr, permanent) in [(busy, false), (closed, false), (refusing, true)] {
                let sender = Sender::new(&smtp(addr)).unwrap();
                let e = mail::enqueue(s, &letter("a@example.cn", 1)).await.unwrap();
                let before = now_ms();
                let batch = send_batch(s, &sender, &opts("w")).await.unwrap();
                let m = status(s, &e.id).await;
                assert_eq!(m.attempts, 1);
                assert!(
                    m.last_error.as_deref().unwrap().starts_with("SMTP"),
                    "{m:?}"
                );
                if permanent {
                    assert_eq!(batch.failed, 1, "{db:?}");
                    assert_eq!(m.status, MailStatus::Failed);
                    assert!(m.last_error.unwrap().contains("550"));
                } else {
                    assert_eq!(batch.retrying, 1, "{addr} {db:?}");
                    assert_eq!(m.status, MailStatus::Queued);
                    assert!(m.next_attempt_at >= before + 60_000);
                    assert!(m.next_attempt_at <= now_ms() + 60_000);
                    // Not retried before its time.
                    assert_eq!(send_batch(s, &sender, &opts("w")).await.unwrap().claimed, 0);
                    sqlx::query("UPDATE mail_outbox SET status = 'failed' WHERE id = $1")
                        .bind(&e.id)
                        .execute(s.pool())
                        .await
                        .unwrap();
                }
            }
        }
    }

    #[tokio::test]
    async fn a_restarted_worker_sends_what_a_crashed_one_had_claimed() {
        let (addr, got) = smtp_server(Behaviour::Accept).await;
        for db in TestDb::all().await {
            got.lock().unwrap().clear();
            let s = &db.store;
            let e = mail::enqueue(s, &letter("a@example.cn", 1)).await.unwrap();
            // The first process claims the mail and dies before sending it.
            let claimed = mail::claim(s, now_ms(), "crashed", 200, 10).await.unwrap();
            assert_eq!(claimed.len(), 1);
            let (stop, rx) = watch::channel(false);
            let worker = spawn_with(s.clone(), Some(smtp(addr)), opts("restarted"), rx);
            // Not before the lease expires, then once.
            let m = status(s, &e.id).await;
            assert_eq!(m.status, MailStatus::Sending);
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                let m = status(s, &e.id).await;
                if m.status == MailStatus::Sent {
                    assert_eq!(m.attempts, 2);
                    break;
                }
                assert!(std::time::Instant::now() < deadline, "not sent: {m:?}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert_eq!(got.lock().unwrap().len(), 1, "{db:?}");
            stop.send(true).unwrap();
            tokio::time::timeout(Duration::from_secs(5), worker)
                .await
                .expect("the worker stops on shutdown")
                .unwrap();
        }
    }

    #[tokio::test]
    async fn without_smtp_mail_is_held_then_sent_once_configured() {
        let (addr, got) = smtp_server(Behaviour::Accept).await;
        let db = TestDb::sqlite().await;
        let s = &db.store;
        let e = mail::enqueue(s, &letter("a@example.cn", 1)).await.unwrap();
        let (stop, rx) = watch::channel(false);
        let holder = spawn_with(s.clone(), None, opts("none"), rx);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while status(s, &e.id).await.status != MailStatus::Held {
            assert!(std::time::Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), holder)
            .await
            .unwrap()
            .unwrap();
        assert!(got.lock().unwrap().is_empty());

        let (stop, rx) = watch::channel(false);
        let worker = spawn_with(s.clone(), Some(smtp(addr)), opts("later"), rx);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while status(s, &e.id).await.status != MailStatus::Sent {
            assert!(std::time::Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(got.lock().unwrap().len(), 1);
        drop(stop);
        tokio::time::timeout(Duration::from_secs(5), worker)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn mail_can_be_written_to_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let settings =
            SmtpSettings::parse(&format!("file://{}", dir.path().join("out").display())).unwrap();
        let sender = Sender::new(&settings).unwrap();
        let db = TestDb::sqlite().await;
        mail::enqueue(&db.store, &letter("a@example.cn", 1))
            .await
            .unwrap();
        let b = send_batch(&db.store, &sender, &opts("f")).await.unwrap();
        assert_eq!(b.sent, 1);
        let files: Vec<_> = std::fs::read_dir(dir.path().join("out")).unwrap().collect();
        assert_eq!(files.len(), 1);
    }

    #[tokio::test]
    async fn run_digests_makes_nothing_without_follows() {
        let db = TestDb::sqlite().await;
        let r = run_digests(&db.store, "https://ztc.example.cn", now_ms())
            .await
            .unwrap();
        assert_eq!(r, digests::Report::default());
    }
}
