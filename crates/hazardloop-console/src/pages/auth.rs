//! Signing in and out, and the language.

use super::*;

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
