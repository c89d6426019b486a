//! The pages and the form handlers.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hazardloop_core::calendar::Calendar;
use hazardloop_core::duty::{Incident, IncidentClock, RecordId, RecordQuery, RecordRow};
use hazardloop_core::engine::{Engine, EngineError, Request};
use hazardloop_core::inspection::{
    Answer, InspectionCommand, Occurrence, OccurrenceId, OccurrenceQuery, Response as Resp,
};
use hazardloop_core::model::{
    Actor, Category, Evidence, Grade, HazardId, Lang, Named, RiskColour, UnitId,
};
use hazardloop_core::org::Org;
use hazardloop_core::report::{CellContext, Column, LedgerFilter, LedgerRow, Period};
use hazardloop_core::workflow::{Hazard, StageKind};
use serde::Deserialize;

use crate::backend::Backend;
use crate::evidence::{sha256_hex, EvidenceStore};
use crate::forms::{self, ActionForm};
use crate::session::{clear_cookie, same, set_cookie, Session};
use crate::text::Text;
use crate::view::time;
use crate::Console;

type St<B, E> = State<Arc<Console<B, E>>>;
type Eng<B> = Engine<<B as Backend>::Store, <B as Backend>::Notifier>;

/// What every page's frame shows.
pub(crate) struct Chrome {
    pub(crate) t: Text,
    pub(crate) title: String,
    pub(crate) user: String,
    pub(crate) csrf: String,
    pub(crate) active: &'static str,
    pub(crate) signed_in: bool,
}

/// The signed-in person of a request: an extractor that answers with a redirect to the
/// sign-in page when there is none.
pub(crate) struct Signed<B: Backend, E: EvidenceStore> {
    session: Session,
    engine: Arc<Eng<B>>,
    org: Arc<Org>,
    actor: Actor,
    console: std::marker::PhantomData<fn() -> E>,
}

impl<B: Backend, E: EvidenceStore> Signed<B, E> {
    fn t(&self) -> Text {
        Text(self.session.lang)
    }
    fn tz(&self) -> chrono_tz::Tz {
        self.engine.policy().calendar().time_zone()
    }
    fn chrome(&self, title: impl Into<String>, active: &'static str) -> Chrome {
        let user = self
            .org
            .person(&self.session.person)
            .map_or_else(|| self.session.person.to_string(), |p| p.name.clone());
        Chrome {
            t: self.t(),
            title: title.into(),
            user,
            csrf: self.session.csrf.clone(),
            active,
            signed_in: true,
        }
    }
}

/// The signed-in person of a request, or a redirect to the sign-in page.
// The error is the handler's whole answer, returned at once: boxing it would only add a step.
#[allow(clippy::result_large_err)]
fn signed<B: Backend, E: EvidenceStore>(
    c: &Console<B, E>,
    headers: &HeaderMap,
) -> Result<Signed<B, E>, Response> {
    let engine = c.backend.engine();
    let to_login = || Redirect::to("/console/login").into_response();
    let session = c.sessions.find(headers, engine.now()).ok_or_else(to_login)?;
    let org = engine.org(&session.tenant).map_err(|_| to_login())?;
    let actor = org.actor(&session.person).ok_or_else(to_login)?;
    Ok(Signed { session, engine, org, actor, console: std::marker::PhantomData })
}

impl<B: Backend, E: EvidenceStore> axum::extract::FromRequestParts<Arc<Console<B, E>>>
    for Signed<B, E>
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        console: &Arc<Console<B, E>>,
    ) -> Result<Signed<B, E>, Response> {
        signed(console, &parts.headers)
    }
}

fn page(t: impl Template) -> Response {
    match t.render() {
        Ok(html) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            html,
        )
            .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("template: {e}")).into_response(),
    }
}

/// A form's CSRF token matches the session's; otherwise 403.
#[allow(clippy::result_large_err)]
fn check_csrf(session: &Session, form: &HashMap<String, String>) -> Result<(), Response> {
    match form.get("csrf") {
        Some(token) if same(token, &session.csrf) => Ok(()),
        _ => {
            Err((StatusCode::FORBIDDEN, "CSRF token missing or wrong / 表单校验失败")
                .into_response())
        }
    }
}

fn secure<B: Backend, E: EvidenceStore>(c: &Console<B, E>, headers: &HeaderMap) -> bool {
    c.config.secure_cookies
        || headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https")
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    failed: bool,
}

