//! The OpenAPI document and the browsable `/api/docs` page, generated from the endpoint table.

use super::*;

/// This resource's rows of the endpoint table ([`super::ENDPOINTS`]).
pub(super) const ROWS: &[Endpoint] = &[
    ep!(
        "GET",
        "/api/openapi.json",
        get(openapi_json),
        Access::Public,
        "This API as OpenAPI 3.1",
        "OpenAPI 文档"
    )
    .media("application/json"),
    ep!(
        "GET",
        "/api/docs",
        get(docs_page),
        Access::Public,
        "Browsable API description",
        "接口说明页面"
    )
    .media("text/html"),
];

/// The OpenAPI 3.1 document, generated from [`ENDPOINTS`].
pub fn openapi() -> Value {
    use schemars::generate::{Contract, SchemaSettings};
    let settings = |contract: Contract, inline: bool| {
        let mut s = SchemaSettings::draft2020_12();
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
        s.contract = contract;
        s.inline_subschemas = inline;
        s.into_generator()
    };
    // Requests are read (deserialised), responses written (serialised): a field with a
    // default is optional in the one, one skipped when empty optional in the other.
    let mut requests = settings(Contract::Deserialize, false);
    let mut responses = settings(Contract::Serialize, false);
    let mut queries = settings(Contract::Deserialize, true);
    let problem = responses.subschema_for::<problem::Problem>();
    let mut paths = serde_json::Map::new();
    for ep in ENDPOINTS.iter() {
        let path = paths.entry(ep.path.to_owned()).or_insert_with(|| json!({}));
        let mut params: Vec<Value> = ep
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if let Some(q) = ep.query {
            let schema = q(&mut queries).to_value();
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (name, prop) in schema["properties"].as_object().into_iter().flatten() {
                let mut p = json!({"name": name, "in": "query", "required": required.contains(&name.as_str()), "schema": prop});
                if let Some(d) = prop.get("description") {
                    p["description"] = d.clone();
                }
                params.push(p);
            }
        }
        let roles: Vec<&str> = match ep.access {
            Access::Public => vec![],
            Access::Authenticated => vec!["any"],
            Access::Roles(r) => r.iter().map(|r| r.name()).collect(),
        };
        let ok = match (ep.response, ep.media) {
            (Some(f), Some(media)) => json!({
                "description": format!("OK: JSON, or with Accept: {media} (or application/octet-stream) the signed bytes themselves, the ledger entry's ID in the header {}", super::parts::USAGE_HEADER),
                "headers": {super::parts::USAGE_HEADER: {"description": "The ledger entry (用印记录) of a signature answered as bytes", "schema": {"type": "string"}}},
                "content": {
                    "application/json": {"schema": f(&mut responses)},
                    media: {"schema": {"type": "string", "format": "binary"}},
                },
            }),
            (Some(f), None) => {
                json!({"description": "OK", "content": {"application/json": {"schema": f(&mut responses)}}})
            }
            (None, Some(media)) => {
                json!({"description": "OK", "content": {media: {"schema": {"type": "string"}}}})
            }
            (None, None) => json!({"description": "Done (no body)"}),
        };
        let problem_answer = json!({"description": "Problem (RFC 9457)", "content": {"application/problem+json": {"schema": problem}}});
        let mut op = json!({
            "operationId": format!("{}{}", ep.method.to_ascii_lowercase(), ep.path.replace(['/', '{', '}', '-', '.'], "_")),
            "summary": ep.summary,
            "description": format!("{}。Roles: {}", ep.summary_zh, if roles.is_empty() { "public".to_owned() } else { roles.join(", ") }),
            "x-roles": roles,
            "parameters": params,
            "responses": {
                ep.status.to_string(): ok,
                "4XX": problem_answer,
                "5XX": problem_answer,
            }
        });
        if ep.access != Access::Public {
            op["security"] = json!([{"bearer": []}]);
        }
        match (ep.body, ep.request) {
            (Some("raw"), _) => {
                op["requestBody"] = json!({"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}});
            }
            (example, Some(f)) => {
                let schema = f(&mut requests);
                let mut content = json!({"schema": schema});
                if let Some(ex) = example.and_then(|e| serde_json::from_str::<Value>(e).ok()) {
                    content["example"] = ex;
                }
                op["requestBody"] =
                    json!({"required": true, "content": {"application/json": content}});
                if ep.document_part {
                    op["requestBody"]["content"]["multipart/form-data"] = json!({
                        "schema": {
                            "type": "object",
                            "required": ["request", "document"],
                            "properties": {
                                "request": schema,
                                "document": {"type": "string", "format": "binary", "description": "the document's bytes (instead of its base64 in the JSON)"},
                            },
                        },
                        "encoding": {"request": {"contentType": "application/json"}},
                    });
                }
            }
            _ => {}
        }
        path[ep.method.to_ascii_lowercase()] = op;
    }
    // One set of component schemas: what requests and responses share must be the same.
    let mut schemas = responses.take_definitions(true);
    for (name, schema) in requests.take_definitions(true) {
        schemas.entry(name).or_insert(schema);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "eseal 电子印章平台 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Seal registry: apply, review, make, file (备案), query, change, renew, revoke; use seals; verify. Errors are RFC 9457 problem JSON with a stable code; titles are zh-CN, or English with Accept-Language: en."
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        }
    })
}

