//! The pages and the form handlers: what every page shares (the frame, the signed-in person,
//! CSRF, answers), and one module per section.

mod auth;
mod board;
mod hazard;
mod incidents;
mod inspections;
mod ledger;

pub(crate) use auth::*;
pub(crate) use board::*;
pub(crate) use hazard::*;
pub(crate) use incidents::*;
pub(crate) use inspections::*;
pub(crate) use ledger::*;

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

fn failed(e: impl std::fmt::Display) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
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

fn hazard_error<B: Backend, E: EvidenceStore>(s: &Signed<B, E>, message: String) -> Response {
    let mut r = page(MessagePage { chrome: s.chrome(s.t().s("refused"), ""), message });
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    r
}
