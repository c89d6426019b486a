//! What every subcommand needs: the store, the tenant's organisation and policy, the clock, the
//! actor, and parsing of ids and times.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use hazardloop_core::clock::{Clock, FixedClock, SystemClock};
use hazardloop_core::engine::Engine;
use hazardloop_core::model::{Actor, Lang, PersonId, TenantId};
use hazardloop_core::notify::{BoxFuture, Delivery, DeliveryError, Notifier};
use hazardloop_core::org::{Org, OrgConfig};
use hazardloop_core::policy::Policy;
use hazardloop_core::store::Store;

use crate::args::{LangArg, OutputFormat};
use crate::error::CliError;

pub use hazardloop_core::store::{ORG_DOC, POLICY_DOC};

/// Options shared by every subcommand.
#[derive(Clone, Debug)]
pub struct Options {
    /// `--now` as given.
    pub now: Option<String>,
    /// `--as`.
    pub actor: Option<String>,
    /// The tenant.
    pub tenant: TenantId,
    /// The output format.
    pub format: OutputFormat,
    /// The language.
    pub lang: Lang,
}

impl Options {
    /// From the parsed command line.
    pub fn new(cli: &crate::args::Cli) -> Result<Options, CliError> {
        let lang = match cli.lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        };
        let tenant = TenantId::new(cli.tenant.clone()).map_err(|e| {
            let colon = if lang == Lang::Zh { "：" } else { ": " };
            CliError::Usage(format!("--tenant{colon}{}", crate::error::input(&e, lang)))
        })?;
        Ok(Options {
            now: cli.now.clone(),
            actor: cli.actor.clone(),
            tenant,
            format: cli.format,
            lang,
        })
    }
}

/// A notifier that keeps the deliveries so `dispatch` can print them.
#[derive(Clone, Debug, Default)]
pub struct Printed(pub Arc<Mutex<Vec<Delivery>>>);

impl Printed {
    /// The deliveries so far.
    pub fn take(&self) -> Vec<Delivery> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Notifier for Printed {
    fn name(&self) -> &str {
        "print"
    }
    fn deliver<'a>(&'a self, delivery: &'a Delivery) -> BoxFuture<'a, Result<(), DeliveryError>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push(delivery.clone());
        Box::pin(async { Ok(()) })
    }
}

/// The command's context over a store.
pub struct App<S: Store> {
    /// The store.
    pub store: Arc<S>,
    /// Shared options.
    pub opts: Options,
}

impl<S: Store> App<S> {
    /// The tenant's policy (the saved one, else the default).
    pub async fn policy(&self) -> Result<Policy, CliError> {
        let lang = self.opts.lang;
        let saved = self
            .store
            .document(&self.opts.tenant, POLICY_DOC)
            .await
            .map_err(|e| crate::error::store(e, lang))?;
        match saved {
            Some(text) => Policy::from_toml(&text).map_err(|e| {
                CliError::Other(match lang {
                    Lang::Zh => format!("已保存的制度配置有误：{e}"),
                    Lang::En => format!("saved policy: {e}"),
                })
            }),
            None => Ok(Policy::default()),
        }
    }

    /// The tenant's organisation.
    pub async fn org(&self) -> Result<Org, CliError> {
        let lang = self.opts.lang;
        let saved = self
            .store
            .document(&self.opts.tenant, ORG_DOC)
            .await
            .map_err(|e| crate::error::store(e, lang))?;
        let Some(text) = saved else {
            let tenant = &self.opts.tenant;
            return Err(CliError::Usage(match self.opts.lang {
                Lang::Zh => format!("租户 {tenant} 尚无组织机构，请先运行 `hazardloop init`"),
                Lang::En => {
                    format!("tenant {tenant} has no organisation; run `hazardloop init` first")
                }
            }));
        };
        let config: OrgConfig = serde_json::from_str(&text)
            .map_err(|e| CliError::Other(format!("saved organisation: {e}")))?;
        Org::from_config(self.opts.tenant.clone(), config)
            .map_err(|e| CliError::Invalid(crate::error::input(&e, lang)))
    }

    /// Saves the organisation.
    pub async fn save_org(&self, org: &Org) -> Result<(), CliError> {
        let text =
            serde_json::to_string(&org.to_config()).map_err(|e| CliError::Other(e.to_string()))?;
        self.store
            .put_document(&self.opts.tenant, ORG_DOC, &text)
            .await
            .map_err(|e| crate::error::store(e, self.opts.lang))
    }

