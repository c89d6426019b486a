//! The ledger (台账): filters, paging, downloads of exactly what is shown, and finding a hazard by its number.

use super::*;

/// The ledger's filters and paging, as the query string carries them.
#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct LedgerParams {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    colour: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: usize,
}

impl LedgerParams {
    fn filter(&self, cal: &Calendar) -> LedgerFilter {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let bounds = |d: chrono::NaiveDate| Period::custom(d, d).ok().map(|p| p.bounds(cal));
        LedgerFilter {
            unit: UnitId::new(self.unit.clone()).ok().filter(|_| !self.unit.is_empty()),
            category: Category::new(self.category.clone())
                .ok()
                .filter(|_| !self.category.is_empty()),
            grade: serde_json::from_value::<Grade>(serde_json::json!(self.grade)).ok(),
            stages: serde_json::from_value::<StageKind>(serde_json::json!(self.stage))
                .ok()
                .into_iter()
                .collect(),
            overdue: match self.overdue.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            discovered_from: day(&self.from).and_then(bounds).map(|b| b.0),
            discovered_to: day(&self.to).and_then(bounds).map(|b| b.1),
            text: Some(self.text.clone()).filter(|t| !t.trim().is_empty()),
        }
    }

    /// The query string without the page (for downloads and paging links).
    fn query(&self) -> String {
        let pairs = [
            ("unit", &self.unit),
            ("category", &self.category),
            ("grade", &self.grade),
            ("colour", &self.colour),
            ("stage", &self.stage),
            ("overdue", &self.overdue),
            ("from", &self.from),
            ("to", &self.to),
            ("text", &self.text),
            ("sort", &self.sort),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Every row the filters select, in the order chosen (what the page shows, all pages).
pub(crate) async fn selected<B: Backend, E: EvidenceStore>(
    s: &Signed<B, E>,
    p: &LedgerParams,
) -> Result<Vec<LedgerRow>, EngineError> {
    let cal = s.engine.policy().calendar();
    let mut rows = s.engine.ledger_rows(&s.session.tenant, &p.filter(cal)).await?;
    // A school sees its own hazards; a bureau the schools under it.
    rows.retain(|r| s.org.is_within_any(r.accountable_unit(), &s.actor.units));
    if let Ok(colour) = serde_json::from_value::<RiskColour>(serde_json::json!(p.colour)) {
        rows.retain(|r| r.colour == Some(colour));
    }
    if p.sort == "deadline" {
        rows.sort_by_key(|r| (r.deadline.is_none(), r.deadline));
    }
    Ok(rows)
}

/// One displayed ledger line.
pub(crate) struct Line {
    pub(crate) reference: String,
    pub(crate) number: String,
    pub(crate) title: String,
    pub(crate) location: String,
    pub(crate) category: String,
    pub(crate) grade: String,
    pub(crate) colour: String,
    pub(crate) colour_code: String,
    pub(crate) stage: String,
    pub(crate) deadline: String,
    pub(crate) overdue: bool,
    pub(crate) assignee: String,
}

pub(crate) fn line(r: &LedgerRow, cx: &CellContext<'_>, org: &Org, lang: Lang) -> Line {
    let assignee = r
        .assignee
        .as_ref()
        .map(|p| org.person(p).map_or_else(|| p.to_string(), |x| x.name.clone()))
        .unwrap_or_default();
    Line {
        reference: r.number.clone().unwrap_or_else(|| r.id.to_string()),
        number: r.cell(Column::Id, cx),
        title: r.title.clone(),
        location: r.location.clone(),
        category: r.cell(Column::Category, cx),
        grade: r.grade.map(|g| g.name(lang).to_owned()).unwrap_or_default(),
        colour: r.colour.map(|c| c.name(lang).to_owned()).unwrap_or_default(),
        colour_code: r
            .colour
            .map(|c| {
                serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            })
            .unwrap_or_default(),
        stage: r.stage.name(lang).to_owned(),
        deadline: r.cell(Column::Deadline, cx),
        overdue: r.overdue,
        assignee,
    }
}

#[derive(Template)]
#[template(path = "ledger.html")]
struct LedgerPage {
    chrome: Chrome,
    p: LedgerParams,
    query: String,
    lines: Vec<Line>,
    total: usize,
    page: usize,
    pages: usize,
    units: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    stages: Vec<(String, String)>,
    grades: Vec<(String, String)>,
    colours: Vec<(String, String)>,
}

fn codes<T: serde::Serialize + Named>(items: &[T], lang: Lang) -> Vec<(String, String)> {
    items
        .iter()
        .map(|i| {
            (
                serde_json::to_value(i)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                i.name(lang).to_owned(),
            )
        })
        .collect()
}

pub(crate) async fn ledger<B: Backend, E: EvidenceStore>(
    State(c): St<B, E>,
    s: Signed<B, E>,
    Query(p): Query<LedgerParams>,
) -> Response {
    let rows = match selected(&s, &p).await {
        Ok(rows) => rows,
        Err(e) => return failed(e),
    };
    let lang = s.session.lang;
    let policy = s.engine.policy();
    let cx = CellContext::new(lang, s.tz()).with_org(&s.org).with_matrix(policy.matrix());
    let size = c.config.page_size.max(1);
    let pages = rows.len().div_ceil(size).max(1);
    let page_no = p.page.clamp(1, pages);
    let lines = rows
        .iter()
        .skip((page_no - 1) * size)
        .take(size)
        .map(|r| line(r, &cx, &s.org, lang))
        .collect();
    let t = s.t();
    page(LedgerPage {
        chrome: s.chrome(t.s("ledger"), "ledger"),
        query: p.query(),
        total: rows.len(),
        page: page_no,
        pages,
        units: s.org.units().map(|u| (u.id.to_string(), u.name.clone())).collect(),
        categories: policy
            .matrix()
            .entries()
            .iter()
            .map(|e| (e.category.to_string(), e.name(lang).to_owned()))
            .collect(),
        stages: codes(&StageKind::ALL, lang),
        grades: codes(&[Grade::General, Grade::Major], lang),
        colours: codes(
            &[RiskColour::Blue, RiskColour::Yellow, RiskColour::Orange, RiskColour::Red],
            lang,
        ),
        lines,
        p,
    })
}

async fn download<B: Backend, E: EvidenceStore>(
    c: &Console<B, E>,
    headers: &HeaderMap,
    p: &LedgerParams,
    xlsx: bool,
) -> Response {
    let s = match signed(c, headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let rows = match selected(&s, p).await {
        Ok(rows) => rows,
        Err(e) => return failed(e),
    };
    let cx = CellContext::new(s.session.lang, s.tz())
        .with_org(&s.org)
        .with_matrix(s.engine.policy().matrix());
    let (body, kind, name) = if xlsx {
        match hazardloop_export::ledger_xlsx(&rows, &cx) {
            Ok(b) => (
                b,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "ledger.xlsx",
            ),
            Err(e) => return failed(e),
        }
    } else {
        (hazardloop_export::ledger_csv(&rows, &cx), "text/csv; charset=utf-8", "ledger.csv")
    };
    (
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn ledger_csv<B: Backend, E: EvidenceStore>(
    State(c): St<B, E>,
    headers: HeaderMap,
    Query(p): Query<LedgerParams>,
) -> Response {
    download(&c, &headers, &p, false).await
}

pub(crate) async fn ledger_xlsx<B: Backend, E: EvidenceStore>(
    State(c): St<B, E>,
    headers: HeaderMap,
    Query(p): Query<LedgerParams>,
) -> Response {
    download(&c, &headers, &p, true).await
}

#[derive(Deserialize)]
pub(crate) struct FindQuery {
    #[serde(default)]
    q: String,
}

pub(crate) async fn find<B: Backend, E: EvidenceStore>(
    s: Signed<B, E>,
    Query(q): Query<FindQuery>,
) -> Response {
    match s.engine.resolve(&s.session.tenant, &q.q).await {
        Ok(_) => Redirect::to(&format!("/console/hazards/{}", encode(q.q.trim()))).into_response(),
        Err(_) => not_found(&s),
    }
}
