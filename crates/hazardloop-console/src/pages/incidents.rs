//! Incidents (突发事件) and their report clocks.

use super::*;

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
