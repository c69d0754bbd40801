//! The delivery worker: claims due deliveries with a lease (`FOR UPDATE SKIP LOCKED`),
//! commits, then makes the HTTP call outside any transaction, so replicas share the work,
//! never deliver one message at once, and a slow endpoint holds no database connection. A
//! delivery whose worker dies is claimed again when its lease runs out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::RngExt as _;

use super::signing;
use super::target::{GuardedResolver, TargetPolicy};
use crate::config::Config;
use crate::db::DbPool;
use crate::db::webhooks::{self, DeliveryRow};

const BATCH: i64 = 16;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

pub struct Deliverer {
    pool: DbPool,
    policy: Arc<TargetPolicy>,
    https: reqwest::Client,
    http: reqwest::Client,
    poll: Duration,
    lease: Duration,
    backoff_base: Duration,
    horizon: Duration,
}

fn client(policy: &Arc<TargetPolicy>, plain_http: bool, timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver {
            policy: policy.clone(),
            plain_http,
        }))
        .user_agent(concat!("Concord-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the webhook client builds")
}

/// Exponential back-off from `base`, doubled per attempt, capped, with jitter (50-100 %).
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let exponent = (attempts.max(1) - 1).min(30) as u32;
    let full = base
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(MAX_BACKOFF);
    let jitter = rand::rng().random_range(0.5..=1.0);
    full.mul_f64(jitter)
}

impl Deliverer {
    pub fn new(pool: DbPool, config: &Config) -> Deliverer {
        let policy = Arc::new(TargetPolicy {
            allowed: config.webhook_allowed_cidrs.clone(),
        });
        Deliverer {
            https: client(&policy, false, config.webhook_timeout),
            http: client(&policy, true, config.webhook_timeout),
            pool,
            policy,
            poll: config.webhook_poll,
            lease: config.webhook_lease,
            backoff_base: config.webhook_backoff_base,
            horizon: config.webhook_retry_horizon,
        }
    }

    /// Runs until the process ends.
    pub async fn run(self) {
        let me = Arc::new(self);
        loop {
            let claimed = match me.pool.get().await {
                Ok(mut conn) => webhooks::claim(&mut conn, BATCH, me.lease)
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(error = %e, "claiming webhook deliveries failed");
                        Vec::new()
                    }),
                Err(e) => {
                    tracing::warn!(error = %e, "no database connection for the webhook worker");
                    Vec::new()
                }
            };
            if claimed.is_empty() {
                tokio::time::sleep(me.poll).await;
                continue;
            }
            let work = claimed.into_iter().map(|d| {
                let me = me.clone();
                async move { me.deliver(d).await }
            });
            futures_util::future::join_all(work).await;
        }
    }

    /// One attempt of one claimed delivery.
    async fn deliver(&self, delivery: DeliveryRow) {
        let prepared = self.prepare(&delivery).await;
        let started = Instant::now();
        let (status_code, error) = match prepared {
            Ok(Some((url, request))) => self.send(&url, request).await,
            Ok(None) => return, // the subscription is gone: its deliveries went with it
            Err(e) => (None, Some(e)),
        };
        let latency_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
        if let Err(e) = self.settle(&delivery, status_code, latency_ms, error).await {
            // The lease runs out and another attempt follows: at least once.
            tracing::warn!(error = %e, delivery = %delivery.id, "recording a webhook attempt failed");
        }
    }

    /// The URL and the signed request, read with a short-lived connection.
    async fn prepare(&self, d: &DeliveryRow) -> Result<Option<(url::Url, SignedBody)>, String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        let Some(subscription) = webhooks::find(&mut conn, d.org_id, d.subscription_id)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let Some(event) = webhooks::event(&mut conn, d.org_id, d.event_id)
            .await
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        drop(conn);
        let url = self
            .policy
            .check_url(&subscription.url)
            .map_err(|e| format!("refused: the URL {e}"))?;
        self.policy.check_literal(&url)?;
        let body = serde_json::to_vec(&serde_json::json!({
            "type": event.event_type,
            "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": event.data,
        }))
        .map_err(|e| e.to_string())?;
        let timestamp = Utc::now().timestamp();
        let id = event.id.to_string();
        // The current secret first, then those of a rotation's overlap, newest first.
        let mut secrets: Vec<&[u8]> = vec![&subscription.secret];
        if subscription
            .previous_secret_until
            .is_some_and(|until| until > Utc::now())
        {
            secrets.extend(
                subscription
                    .previous_secrets
                    .iter()
                    .rev()
                    .map(Vec::as_slice),
            );
        }
        let signature = signing::signature_header(&secrets, &id, timestamp, &body);
        Ok(Some((
            url,
            SignedBody {
                id,
                timestamp,
                signature,
                body,
            },
        )))
    }

    async fn send(&self, url: &url::Url, signed: SignedBody) -> (Option<i16>, Option<String>) {
        let client = if url.scheme() == "http" {
            &self.http
        } else {
            &self.https
        };
        let result = client
            .post(url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", &signed.id)
            .header("webhook-timestamp", signed.timestamp.to_string())
            .header("webhook-signature", &signed.signature)
            .body(signed.body)
            .send()
            .await;
        match result {
            Ok(response) if response.status().is_success() => {
                (Some(response.status().as_u16() as i16), None)
            }
            Ok(response) => (
                Some(response.status().as_u16() as i16),
                Some(format!("answered {}", response.status())),
            ),
            Err(e) => (None, Some(describe(&e))),
        }
    }

    async fn settle(
        &self,
        d: &DeliveryRow,
        status_code: Option<i16>,
        latency_ms: i32,
        error: Option<String>,
    ) -> anyhow::Result<()> {
        let mut conn = self.pool.get().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        webhooks::record_attempt(&mut conn, d, status_code, latency_ms, error.clone()).await?;
        if error.is_none() {
            webhooks::settle(&mut conn, d, "delivered", None, status_code, None).await?;
            return Ok(());
        }
        let next: DateTime<Utc> = Utc::now() + backoff(self.backoff_base, d.attempts);
        let give_up = next > d.created_at + self.horizon;
        let status = if give_up { "failed" } else { "pending" };
        webhooks::settle(&mut conn, d, status, Some(next), status_code, error).await?;
        Ok(())
    }
}

struct SignedBody {
    id: String,
    timestamp: i64,
    signature: String,
    body: Vec<u8>,
}

/// reqwest's error with its causes, which say why a connection was refused.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        let base = Duration::from_secs(10);
        for _ in 0..50 {
            let first = backoff(base, 1);
            assert!(first >= Duration::from_secs(5) && first <= base);
            let third = backoff(base, 3);
            assert!(third >= Duration::from_secs(20) && third <= Duration::from_secs(40));
            assert!(backoff(base, 40) <= MAX_BACKOFF);
        }
    }
}
