//! Campaigns: the tenant's list, the check that a tagged hazard names one, and statistics of
//! a campaign's hazards, whole or by phase.

use crate::duty::{Campaign, DutyError, DutyRule, CAMPAIGNS_DOC};
use crate::engine::{Engine, EngineError};
use crate::model::{InputError, TenantId};
use crate::notify::Notifier;
use crate::report::{statistics, LedgerFilter, Period, StatsTable};
use crate::store::Store;

impl<S: Store, N: Notifier> Engine<S, N> {
    /// The tenant's campaigns (the document `duty.campaigns`; none until set).
    pub async fn campaigns(&self, tenant: &TenantId) -> Result<Vec<Campaign>, EngineError> {
        match self.store.document(tenant, CAMPAIGNS_DOC).await? {
            None => Ok(Vec::new()),
            Some(text) => serde_json::from_str(&text).map_err(|e| {
                EngineError::Store(crate::store::StoreError::Corrupt(format!(
                    "document {CAMPAIGNS_DOC}: {e}"
                )))
            }),
        }
    }

    /// Adds a campaign, or replaces the one with its code, after checking it (errors name
    /// `campaign.…`). Its report dates become report duties when duties are generated.
    pub async fn put_campaign(
        &self,
        tenant: &TenantId,
        campaign: Campaign,
    ) -> Result<(), EngineError> {
        let org = self.org(tenant)?;
        campaign.validate(&org, "campaign")?;
        let mut all = self.campaigns(tenant).await?;
        match all.iter_mut().find(|c| c.code == campaign.code) {
            Some(c) => *c = campaign,
            None => all.push(campaign),
        }
        let body = serde_json::to_string(&all).unwrap_or_default();
        Ok(self.store.put_document(tenant, CAMPAIGNS_DOC, &body).await?)
    }

    /// The campaign with `code`, or the rule `known_campaign` naming `field`.
    pub async fn campaign(&self, tenant: &TenantId, code: &str) -> Result<Campaign, EngineError> {
        self.campaigns(tenant).await?.into_iter().find(|c| c.code == code).ok_or_else(|| {
            DutyError::Refused {
                rule: DutyRule::KnownCampaign,
                reason: format!("campaign: `{code}` is not a campaign of tenant {tenant}"),
            }
            .into()
        })
    }

    /// Checks that a command's campaign tag names one of the tenant's campaigns.
    pub(crate) async fn check_campaign_tag(
        &self,
        tenant: &TenantId,
        tag: Option<&String>,
    ) -> Result<(), EngineError> {
        let Some(code) = tag else { return Ok(()) };
        if self.campaigns(tenant).await?.iter().any(|c| &c.code == code) {
            return Ok(());
        }
        Err(DutyError::Input(InputError::Unknown { field: "campaign".into(), value: code.clone() })
            .into())
    }

    /// The statistics table (隐患问题统计表) of a campaign's hazards only: over the whole
    /// campaign, or over phase `phase` (0-based) of it. Rows are the hazards tagged to the
    /// campaign at discovery or registration; the period is the campaign's (or the phase's)
    /// days.
    pub async fn campaign_statistics(
        &self,
        tenant: &TenantId,
        code: &str,
        phase: Option<usize>,
    ) -> Result<(Campaign, Period, StatsTable), EngineError> {
        let campaign = self.campaign(tenant, code).await?;
        let (from, to) = match phase {
            None => (campaign.start(), campaign.end()),
            Some(i) => {
                let p = campaign.phases.get(i).ok_or_else(|| {
                    DutyError::Input(InputError::Malformed {
                        field: "phase".into(),
                        reason: format!("campaign {code} has {} phases", campaign.phases.len()),
                    })
                })?;
                (p.from, p.to)
            }
        };
        self.statistics_of(tenant, campaign, from, to).await
    }

    /// The statistics table of a campaign's hazards over the days `from..=to` (a report
    /// date's table: from the campaign's first day to that date).
    pub async fn campaign_statistics_between(
        &self,
        tenant: &TenantId,
        code: &str,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<(Campaign, Period, StatsTable), EngineError> {
        let campaign = self.campaign(tenant, code).await?;
        self.statistics_of(tenant, campaign, from, to).await
    }

    async fn statistics_of(
        &self,
        tenant: &TenantId,
        campaign: Campaign,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<(Campaign, Period, StatsTable), EngineError> {
        let code = campaign.code.as_str();
        let period = Period::custom(from, to).map_err(DutyError::Input)?;
        let org = self.org(tenant)?;
        let rows: Vec<_> = self
            .ledger_rows(tenant, &LedgerFilter::default())
            .await?
            .into_iter()
            .filter(|r| r.campaign.as_deref() == Some(code))
            .collect();
        let table = statistics(&rows, period.bounds(self.policy.calendar()), &org);
        Ok((campaign, period, table))
    }
}
