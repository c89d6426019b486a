//! The overdue board (逾期) and the statistics (统计).

use super::*;

pub(crate) struct BoardLine {
    line: Line,
    rung: String,
    left: i32,
}

pub(crate) struct BoardUnit {
    name: String,
    lines: Vec<BoardLine>,
}

#[derive(Template)]
#[template(path = "overdue.html")]
struct OverduePage {
    chrome: Chrome,
    units: Vec<BoardUnit>,
}

pub(crate) async fn overdue<B: Backend, E: EvidenceStore>(s: Signed<B, E>) -> Response {
    let rows = match selected(&s, &LedgerParams::default()).await {
        Ok(rows) => rows,
        Err(e) => return failed(e),
    };
    let lang = s.session.lang;
    let now = s.engine.now();
    let cal = s.engine.policy().calendar();
    let cx =
        CellContext::new(lang, s.tz()).with_org(&s.org).with_matrix(s.engine.policy().matrix());
    let mut units: Vec<BoardUnit> = Vec::new();
    let mut soon: Vec<&LedgerRow> = rows
        .iter()
        .filter(|r| r.closed_at.is_none() && r.dismissed_at.is_none())
        .filter(|r| r.deadline.is_some_and(|d| r.overdue || cal.working_days_between(now, d) <= 3))
        .collect();
    soon.sort_by_key(|r| (r.accountable_unit().clone(), r.deadline));
    for r in soon {
        let unit = r.accountable_unit();
        let name = s.org.unit(unit).map_or_else(|| unit.to_string(), |u| u.name.clone());
        let rung = r
            .escalations
            .last()
            .map(|(_, a)| a.name(lang).to_owned())
            .unwrap_or_else(|| s.t().s("none").to_owned());
        let left = r.deadline.map_or(0, |d| cal.working_days_between(now, d));
        let entry = BoardLine { line: line(r, &cx, &s.org, lang), rung, left };
        match units.last_mut() {
            Some(u) if u.name == name => u.lines.push(entry),
            _ => units.push(BoardUnit { name, lines: vec![entry] }),
        }
    }
    let t = s.t();
    page(OverduePage { chrome: s.chrome(t.s("board"), "overdue"), units })
}

#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct StatsParams {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

pub(crate) struct StatsLine {
    name: String,
    depth: usize,
    found: usize,
    rectified: usize,
    open: usize,
    overdue: usize,
    rate: String,
    bar: usize,
}

#[derive(Template)]
#[template(path = "stats.html")]
struct StatsPage {
    chrome: Chrome,
    unit: String,
    units: Vec<(String, String)>,
    from: String,
    to: String,
    period: String,
    lines: Vec<StatsLine>,
}

pub(crate) async fn stats<B: Backend, E: EvidenceStore>(
    s: Signed<B, E>,
    Query(q): Query<StatsParams>,
) -> Response {
    let cal = s.engine.policy().calendar();
    let today = cal.local_date(s.engine.now());
    let day = |t: &str| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
    let from = day(&q.from).unwrap_or_else(|| Period::month_of(today).first_day());
    let to = day(&q.to).unwrap_or(today);
    let period = match Period::custom(from, to) {
        Ok(p) => p,
        Err(e) => return hazard_error(&s, e.to_string()),
    };
    let table = match s.engine.statistics(&s.session.tenant, &period).await {
        Ok(t) => t,
        Err(e) => return failed(e),
    };
    let chosen = UnitId::new(q.unit.clone()).ok().filter(|_| !q.unit.is_empty());
    let lines: Vec<StatsLine> = table
        .rows()
        .filter(|u| s.org.is_within_any(&u.unit, &s.actor.units))
        .filter(|u| chosen.as_ref().is_none_or(|c| s.org.is_within(&u.unit, c)))
        .map(|u| {
            let t = &u.total;
            let rate = if t.registered == 0 {
                String::from("—")
            } else {
                format!("{:.0}%", 100.0 * t.rectified as f64 / t.registered as f64)
            };
            StatsLine {
                name: u.name.clone(),
                depth: u.depth,
                found: t.discovered,
                rectified: t.rectified,
                open: t.open,
                overdue: t.overdue,
                rate,
                bar: 0,
            }
        })
        .collect();
    let max = lines.iter().map(|l| l.found).max().unwrap_or(0).max(1);
    let lines = lines
        .into_iter()
        .map(|mut l| {
            l.bar = l.found * 240 / max;
            l
        })
        .collect();
    let t = s.t();
    let units = s
        .org
        .units()
        .filter(|u| s.org.is_within_any(&u.id, &s.actor.units))
        .map(|u| (u.id.to_string(), u.name.clone()))
        .collect();
    page(StatsPage {
        chrome: s.chrome(t.s("stats"), "stats"),
        unit: q.unit.clone(),
        units,
        from: from.to_string(),
        to: to.to_string(),
        period: period.label(s.session.lang),
        lines,
    })
}
