//! A real HTTP receiver on 127.0.0.1 for the tests: logs every request, checks the generic
//! webhook's signature and idempotency key like a production receiver, drops repeats by key,
//! and answers as the test scripts it (status codes, robot errcodes, or hanging).

#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use hazardloop_core::clock::Clock;
use hazardloop_core::model::Lang;
use hazardloop_core::notify::{Addressee, Delivery, Notice, NoticeKind};
use hazardloop_core::org::{Contacts, Org};
use hazardloop_core::workflow::StageKind;
use hazardloop_testkit::Fixture;
use hazardloop_webhook::{verify_signature, SignatureError};

/// One request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    pub json: serde_json::Value,
    /// The signature check, when the server has a secret.
    pub signature: Option<Result<(), SignatureError>>,
    /// The `Idempotency-Key` header.
    pub key: Option<String>,
    /// How many requests with this key came before this one.
    pub attempt: usize,
}

/// How to answer.
#[derive(Clone, Debug)]
pub enum Reply {
    Status(u16, String),
    Hang,
}

impl Reply {
    pub fn ok() -> Reply {
        Reply::Status(200, "ok".into())
    }
    pub fn robot(errcode: i64) -> Reply {
        Reply::Status(200, format!(r#"{{"errcode":{errcode},"errmsg":"scripted {errcode}"}}"#))
    }
}

type Script = Arc<dyn Fn(&Received, usize) -> Reply + Send + Sync>;

struct State {
    secret: Option<String>,
    clock: Arc<dyn Clock>,
    log: Mutex<Vec<Received>>,
    /// Keys answered 2xx, in order: a key's first 2xx is when the receiver "processes" it.
    processed: Mutex<Vec<String>>,
    script: Mutex<Script>,
}

/// The receiver.
#[derive(Clone)]
pub struct Server {
    pub addr: SocketAddr,
    state: Arc<State>,
}

impl Server {
    /// A receiver on a free port answering 200 to everything.
    pub async fn start(secret: Option<&str>, clock: Arc<dyn Clock>) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Server::serve(listener, secret, clock)
    }

    /// A receiver on `addr` (a port the test reserved earlier).
    pub async fn start_on(addr: SocketAddr, secret: Option<&str>, clock: Arc<dyn Clock>) -> Server {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        Server::serve(listener, secret, clock)
    }

    fn serve(
        listener: tokio::net::TcpListener,
        secret: Option<&str>,
        clock: Arc<dyn Clock>,
    ) -> Server {
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            secret: secret.map(str::to_string),
            clock,
            log: Mutex::new(Vec::new()),
            processed: Mutex::new(Vec::new()),
            script: Mutex::new(Arc::new(|_: &Received, _: usize| Reply::ok())),
        });
        let shared = state.clone();
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let state = shared.clone();
            async move { handle(state, uri, headers, body).await }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        Server { addr, state }
    }

    /// Answers with `script(request, index of the request overall)` from now on.
    pub fn script(&self, script: impl Fn(&Received, usize) -> Reply + Send + Sync + 'static) {
        *self.state.script.lock().unwrap() = Arc::new(script);
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Received> {
        self.state.log.lock().unwrap().clone()
    }

    /// Keys answered 2xx, in order, repeats included.
    pub fn acknowledged(&self) -> Vec<String> {
        self.state.processed.lock().unwrap().clone()
    }
}

async fn handle(state: Arc<State>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let query: HashMap<String, String> = uri
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let signature = state.secret.as_ref().map(|secret| {
        verify_signature(
            secret,
            &header("x-hazardloop-timestamp").unwrap_or_default(),
            &body,
            &header("x-hazardloop-signature").unwrap_or_default(),
            state.clock.now(),
            Duration::minutes(5),
        )
    });
    let key = header("idempotency-key");
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    let (received, index) = {
        let mut log = state.log.lock().unwrap();
        let attempt = log.iter().filter(|r| key.is_some() && r.key == key).count();
        let received = Received {
            path: uri.path().to_string(),
            query,
            headers: headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
                .collect(),
            body: body.to_vec(),
            json: json.clone(),
            signature: signature.clone(),
            key: key.clone(),
            attempt,
        };
        log.push(received.clone());
        (received, log.len() - 1)
    };
    // A production receiver's checks come first.
    if let Some(Err(e)) = signature {
        return (StatusCode::UNAUTHORIZED, e.to_string()).into_response();
    }
    if state.secret.is_some() && json["idempotency_key"].as_str() != key.as_deref() {
        return (StatusCode::BAD_REQUEST, "the key header and payload differ").into_response();
    }
    let script = state.script.lock().unwrap().clone();
    match script(&received, index) {
        Reply::Hang => std::future::pending().await,
        Reply::Status(code, text) => {
            let status = StatusCode::from_u16(code).unwrap();
            if status.is_success() {
                if let Some(key) = key {
                    state.processed.lock().unwrap().push(key);
                }
            }
            (status, text).into_response()
        }
    }
}

/// Full contacts for everyone: `<id>@school.example.cn`, a mobile, WeCom and DingTalk ids.
pub fn with_contacts(f: Fixture) -> Fixture {
    let mut config = f.org.to_config();
    for (i, p) in config.people.iter_mut().enumerate() {
        p.contacts = Contacts {
            email: Some(format!("{}@school.example.cn", p.id)),
            mobile: Some(format!("1380000{i:04}")),
            wecom_user: Some(format!("wx-{}", p.id)),
            dingtalk_user: Some(format!("dd-{}", p.id)),
        };
    }
    let org = Org::from_config(f.tenant.clone(), config).unwrap();
    Fixture { org, ..f }
}

/// A delivery of one overdue notice (or `n` notices, a digest) to the worker.
pub fn delivery(key: &str, contacts: Contacts, n: usize) -> Delivery {
    let f = Fixture::school();
    let (hazard, _) = f.walked(hazardloop_core::model::Grade::General, StageKind::Treating);
    let notice = Notice {
        kind: NoticeKind::Overdue,
        hazard: hazard.id,
        number: None,
        title: hazard.stage.facts().title.clone(),
        location: hazard.stage.facts().location.clone(),
        stage: hazard.kind(),
        clock: Some(hazardloop_core::deadline::ClockKind::Rectify),
        due: Some(f.start),
        note: Some("扶手松动，已设警示带".into()),
        occurrence: None,
        record: None,
    };
    Delivery {
        idempotency_key: key.into(),
        tenant: f.tenant.clone(),
        to: Addressee { person: f.people.worker.clone(), name: "孙师傅".into(), contacts },
        notices: vec![notice; n.max(1)],
        lang: Lang::Zh,
    }
}

pub fn full_contacts() -> Contacts {
    Contacts {
        email: Some("sun@school.example.cn".into()),
        mobile: Some("13800000000".into()),
        wecom_user: Some("sunshifu".into()),
        dingtalk_user: Some("dd-sun".into()),
    }
}