    /// The clock: `--now`, else the system clock.
    pub fn clock(&self, policy: &Policy) -> Result<Arc<dyn Clock>, CliError> {
        match &self.opts.now {
            None => Ok(Arc::new(SystemClock)),
            Some(text) => {
                Ok(Arc::new(FixedClock(parse_at(text, policy, "--now", false, self.opts.lang)?)))
            }
        }
    }

    /// The engine over this store, with the tenant's organisation and policy.
    pub async fn engine(&self) -> Result<(Engine<Arc<S>, Printed>, Printed, Org), CliError> {
        let policy = self.policy().await?;
        let org = self.org().await?;
        let clock = self.clock(&policy)?;
        let printed = Printed::default();
        let engine = Engine::new(self.store.clone(), printed.clone(), clock, policy)
            .with_org(org.clone())
            .with_lang(self.opts.lang);
        Ok((engine, printed, org))
    }

    /// The actor named by `--as`, with their roles and scope from the organisation.
    pub fn actor(&self, org: &Org) -> Result<Actor, CliError> {
        let zh = self.opts.lang == Lang::Zh;
        let Some(id) = &self.opts.actor else {
            return Err(CliError::Usage(if zh {
                "此命令需要 --as 人员（由谁办理）".into()
            } else {
                "this command needs --as PERSON (who is acting)".into()
            }));
        };
        let person = PersonId::new(id.clone()).map_err(|e| {
            let colon = if zh { "：" } else { ": " };
            CliError::Usage(format!("--as{colon}{}", crate::error::input(&e, self.opts.lang)))
        })?;
        let tenant = &self.opts.tenant;
        org.actor(&person).ok_or_else(|| {
            CliError::Denied(if zh {
                format!("--as {id}：租户 {tenant} 中没有此人")
            } else {
                format!("--as {id}: no such person in tenant {tenant}")
            })
        })
    }
}

/// A time: RFC 3339, `YYYY-MM-DD HH:MM` local, or a date meaning 09:00 in the policy's time
/// zone; errors in English (see [`parse_time_in`]).
pub fn parse_time(text: &str, policy: &Policy, field: &str) -> Result<DateTime<Utc>, CliError> {
    parse_at(text, policy, field, false, Lang::En)
}

/// A deadline: as [`parse_time`], but a bare date means the end of that working day (17:30 by
/// default), as schools write deadlines; errors in English (see [`parse_deadline_in`]).
pub fn parse_deadline(text: &str, policy: &Policy, field: &str) -> Result<DateTime<Utc>, CliError> {
    parse_at(text, policy, field, true, Lang::En)
}

/// As [`parse_time`], with the error in `lang`.
pub fn parse_time_in(
    text: &str,
    policy: &Policy,
    field: &str,
    lang: Lang,
) -> Result<DateTime<Utc>, CliError> {
    parse_at(text, policy, field, false, lang)
}

/// As [`parse_deadline`], with the error in `lang`.
pub fn parse_deadline_in(
    text: &str,
    policy: &Policy,
    field: &str,
    lang: Lang,
) -> Result<DateTime<Utc>, CliError> {
    parse_at(text, policy, field, true, lang)
}

/// Local forms without an offset, read in the policy's time zone.
const LOCAL_FORMS: [&str; 6] = [
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

fn parse_at(
    text: &str,
    policy: &Policy,
    field: &str,
    end_of_day: bool,
    lang: Lang,
) -> Result<DateTime<Utc>, CliError> {
    let text = text.trim();
    if end_of_day {
        if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(policy.calendar().end_of_day(date));
        }
    }
    // RFC 3339 with seconds (`…T10:00:00+08:00`, `…T02:00:00Z`), or ISO 8601 with an offset
    // and no seconds (`…T10:00+08:00`).
    if let Ok(t) = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M%:z"))
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M%:z"))
    {
        return Ok(t.with_timezone(&Utc));
    }
    let tz = policy.calendar().time_zone();
    let local = LOCAL_FORMS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(9, 0, 0))
        });
    local
        .and_then(|l| tz.from_local_datetime(&l).earliest())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            CliError::Invalid(match lang {
                Lang::Zh => format!(
                    "{field}：`{text}` 不是时间（可写 2026-10-01T10:00:00+08:00、\
                     2026-10-01T02:00:00Z、2026-10-01T10:00、`2026-10-01 10:00` 或日期 2026-10-01）"
                ),
                Lang::En => format!(
                    "{field}: `{text}` is not a time (use RFC 3339 like 2026-10-01T10:00:00+08:00 \
                     or 2026-10-01T02:00:00Z, local 2026-10-01T10:00 or `2026-10-01 10:00`, or a date)"
                ),
            })
        })
}