/// The component schemas whose request (deserialised) and response (serialised) forms differ,
/// which one document cannot describe under one name (the test requires there are none).
pub fn schema_conflicts() -> Vec<String> {
    use schemars::generate::{Contract, SchemaSettings};
    let generator = |contract: Contract| {
        let mut s = SchemaSettings::draft2020_12();
        s.definitions_path = "/components/schemas".into();
        s.contract = contract;
        s.into_generator()
    };
    let (mut requests, mut responses) = (
        generator(Contract::Deserialize),
        generator(Contract::Serialize),
    );
    for ep in ENDPOINTS.iter() {
        if let Some(f) = ep.request {
            f(&mut requests);
        }
        if let Some(f) = ep.response {
            f(&mut responses);
        }
    }
    let out = responses.take_definitions(true);
    requests
        .take_definitions(true)
        .into_iter()
        .filter(|(name, schema)| out.get(name).is_some_and(|o| o != schema))
        .map(|(name, _)| name)
        .collect()
}

pub(crate) async fn openapi_json() -> Json<Value> {
    Json(openapi())
}

pub(crate) fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) async fn docs_page() -> Html<String> {
    let mut rows = String::new();
    for ep in ENDPOINTS.iter() {
        let roles = match ep.access {
            Access::Public => "公开 public".to_owned(),
            Access::Authenticated => "已登录 any user".to_owned(),
            Access::Roles(r) => r.iter().map(|r| r.name()).collect::<Vec<_>>().join(", "),
        };
        let body = ep
            .body
            .map(|b| format!("<pre>{}</pre>", html_escape(b)))
            .unwrap_or_default();
        rows.push_str(&format!(
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}<br><small>{}</small>{}</td><td>{}</td></tr>\n",
            ep.method,
            html_escape(ep.path),
            html_escape(ep.summary_zh),
            html_escape(ep.summary),
            body,
            html_escape(&roles)
        ));
    }
    let mut codes = String::new();
    for (c, zh, en) in problem::CODES {
        codes.push_str(&format!(
            "<tr><td><code>{c}</code></td><td>{zh}</td><td>{en}</td></tr>\n"
        ));
    }
    Html(format!(
        r#"<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>eseal API</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #ccc;padding:4px 8px;vertical-align:top}}pre{{margin:4px 0;white-space:pre-wrap;font-size:85%}}</style>
<h1>eseal 电子印章平台 API</h1>
<p>机器可读的描述 / machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>. 认证 / auth: <code>POST /api/v1/login</code> → <code>Authorization: Bearer &lt;token&gt;</code>.
错误为 RFC 9457 problem JSON，含稳定的 <code>code</code>；<code>Accept-Language: en</code> 返回英文标题。
示例中的 <code>{{{{…}}}}</code> 是占位符（口令、base64 数据、SM3 等）/ <code>{{{{…}}}}</code> in the examples are placeholders (a PIN, base64 data, an SM3 digest); request and response schemas are in the OpenAPI document.</p>
<table><tr><th>方法</th><th>路径</th><th>说明</th><th>角色 roles</th></tr>
{rows}</table>
<h2>错误代码 / problem codes</h2><table><tr><th>code</th><th>中文</th><th>English</th></tr>
{codes}</table></html>"#
    ))
}
