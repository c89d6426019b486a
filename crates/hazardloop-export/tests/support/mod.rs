//! Realistic ledger rows: hazards run through `decide` with the school fixture.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, unreachable_pub)]

use chrono::{DateTime, Duration, Utc};
use hazardloop_core::calendar::Calendar;
use hazardloop_core::model::{Grade, Lang};
use hazardloop_core::report::{statistics, CellContext, LedgerRow, Period, StatsTable};
use hazardloop_core::workflow::{decide, Command, Hazard, StageKind, Step};
use hazardloop_testkit::{fold_onto, Fixture, MAIN_PATH};

/// Title of the hazard that tries to inject a script into the summary page.
pub const SCRIPT_TITLE: &str = "<script>alert('台账')</script>";

/// Runs `steps` on a new hazard of `grade`, an hour apart from `start`, each by a capable
/// actor; `tweak` may change the discovery command.
pub fn run(
    f: &Fixture,
    grade: Grade,
    start: DateTime<Utc>,
    steps: &[Step],
    tweak: impl Fn(&mut Command),
) -> Hazard {
    let mut hazard: Option<Hazard> = None;
    let mut now = start;
    for &step in steps {
        let mut command = f.command_for(step, grade, now);
        if step == Step::Discover {
            tweak(&mut command);
        }
        let actor = f.actor_for(step, hazard.as_ref());
        let events = decide(hazard.as_ref(), command, &f.ctx(&actor, now))
            .unwrap_or_else(|e| panic!("{step:?} refused: {e}"));
        hazard = Some(fold_onto(hazard, &events, now).unwrap());
        now += Duration::hours(1);
    }
    hazard.unwrap()
}

/// The instant the rows are derived at: three weeks after the fixture's start, so open
/// hazards are overdue.
pub fn as_of(f: &Fixture) -> DateTime<Utc> {
    f.start + Duration::days(21)
}

/// A ledger of hazards at every step of the loop, both grades, with a failed acceptance, an
/// extension, a dismissal, and a title with markup and quotes.
pub fn ledger(f: &Fixture) -> Vec<LedgerRow> {
    let now = as_of(f);
    let mut hazards = Vec::new();
    for (i, to) in
        [StageKind::Discovered, StageKind::Registered, StageKind::Treating, StageKind::Archived]
            .into_iter()
            .enumerate()
    {
        let (mut h, _) = f.walked(Grade::General, to);
        // Distinct ids, in discovery order.
        h.id = hazardloop_core::model::HazardId::new_at(f.start + Duration::minutes(i as i64));
        hazards.push(h);
    }
    let day = |d: i64| f.start + Duration::days(d);
    hazards.push(run(f, Grade::Major, day(1), &MAIN_PATH[..4], |_| {}));
    hazards.push(run(f, Grade::General, day(2), &MAIN_PATH, |_| {}));
    hazards.push(run(
        f,
        Grade::General,
        day(3),
        &[
            Step::Discover,
            Step::Register,
            Step::Report,
            Step::StartTreatment,
            Step::Complete,
            Step::Fail,
        ],
        |_| {},
    ));
    hazards.push(run(
        f,
        Grade::General,
        day(4),
        &[
            Step::Discover,
            Step::Register,
            Step::Report,
            Step::StartTreatment,
            Step::RequestExtension,
            Step::GrantExtension,
        ],
        |_| {},
    ));
    hazards.push(run(f, Grade::General, day(5), &[Step::Discover, Step::Dismiss], |_| {}));
    hazards.push(run(f, Grade::General, day(6), &[Step::Discover, Step::Register], |c| {
        if let Command::Discover(d) = c {
            d.title = SCRIPT_TITLE.into();
            d.description = "描述含\"引号\"、逗号,和\n换行".into();
            d.location = "实验楼 & 3楼".into();
        }
    }));
    let fire = |c: &mut Command| {
        if let Command::Discover(d) = c {
            d.unit = f.security.clone();
            d.category = Some(hazardloop_core::model::Category::new("fire").unwrap());
            d.title = "灭火器过期".into();
        }
    };
    hazards.push(run(f, Grade::General, day(7), &[Step::Discover], fire));
    hazards.push(run(f, Grade::General, day(8), &[Step::Discover], |c| {
        if let Command::Discover(d) = c {
            d.unit = f.grid.clone();
            d.category = None;
            d.title = "围墙外侧有积水".into();
        }
    }));
    hazards.iter().map(|h| LedgerRow::from_hazard(h, now)).collect()
}

/// Cells named from the fixture's organisation and matrix, in `lang`, Shanghai time.
pub fn cx(f: &Fixture, lang: Lang) -> CellContext<'_> {
    CellContext::new(lang, chrono_tz::Asia::Shanghai)
        .with_org(&f.org)
        .with_matrix(f.policy.matrix())
}

/// March 2025, which holds every row of [`ledger`].
pub fn march() -> Period {
    "2025-03".parse().unwrap()
}

/// The statistics table of [`ledger`] over March 2025.
pub fn table(f: &Fixture, rows: &[LedgerRow]) -> StatsTable {
    statistics(rows, march().bounds(&Calendar::china()), &f.org)
}

/// The table of a sheet: its header row and data rows, without the title block above
/// ([`TITLE_ROWS`](hazardloop_export::TITLE_ROWS) rows) and the signature block below (a blank
/// row, the signatures, the seal).
pub fn table_part(range: &calamine::Range<calamine::Data>) -> calamine::Range<calamine::Data> {
    let (last_row, last_col) = range.end().unwrap();
    range.range((hazardloop_export::TITLE_ROWS, 0), (last_row - 3, last_col))
}
