//! A hazard's page and the forms of the steps its reader may take now.

use super::*;

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
pub(crate) fn field_of(e: &EngineError) -> String {
    let text = e.to_string();
    text.split_once(':').map_or(text.clone(), |(field, _)| field.trim().to_owned())
}
