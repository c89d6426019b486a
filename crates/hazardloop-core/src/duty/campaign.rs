//! Special campaigns (专项整治): phases with dates, report dates that become report duties,
//! and the hazards tagged to the campaign, counted on their own (seed 001 四、五(二)).

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::rule::{malformed, text, DutyError};
use super::schedule::{check_code, DueRule, DutyType, ReportSchedule};
use crate::model::{InputError, UnitId};
use crate::org::Org;

/// The tenant document that holds the campaigns.
pub const CAMPAIGNS_DOC: &str = "duty.campaigns";

/// One phase of a campaign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// Its name (自查自纠阶段).
    pub name: String,
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub to: NaiveDate,
}

/// A special campaign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// Its code (`campus-2021`): letters, digits, `-` and `_`.
    pub code: String,
    /// Its title.
    pub title: String,
    /// The units it covers; empty: the whole organisation.
    #[serde(default)]
    pub units: Vec<UnitId>,
    /// Its phases, in order, not overlapping.
    pub phases: Vec<Phase>,
    /// The dates its statistics table is due (报送日期), in order.
    #[serde(default)]
    pub report_dates: Vec<NaiveDate>,
    /// Where it comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Campaign {
    /// Checks it against `org`; errors name `{field}.…`.
    pub fn validate(&self, org: &Org, field: &str) -> Result<(), DutyError> {
        check_code(&format!("{field}.code"), &self.code)?;
        text(&format!("{field}.title"), &self.title, 200)?;
        for (i, u) in self.units.iter().enumerate() {
            if org.unit(u).is_none() {
                return Err(DutyError::Input(InputError::Unknown {
                    field: format!("{field}.units[{i}]"),
                    value: u.to_string(),
                }));
            }
        }
        if self.phases.is_empty() {
            return Err(DutyError::Input(InputError::Missing { field: format!("{field}.phases") }));
        }
        let mut last: Option<NaiveDate> = None;
        for (i, p) in self.phases.iter().enumerate() {
            let f = format!("{field}.phases[{i}]");
            text(&format!("{f}.name"), &p.name, 100)?;
            if p.from > p.to {
                return Err(malformed(&f, format!("from {} is after to {}", p.from, p.to)));
            }
            if last.is_some_and(|l| p.from <= l) {
                return Err(malformed(&f, "phases must follow one another without overlapping"));
            }
            last = Some(p.to);
        }
        if self.report_dates.windows(2).any(|w| w[0] >= w[1]) {
            return Err(malformed(
                &format!("{field}.report_dates"),
                "dates must be in increasing order",
            ));
        }
        if self.report_dates.first().is_some_and(|d| *d < self.start()) {
            return Err(malformed(
                &format!("{field}.report_dates"),
                "a report date falls before the campaign starts",
            ));
        }
        Ok(())
    }

    /// Its first day (its first phase's).
    pub fn start(&self) -> NaiveDate {
        self.phases.first().map_or(NaiveDate::MIN, |p| p.from)
    }

    /// Its last day: its last phase's, or its last report date if later.
    pub fn end(&self) -> NaiveDate {
        let phase = self.phases.last().map_or(NaiveDate::MIN, |p| p.to);
        self.report_dates.last().map_or(phase, |d| phase.max(*d))
    }

    /// The phase `date` falls in.
    pub fn phase_of(&self, date: NaiveDate) -> Option<&Phase> {
        self.phases.iter().find(|p| (p.from..=p.to).contains(&date))
    }

    /// Its report dates as a report schedule: the statistics table of the campaign's hazards
    /// from its start to each date (the duty's period), due on the date as written.
    pub fn schedule(&self) -> ReportSchedule {
        ReportSchedule {
            code: format!("campaign-{}", self.code),
            title: format!("{}隐患问题统计表", self.title),
            kind: DutyType::Report,
            due: DueRule::Dates { dates: self.report_dates.clone(), since: Some(self.start()) },
            units: self.units.clone(),
            owner: None,
            signer: None,
            statistics: true,
            roll: false,
            campaign: Some(self.code.clone()),
            source: self.source.clone(),
        }
    }

    /// The same campaign moved by whole weeks so that it starts in the week of `start`, every
    /// date keeping its weekday (a campaign's Monday report dates stay on Mondays).
    pub fn moved_to(&self, start: NaiveDate) -> Campaign {
        let from = self.start();
        let monday =
            |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
        let shift = monday(start) - monday(from);
        let mv = |d: NaiveDate| d + shift;
        Campaign {
            phases: self
                .phases
                .iter()
                .map(|p| Phase { name: p.name.clone(), from: mv(p.from), to: mv(p.to) })
                .collect(),
            report_dates: self.report_dates.iter().map(|d| mv(*d)).collect(),
            ..self.clone()
        }
    }
}

/// The campaign presets: `seed-001`, the campus safety campaign of seed 001 with its dates as
/// written (2021-11-08 to 2021-12-30; move it with [`Campaign::moved_to`]).
pub fn campaign_preset(code: &str) -> Option<Campaign> {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    match code {
        "seed-001" => Some(Campaign {
            code: "campus-safety".into(),
            title: "校园安全专项整治".into(),
            units: Vec::new(),
            phases: vec![
                Phase { name: "自查自纠阶段".into(), from: d(2021, 11, 8), to: d(2021, 11, 15) },
                Phase { name: "整改完善阶段".into(), from: d(2021, 11, 16), to: d(2021, 12, 15) },
                Phase { name: "督导检查阶段".into(), from: d(2021, 12, 16), to: d(2021, 12, 30) },
            ],
            report_dates: vec![d(2021, 11, 22), d(2021, 12, 6), d(2021, 12, 20), d(2022, 1, 3)],
            source: Some(
                "seed 001 四 (phases, issued 2021-11-08), 五(二) (统计表 on 11-22, 12-06, 12-20, 2022-01-03)"
                    .into(),
            ),
        }),
        _ => None,
    }
}

/// The preset codes.
pub fn campaign_preset_codes() -> &'static [&'static str] {
    &["seed-001"]
}