pub(crate) async fn home() -> Redirect {
    Redirect::to("/console/ledger")
}

pub(crate) async fn login_page<B: Backend, E: EvidenceStore>(
    State(c): St<B, E>,
    headers: HeaderMap,
) -> Response {
    let lang = c.sessions.find(&headers, c.backend.engine().now()).map_or(Lang::Zh, |s| s.lang);
    let t = Text(lang);
    page(LoginPage {
        chrome: Chrome {
            t,
            title: t.s("sign_in").into(),
            user: String::new(),
            csrf: String::new(),
            active: "",
            signed_in: false,
        },
        failed: false,
    })
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    token: String,
}

pub(crate) async fn login_submit<B: Backend, E: EvidenceStore>(
    State(c): St<B, E>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let engine = c.backend.engine();
    let who = if !form.code.trim().is_empty() {
        crate::login::redeem(&engine, &form.code).await
    } else if !form.token.trim().is_empty() {
        c.backend.token_person(form.token.trim()).await
    } else {
        None
    };
    let started = who.and_then(|(tenant, person)| {
        c.sessions.start(tenant, person, Lang::Zh, engine.now(), c.config.session_ttl)
    });
    match started {
        Some((id, _)) => {
            // Any session cookie the browser brought is replaced: the id is always new.
            let cookie = set_cookie(&id, c.config.session_ttl, secure(&c, &headers));
            let mut r = Redirect::to("/console/ledger").into_response();
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        None => {
            let t = Text(Lang::Zh);
            let mut r = page(LoginPage {
                chrome: Chrome {
                    t,
                    title: t.s("sign_in").into(),
                    user: String::new(),
                    csrf: String::new(),
                    active: "",
                    signed_in: false,
                },
                failed: true,
            });
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            r
        }
    }
}

pub(crate) async fn logout<B: Backend, E: EvidenceStore>(
    State(c): St<B, E>,
    headers: HeaderMap,
    s: Signed<B, E>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = check_csrf(&s.session, &form) {
        return r;
    }
    c.sessions.end(&headers);
    let mut r = Redirect::to("/console/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_cookie(secure(&c, &headers))) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub(crate) struct LangQuery {
    to: String,
}

pub(crate) async fn lang<B: Backend, E: EvidenceStore>(
    State(c): St<B, E>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    c.sessions.set_lang(&headers, if q.to == "en" { Lang::En } else { Lang::Zh });
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/console/").map(|i| r[i..].to_owned()))
        .unwrap_or_else(|| "/console/ledger".into());
    Redirect::to(&back).into_response()
}

// ---------------------------------------------------------------------------------------------
// The ledger.

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

/// Percent-encodes a query value.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every row the filters select, in the order chosen (what the page shows, all pages).
async fn selected<B: Backend, E: EvidenceStore>(
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
    reference: String,
    number: String,
    title: String,
    location: String,
    category: String,
    grade: String,
    colour: String,
    colour_code: String,
    stage: String,
    deadline: String,
    overdue: bool,
    assignee: String,
}

fn line(r: &LedgerRow, cx: &CellContext<'_>, org: &Org, lang: Lang) -> Line {
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

fn failed(e: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
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

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    chrome: Chrome,
    message: String,
}

fn not_found<B: Backend, E: EvidenceStore>(s: &Signed<B, E>) -> Response {
    let t = s.t();
    let mut r = page(MessagePage {
        chrome: s.chrome(t.s("not_found"), ""),
        message: t.s("not_found").into(),
    });
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

// ---------------------------------------------------------------------------------------------
// A hazard.

pub(crate) struct Entry {
    at: String,
    name: String,
    detail: String,
}

pub(crate) struct Clock {
    name: String,
    due: String,
    left: i32,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "hazard.html")]
struct HazardPage {
    chrome: Chrome,
    reference: String,
    version: u64,
    number: String,
    row: Line,
    description: String,
    source: String,
    found_by: String,
    found_at: String,
    score: String,
    provisional: bool,
    clocks: Vec<Clock>,
    timeline: Vec<Entry>,
    evidence: Vec<String>,
    finding: String,
    forms: Vec<ActionForm>,
    error: String,
    stale: bool,
}

/// The hazard a page refers to (number or id) in the signed-in tenant.
async fn load<B: Backend, E: EvidenceStore>(
    s: &Signed<B, E>,
    reference: &str,
) -> Option<(HazardId, Hazard, Vec<hazardloop_core::chain::Recorded>)> {
    let id = s.engine.resolve(&s.session.tenant, reference).await.ok()?;
    let view = s.engine.hazard(&s.session.tenant, id).await.ok()?;
    Some((id, view.hazard, view.timeline))
}

async fn hazard_page<B: Backend, E: EvidenceStore>(
    s: &Signed<B, E>,
    reference: &str,
    error: String,
    stale: bool,
) -> Response {
    let Some((_, hazard, timeline)) = load(s, reference).await else {
        return not_found(s);
    };
    let lang = s.session.lang;
    let tz = s.tz();
    let now = s.engine.now();
    let policy = s.engine.policy();
    let cal = policy.calendar();
    let row = LedgerRow::from_hazard(&hazard, now);
    let cx = CellContext::new(lang, tz).with_org(&s.org).with_matrix(policy.matrix());
    let name = |p: &hazardloop_core::model::PersonId| {
        s.org.person(p).map_or_else(|| p.to_string(), |x| x.name.clone())
    };
    let mut evidence: Vec<String> =
        hazard.stage.facts().evidence.iter().map(|e| e.uri.clone()).collect();
    for r in &timeline {
        match &r.event {
            hazardloop_core::workflow::Event::TreatmentCompleted { completion } => {
                evidence.extend(completion.evidence.iter().map(|e| e.uri.clone()));
            }
            hazardloop_core::workflow::Event::EvidenceAdded { evidence: added, .. } => {
                evidence.extend(added.iter().map(|e| e.uri.clone()));
            }
            _ => {}
        }
    }
    let clocks = hazard
        .clocks
        .iter()
        .map(|(kind, due)| Clock {
            name: kind.name(lang).to_owned(),
            due: time(due, tz),
            left: cal.working_days_between(now, due),
            overdue: due < now,
        })
        .collect();
    let timeline = timeline
        .iter()
        .map(|r| Entry {
            at: time(r.recorded_at, tz),
            name: r.event.name(lang).to_owned(),
            detail: hazardloop_export::event_detail(&r.event, &row, &s.org, lang, tz),
        })
        .collect();
    let facts = hazard.stage.facts();
    let page_model = HazardPage {
        chrome: s.chrome(row.title.clone(), "ledger"),
        reference: reference.to_owned(),
        version: hazard.version,
        number: row.number.clone().unwrap_or_else(|| row.id.to_string()),
        description: facts.description.clone(),
        source: facts.source.name(lang).to_owned(),
        found_by: name(&facts.discovered_by),
        found_at: time(facts.discovered_at, tz),
        score: row.score.map(|s| format!("{s:.0}")).unwrap_or_default(),
        provisional: row.deadline_provisional,
        evidence,
        finding: row.finding.as_ref().map(|f| f.to_string()).unwrap_or_default(),
        forms: forms::offered(&hazard, &s.actor, &s.org, policy, now, lang),
        row: line(&row, &cx, &s.org, lang),
        clocks,
        timeline,
        error,
        stale,
    };
    page(page_model)
}

pub(crate) async fn hazard<B: Backend, E: EvidenceStore>(
    s: Signed<B, E>,
    Path(reference): Path<String>,
) -> Response {
    hazard_page(&s, &reference, String::new(), false).await
}

/// The fields and the uploaded photo of an action form.
async fn read_form(
    mut multipart: Option<Multipart>,
    body: Option<HashMap<String, String>>,
) -> (HashMap<String, String>, Option<(String, String, Vec<u8>)>) {
    let mut fields = body.unwrap_or_default();
    let mut file = None;
    if let Some(m) = multipart.as_mut() {
        while let Ok(Some(part)) = m.next_field().await {
            let name = part.name().unwrap_or_default().to_owned();
            if part.file_name().is_some() {
                let file_name = part.file_name().unwrap_or_default().to_owned();
                let media = part.content_type().unwrap_or("application/octet-stream").to_owned();
                if let Ok(bytes) = part.bytes().await {
                    if !bytes.is_empty() {
                        file = Some((file_name, media, bytes.to_vec()));
                    }
                }
            } else if let Ok(v) = part.text().await {
                fields.insert(name, v);
            }
        }
    }
    (fields, file)
}

pub(crate) async fn act<B: Backend, E: EvidenceStore>(
    State(c): St<B, E>,
    headers: HeaderMap,
    s: Signed<B, E>,
    Path((reference, step)): Path<(String, String)>,
    request: axum::extract::Request,
) -> Response {
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (fields, file) = if is_multipart {
        match <Multipart as axum::extract::FromRequest<()>>::from_request(request, &()).await {
            Ok(m) => read_form(Some(m), None).await,
            Err(e) => return e.into_response(),
        }
    } else {
        match <axum::Form<HashMap<String, String>> as axum::extract::FromRequest<()>>::from_request(
            request,
            &(),
        )
        .await
        {
            Ok(axum::Form(f)) => read_form(None, Some(f)).await,
            Err(e) => return e.into_response(),
        }
    };
    if let Err(r) = check_csrf(&s.session, &fields) {
        return r;
    }
    let Some(step) = forms::step_of(&step) else {
        return not_found(&s);
    };
    let Ok(id) = s.engine.resolve(&s.session.tenant, &reference).await else {
        return not_found(&s);
    };
    let mut evidence = Vec::new();
    if let Some((name, media, bytes)) = file {
        let sha = sha256_hex(&bytes);
        match c.evidence.put(&name, &media, &sha, bytes).await {
            Ok(uri) => evidence.push(Evidence { uri, sha256: sha, media_type: media }),
            Err(e) => return failed(e),
        }
    }
    let cal = s.engine.policy().calendar();
    let command = match forms::command(step, &fields, evidence, cal) {
        Ok(c) => c,
        Err(e) => return hazard_page(&s, &reference, e, false).await,
    };
    let version = fields.get("version").and_then(|v| v.parse::<u64>().ok());
    let mut request = Request::to(Some(id), command);
    if let Some(v) = version {
        request = request.if_version(v);
    }
    match s.engine.execute(&s.actor, request).await {
        Ok(_) => Redirect::to(&format!("/console/hazards/{}", encode(&reference))).into_response(),
        Err(EngineError::Stale { .. } | EngineError::Conflict { .. }) => {
            let mut r = hazard_page(&s, &reference, String::new(), true).await;
            *r.status_mut() = StatusCode::CONFLICT;
            r
        }
        Err(e) => {
            let mut r = hazard_page(&s, &reference, refusal(&e, s.session.lang), false).await;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
    }
}

/// A refusal in the reader's language: in Chinese the rule's name (the engine's details are
/// English), in English the rule's name and the detail.
fn refusal(e: &EngineError, lang: Lang) -> String {
    let rule = match e {
        EngineError::Workflow(w) => w.rule().map(|r| r.name(lang)),
        _ => None,
    };
    match (rule, lang) {
        (Some(rule), Lang::Zh) => format!("{rule}（规则）"),
        (Some(rule), Lang::En) => format!("{rule}: {e}"),
        (None, Lang::Zh) => format!("输入有误：{}", field_of(e)),
        (None, Lang::En) => e.to_string(),
    }
}

/// The field an input error names (its path), else the error as it stands.
fn field_of(e: &EngineError) -> String {
    let text = e.to_string();
    text.split_once(':').map_or(text.clone(), |(field, _)| field.trim().to_owned())
}

// ---------------------------------------------------------------------------------------------
// The overdue board and the statistics.

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

fn hazard_error<B: Backend, E: EvidenceStore>(s: &Signed<B, E>, message: String) -> Response {
    let mut r = page(MessagePage { chrome: s.chrome(s.t().s("refused"), ""), message });
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}

// ---------------------------------------------------------------------------------------------
// Incidents.

#[derive(Template)]
#[template(path = "incidents.html")]
struct IncidentsPage {
    chrome: Chrome,
    rows: Vec<(String, String, String, String, bool)>,
}

pub(crate) async fn incidents<B: Backend, E: EvidenceStore>(s: Signed<B, E>) -> Response {
    let list: Vec<RecordRow> =
        match s.engine.incidents(&s.session.tenant, &RecordQuery::default()).await {
            Ok(rows) => rows,
            Err(e) => return failed(e),
        };
    let tz = s.tz();
    let rows = list
        .iter()
        .rev()
        .filter(|r| s.org.is_within_any(&r.unit, &s.actor.units))
        .map(|r| (r.id.to_string(), r.title.clone(), time(r.at, tz), r.status.clone(), r.late))
        .collect();
    let t = s.t();
    page(IncidentsPage { chrome: s.chrome(t.s("incidents"), "incidents"), rows })
}

pub(crate) struct ReportClock {
    name: String,
    due: String,
    state: String,
    late: bool,
}

#[derive(Template)]
#[template(path = "incident.html")]
struct IncidentPage {
    chrome: Chrome,
    incident: Incident,
    kind: String,
    learned: String,
    clocks: Vec<ReportClock>,
    reports: Vec<(String, String, String)>,
}

pub(crate) async fn incident<B: Backend, E: EvidenceStore>(
    s: Signed<B, E>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = RecordId::parse_as(&id, "id") else { return not_found(&s) };
    let Ok(incident) = s.engine.load_incident(&s.session.tenant, &id).await else {
        return not_found(&s);
    };
    if !s.org.is_within_any(&incident.unit, &s.actor.units) {
        return not_found(&s);
    }
    let (lang, tz, now, t) = (s.session.lang, s.tz(), s.engine.now(), s.t());
    let clocks = [IncidentClock::Phone, IncidentClock::Written]
        .into_iter()
        .map(|k| {
            let c = incident.clock(k);
            let state = match c.met_at {
                Some(at) if c.late() => {
                    format!("{} {}（{}）", t.s("met"), time(at, tz), t.s("late"))
                }
                Some(at) => format!("{} {}", t.s("met"), time(at, tz)),
                None if c.overdue_at(now) => t.s("missed").to_owned(),
                None => t.s("waiting").to_owned(),
            };
            ReportClock {
                name: k.name(lang).to_owned(),
                due: time(c.due, tz),
                state,
                late: c.late() || c.overdue_at(now),
            }
        })
        .collect();
    let reports = incident
        .reports
        .iter()
        .map(|r| (time(r.at, tz), r.way.name(lang).to_owned(), r.note.clone().unwrap_or_default()))
        .collect();
    page(IncidentPage {
        chrome: s.chrome(incident.title.clone(), "incidents"),
        kind: incident.kind.name(lang).to_owned(),
        learned: time(incident.learned_at, tz),
        clocks,
        reports,
        incident,
    })
}

// ---------------------------------------------------------------------------------------------
// Inspections.

#[derive(Template)]
#[template(path = "inspections.html")]
struct InspectionsPage {
    chrome: Chrome,
    today: Vec<(String, String, String, String)>,
    calendar: Vec<(String, String, String, String)>,
}

pub(crate) async fn inspections<B: Backend, E: EvidenceStore>(s: Signed<B, E>) -> Response {
    let tz = s.tz();
    let cal = s.engine.policy().calendar();
    let today = cal.local_date(s.engine.now());
    let mine =
        s.engine.due_for(&s.session.tenant, &s.session.person, today).await.unwrap_or_default();
    let status = |r: &hazardloop_core::inspection::OccurrenceRow| {
        if r.completed_at.is_some() {
            "已完成"
        } else if r.missed_at.is_some() {
            "漏检"
        } else {
            "待检查"
        }
        .to_owned()
    };
    let today_rows = mine
        .iter()
        .map(|r| (encode(r.id.as_str()), r.title.clone(), time(r.due, tz), status(r)))
        .collect();
    let start = cal.end_of_day(today) - chrono::Duration::days(1);
    let query = OccurrenceQuery {
        due_from: Some(start),
        due_to: Some(start + chrono::Duration::days(15)),
        ..OccurrenceQuery::default()
    };
    let upcoming = s.engine.occurrences(&s.session.tenant, &query).await.unwrap_or_default();
    let calendar = upcoming
        .iter()
        .filter(|r| s.org.is_within_any(&r.unit, &s.actor.units))
        .map(|r| {
            (
                r.first_day.to_string(),
                r.title.clone(),
                s.org
                    .person(&r.inspector)
                    .map_or_else(|| r.inspector.to_string(), |p| p.name.clone()),
                status(r),
            )
        })
        .collect();
    let t = s.t();
    page(InspectionsPage {
        chrome: s.chrome(t.s("inspections"), "inspections"),
        today: today_rows,
        calendar,
    })
}

pub(crate) struct ItemLine {
    id: String,
    prompt: String,
    section: String,
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct InspectionPage {
    chrome: Chrome,
    id: String,
    title: String,
    due: String,
    items: Vec<ItemLine>,
    done: bool,
    error: String,
}

async fn inspection_page<B: Backend, E: EvidenceStore>(
    s: &Signed<B, E>,
    raw: &str,
    error: String,
) -> Response {
    let Ok(id) = OccurrenceId::parse(raw) else { return not_found(s) };
    let Ok(Some(o)) = s.engine.occurrence(&s.session.tenant, &id).await else {
        return not_found(s);
    };
    let o: Occurrence = o;
    let template = s.engine.template(&s.session.tenant, &o.scheduled.template).await.ok().flatten();
    let lang = s.session.lang;
    let items = template
        .map(|t| {
            t.sections
                .iter()
                .flat_map(|sec| {
                    let title =
                        if lang == Lang::Zh { sec.title_zh.clone() } else { sec.title_en.clone() };
                    sec.items.iter().map(move |i| ItemLine {
                        id: i.id.clone(),
                        prompt: if lang == Lang::Zh {
                            i.prompt_zh.clone()
                        } else {
                            i.prompt_en.clone()
                        },
                        section: title.clone(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    page(InspectionPage {
        chrome: s.chrome(o.scheduled.title.clone(), "inspections"),
        id: encode(raw),
        title: o.scheduled.title.clone(),
        due: time(o.scheduled.slot.due, s.tz()),
        items,
        done: o.completed.is_some(),
        error,
    })
}

pub(crate) async fn inspection<B: Backend, E: EvidenceStore>(
    s: Signed<B, E>,
    Path(id): Path<String>,
) -> Response {
    inspection_page(&s, &id, String::new()).await
}

pub(crate) async fn perform<B: Backend, E: EvidenceStore>(
    State(c): St<B, E>,
    s: Signed<B, E>,
    Path(raw): Path<String>,
    mut multipart: Multipart,
) -> Response {
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut photos: HashMap<String, Evidence> = HashMap::new();
    while let Ok(Some(part)) = multipart.next_field().await {
        let name = part.name().unwrap_or_default().to_owned();
        if let Some(file_name) = part.file_name().map(str::to_owned) {
            let media = part.content_type().unwrap_or("application/octet-stream").to_owned();
            let Ok(bytes) = part.bytes().await else { continue };
            if bytes.is_empty() {
                continue;
            }
            let sha = sha256_hex(&bytes);
            match c.evidence.put(&file_name, &media, &sha, bytes.to_vec()).await {
                Ok(uri) => {
                    photos.insert(
                        name.trim_start_matches("photo:").to_owned(),
                        Evidence { uri, sha256: sha, media_type: media },
                    );
                }
                Err(e) => return failed(e),
            }
        } else if let Ok(v) = part.text().await {
            fields.insert(name, v);
        }
    }
    if let Err(r) = check_csrf(&s.session, &fields) {
        return r;
    }
    let Ok(id) = OccurrenceId::parse(&raw) else { return not_found(&s) };
    let answers: Vec<Answer> = fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("item:").map(|item| (item, v)))
        .filter_map(|(item, v)| {
            let response = match v.as_str() {
                "pass" => Resp::Pass,
                "fail" => Resp::Fail,
                "na" => Resp::NotApplicable,
                _ => return None,
            };
            Some(Answer {
                item: item.to_owned(),
                response,
                comment: fields.get(&format!("comment:{item}")).cloned().unwrap_or_default(),
                evidence: photos.get(item).cloned().into_iter().collect(),
                location: None,
                fixed_on_the_spot: None,
            })
        })
        .collect();
    match s.engine.inspect(&s.actor, &id, InspectionCommand::Complete { answers }).await {
        Ok(_) => Redirect::to(&format!("/console/inspections/{}", encode(&raw))).into_response(),
        Err(e) => {
            let message = match (&e, s.session.lang) {
                (EngineError::Inspection(i), Lang::Zh) => match i.rule() {
                    Some(rule) => format!("{}（规则）", rule.name(Lang::Zh)),
                    None => format!("输入有误：{}", field_of(&e)),
                },
                (other, _) => other.to_string(),
            };
            let mut r = inspection_page(&s, &raw, message).await;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            r
        }
    }
}
