//! What the route table says of each route: its method, path, summary, body and answer, from
//! which the OpenAPI document is written.

/// What a route's request body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// None.
    None,
    /// A JSON object: the members of the named command or document.
    Json,
    /// A TOML text (templates, plans, the policy).
    Toml,
}

/// A route's documentation.
#[derive(Clone, Debug)]
pub struct Doc {
    /// `get`, `post` or `put`.
    pub method: &'static str,
    /// The path template, as in OpenAPI (`/v1/hazards/{id}`).
    pub path: String,
    /// The operation id.
    pub id: String,
    /// What it does (Chinese, then English).
    pub summary: String,
    /// Its group.
    pub tag: &'static str,
    /// Its request body.
    pub body: Body,
    /// The status of success.
    pub ok: u16,
    /// Whether a bearer token is needed.
    pub auth: bool,
    /// The media type of success.
    pub produces: &'static str,
}

pub(super) fn doc(
    method: &'static str,
    path: impl Into<String>,
    id: impl Into<String>,
    summary: impl Into<String>,
    tag: &'static str,
) -> Doc {
    Doc {
        method,
        path: path.into(),
        id: id.into(),
        summary: summary.into(),
        tag,
        body: Body::None,
        ok: 200,
        auth: true,
        produces: "application/json",
    }
}

impl Doc {
    pub(super) fn body(mut self, body: Body) -> Doc {
        self.body = body;
        self
    }
    pub(super) fn ok(mut self, status: u16) -> Doc {
        self.ok = status;
        self
    }
    pub(super) fn open(mut self) -> Doc {
        self.auth = false;
        self
    }
    pub(super) fn produces(mut self, media: &'static str) -> Doc {
        self.produces = media;
        self
    }
}
