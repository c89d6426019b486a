//! The notification channels named in the configuration, with their secrets read from the
//! environment (never from the file, never logged).

use std::sync::Arc;

use hazardloop_core::clock::Clock;
use hazardloop_core::notify::{ChannelLimits, Discard, Fanout, Notifier};
use hazardloop_email::{EmailNotifier, Security, SmtpConfig};
use hazardloop_webhook::{DingTalkNotifier, WeComNotifier, WebhookNotifier};

use crate::config::Channel;
use crate::state::{Channels, StartError};

fn secret(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
    what: &str,
) -> Result<String, StartError> {
    var(name).filter(|s| !s.is_empty()).ok_or_else(|| {
        StartError::Setup(format!(
            "the {what} channel reads its secret from ${name}, which is not set"
        ))
    })
}

/// A robot's documented limits with the configuration's overrides.
fn overridden(
    documented: ChannelLimits,
    per_minute: Option<u32>,
    max_body_bytes: Option<usize>,
) -> ChannelLimits {
    ChannelLimits {
        per_minute: per_minute.or(documented.per_minute),
        max_body_bytes: max_body_bytes.or(documented.max_body_bytes),
    }
}

/// The channels of `config`, each bound to the clock and time zone; `Discard` when none.
pub fn build(
    channels: &[Channel],
    clock: Arc<dyn Clock>,
    tz: chrono_tz::Tz,
    var: impl Fn(&str) -> Option<String>,
) -> Result<Channels, StartError> {
    let setup =
        |what: &str, e: &dyn std::fmt::Display| StartError::Setup(format!("{what} channel: {e}"));
    let mut built: Vec<Box<dyn Notifier>> = Vec::new();
    for channel in channels {
        match channel {
            Channel::Webhook { url, secret_env } => {
                let key = secret(&var, secret_env, "webhook")?;
                let n = WebhookNotifier::new(url, key).map_err(|e| setup("webhook", &e))?;
                built.push(Box::new(n.with_clock(clock.clone()).with_time_zone(tz)));
            }
            Channel::Wecom { key_env, base_url, per_minute, max_body_bytes } => {
                let mut n = WeComNotifier::new(secret(&var, key_env, "wecom")?)
                    .map_err(|e| setup("wecom", &e))?;
                if let Some(base) = base_url {
                    n = n.with_base_url(base).map_err(|e| setup("wecom", &e))?;
                }
                let limits = overridden(n.limits(), *per_minute, *max_body_bytes);
                let n = n.with_limits(limits);
                built.push(Box::new(n.with_clock(clock.clone()).with_time_zone(tz)));
            }
            Channel::Dingtalk { token_env, secret_env, base_url, per_minute, max_body_bytes } => {
                let mut n = DingTalkNotifier::new(secret(&var, token_env, "dingtalk")?)
                    .map_err(|e| setup("dingtalk", &e))?;
                if let Some(name) = secret_env {
                    n = n.with_secret(secret(&var, name, "dingtalk")?);
                }
                if let Some(base) = base_url {
                    n = n.with_base_url(base).map_err(|e| setup("dingtalk", &e))?;
                }
                let limits = overridden(n.limits(), *per_minute, *max_body_bytes);
                let n = n.with_limits(limits);
                built.push(Box::new(n.with_clock(clock.clone()).with_time_zone(tz)));
            }
            Channel::Email { host, port, security, from, credentials_env } => {
                let security = match security.as_str() {
                    "none" => Security::Plain,
                    "tls" => Security::Tls,
                    "starttls" => Security::StartTls,
                    other => {
                        return Err(StartError::Setup(format!(
                            "email channel: security `{other}` is none of none, starttls, tls"
                        )))
                    }
                };
                let mut config =
                    SmtpConfig::new(host.clone(), security, from.clone()).time_zone(tz);
                if let Some(port) = port {
                    config = config.port(*port);
                }
                if let Some(name) = credentials_env {
                    let pair = secret(&var, name, "email")?;
                    let (user, password) = pair.split_once(':').ok_or_else(|| {
                        StartError::Setup(format!("email channel: ${name} holds user:password"))
                    })?;
                    config = config.credentials(user, password);
                }
                let n = EmailNotifier::new(config).map_err(|e| setup("email", &e))?;
                built.push(Box::new(n.with_clock(clock.clone())));
            }
        }
    }
    Ok(match built.len() {
        0 => Arc::new(Discard),
        1 => Arc::from(built.remove(0)),
        _ => Arc::new(Fanout(built)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ServerConfig;

    #[test]
    fn a_configured_robot_limit_replaces_only_the_figure_it_names() {
        let config = ServerConfig::from_toml(
            "[[channels]]\nkind = \"dingtalk\"\ntoken_env = \"T\"\nper_minute = 10\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let var = |_: &str| Some("token".to_string());
        let clock: Arc<dyn Clock> = Arc::new(hazardloop_core::clock::SystemClock);
        let built = build(&config.channels, clock, chrono_tz::Asia::Shanghai, var)
            .unwrap_or_else(|e| panic!("{e}"));
        let documented = hazardloop_webhook::DINGTALK_LIMITS;
        assert_eq!(
            built.limits(),
            ChannelLimits { per_minute: Some(10), max_body_bytes: documented.max_body_bytes }
        );
        assert_eq!(overridden(documented, None, None), documented);
    }
}
