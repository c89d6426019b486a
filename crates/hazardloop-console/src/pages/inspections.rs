//! Inspections (检查): today's, the plan calendar, and the checklist form.

use super::*;

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
