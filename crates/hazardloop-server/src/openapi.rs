//! The OpenAPI 3.1 document, built with `utoipa` from the route table ([`crate::routes::table`]).

use std::sync::OnceLock;

use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem,
    PathsBuilder, Ref, Required,
};
use utoipa::PartialSchema;

use crate::problem::Problem;
use crate::routes::{docs, Body};

/// The document.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for d in docs() {
        let method = match d.method {
            "get" => HttpMethod::Get,
            "put" => HttpMethod::Put,
            _ => HttpMethod::Post,
        };
        let problem = ResponseBuilder::new()
            .description("问题（RFC 9457 problem details）")
            .content(
                "application/problem+json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
            )
            .build();
        let ok = ResponseBuilder::new()
            .description(if d.ok == 201 { "已创建（created）" } else { "成功（ok）" })
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                    .build(),
            )
            .build();
        let mut op = OperationBuilder::new()
            .operation_id(Some(d.id.clone()))
            .summary(Some(d.summary.clone()))
            .tag(d.tag)
            .response(d.ok.to_string(), ok)
            .response("default", problem);
        for name in path_parameters(&d.path) {
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        let media = match d.body {
            Body::None => None,
            Body::Json => Some("application/json"),
            Body::Toml => Some("application/toml"),
        };
        if let Some(media) = media {
            let schema = match d.body {
                Body::Toml => ObjectBuilder::new().schema_type(Type::String),
                _ => ObjectBuilder::new().schema_type(Type::Object),
            };
            let body = RequestBodyBuilder::new()
                .description(Some(format!("{}: the command's or document's members", d.id)))
                .content(media, ContentBuilder::new().schema(Some(schema)).build())
                .required(Some(Required::True))
                .build();
            op = op.request_body(Some(body));
        }
        if !d.auth {
            op = op.securities(Some(Vec::<SecurityRequirement>::new()));
        }
        paths = paths.path(d.path.clone(), PathItem::new(method, op.build()));
    }
    let mut components = ComponentsBuilder::new()
        .schema("Problem", Problem::schema())
        .schema("Extra", crate::problem::Extra::schema())
        .build();
    components
        .add_security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("hazardloop")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "学校安全隐患排查治理闭环（排查—登记—报告—治理—验收—销号—备案存档）的 HTTP 接口。\n\
                     The school-safety hazard loop as an HTTP API. Send `Authorization: Bearer hl_…`; \
                     errors are `application/problem+json`.",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components))
        .security(Some(vec![SecurityRequirement::new("token", Vec::<String>::new())]))
        .build()
}

/// The names of a path template's parameters (`/v1/campaigns/{code}/statistics`: `code`).
fn path_parameters(path: &str) -> impl Iterator<Item = &str> + '_ {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

/// `GET /v1/openapi.json`.
pub async fn serve() -> Response {
    static JSON: OnceLock<String> = OnceLock::new();
    let text = JSON.get_or_init(|| document().to_pretty_json().unwrap_or_default());
    ([(axum::http::header::CONTENT_TYPE, "application/json")], text.as_str()).into_response()
}
