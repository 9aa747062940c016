//! Bad input is the caller's mistake: a 4xx with a plain message naming the
//! field, never a 500 and never a decoder's internals.
//!
//! Two gaps close here. Leptos answers 500 for a server function whose
//! arguments do not decode (the function never runs, so it cannot set its
//! status): [`server_fn_status`] gives such answers the status of the
//! `AppError` they carry. And axum's own query rejection quotes the parser:
//! [`Params`] answers in our JSON shape instead.

use app::error::{AppError, malformed};
use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::error::ApiError;

/// Error bodies are small; anything larger is not one of ours.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// The largest server-function body read (axum's own default limit).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Refuses a server-function form whose fields are not valid UTF-8 (the
/// decoder would otherwise replace the bytes and carry on), and gives a
/// failed call the status its error stands for.
pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let is_server_fn = req.uri().path().starts_with("/api/fn/");
    let is_form = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let req = if is_server_fn && is_form {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
            return refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                AppError::Invalid {
                    field: "request".into(),
                    message: "The request is too large.".into(),
                },
            );
        };
        if let Some(field) = first_non_text_field(&bytes) {
            return refuse(
                StatusCode::BAD_REQUEST,
                AppError::Invalid {
                    message: format!("The {field} is not valid text."),
                    field,
                },
            );
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    let res = next.run(req).await;
    if !is_server_fn || res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ERROR_BODY_LIMIT).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(err.status())
        && status.is_client_error()
    {
        tracing::info!(status = status.as_u16(), error = %err, "refused a malformed server function call");
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn refuse(status: StatusCode, err: AppError) -> Response {
    tracing::info!(status = status.as_u16(), error = %err, "refused a malformed server function call");
    (status, Json(err)).into_response()
}

/// The first form field (by name, when the name is printable) whose name or
/// value is not valid UTF-8 once percent-decoded.
fn first_non_text_field(body: &[u8]) -> Option<String> {
    for pair in body.split(|b| *b == b'&') {
        let mut halves = pair.splitn(2, |b| *b == b'=');
        let name = percent_decode(halves.next().unwrap_or_default());
        let value = percent_decode(halves.next().unwrap_or_default());
        match (String::from_utf8(name), std::str::from_utf8(&value)) {
            (Ok(_), Ok(_)) => continue,
            (Ok(name), Err(_)) if field_of(&format!("field `{name}`")).is_some() => {
                return Some(name);
            }
            _ => return Some("request".into()),
        }
    }
    None
}

/// `application/x-www-form-urlencoded` decoding to raw bytes: `+` is a
/// space, `%XX` a byte; a malformed escape stays as written.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < input.len() => match (hex(input[i + 1]), hex(input[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// 400 for a request part that does not parse, naming `field` when known —
/// not the 422 of a well-formed but invalid value.
pub fn bad_field(field: Option<String>) -> ApiError {
    let err = match field {
        Some(field) => AppError::Invalid {
            message: format!("The request has a missing or invalid {field}."),
            field,
        },
        None => malformed(""),
    };
    ApiError::Body(StatusCode::BAD_REQUEST, json!({ "error": err }))
}

/// `Query<T>` whose rejection is a plain 400 naming the field.
pub struct Params<T>(pub T);

impl<T, S> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str::<T>(query)
            .map(Params)
            .map_err(|e| {
                let field = field_of(&e.to_string()).or_else(|| only_key(query));
                tracing::info!(
                    field = field.as_deref().unwrap_or("request"),
                    "refused a malformed query"
                );
                bad_field(field)
            })
    }
}

/// `Json<T>` whose rejection is a plain 400 (or 415 without a JSON content
/// type) naming the field, never the decoder's words.
pub struct JsonBody<T>(pub T);

impl<T, S> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::Body(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                json!({ "error": AppError::Invalid {
                    field: "request".into(),
                    message: "Send the body as JSON (Content-Type: application/json).".into(),
                } }),
            )),
            Err(e) => {
                let field = json_field(&e.body_text());
                tracing::info!(
                    field = field.as_deref().unwrap_or("request"),
                    "refused a malformed JSON body"
                );
                Err(bad_field(field))
            }
        }
    }
}

/// The field a JSON body error is about: named in backticks (a missing
/// field), or the path axum puts before the decoder's words (``target
/// type: every_minutes: invalid type…``).
fn json_field(detail: &str) -> Option<String> {
    field_of(detail).or_else(|| {
        let path = detail.split_once("target type: ")?.1.split_once(": ")?.0;
        (!path.is_empty()
            && path.len() <= 64
            && path
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.'))
        .then(|| path.to_owned())
    })
}

/// The field a `serde_urlencoded` error is about: ``missing field `x` `` names
/// it in backticks; a value that failed to parse does not, so a query with
/// one parameter is about that parameter.
fn field_of(detail: &str) -> Option<String> {
    match malformed(detail) {
        AppError::Invalid { field, .. } if field != "request" => Some(field),
        _ => None,
    }
}

/// The one parameter a query carries, when it carries exactly one.
fn only_key(query: &str) -> Option<String> {
    let mut keys: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, _)| k.into_owned())
        .collect();
    keys.dedup();
    match keys.as_slice() {
        [one] if field_of(&format!("field `{one}`")).is_some() => Some(one.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_without_the_parser_text() {
        assert_eq!(
            field_of("missing field `business_id`").as_deref(),
            Some("business_id")
        );
        assert_eq!(field_of("UUID parsing failed: invalid character"), None);
        assert_eq!(only_key("business_id=nope").as_deref(), Some("business_id"));
        assert_eq!(only_key("a=1&b=2"), None);
        assert_eq!(only_key("%3Cscript%3E=1"), None, "never echoes a non-name");
    }

    #[test]
    fn form_fields_must_be_text() {
        assert_eq!(first_non_text_field(b"name=Caf%C3%A9&id=1"), None);
        assert_eq!(first_non_text_field(b"a=b+c&d=%zz"), None);
        assert_eq!(
            first_non_text_field(b"id=1&name=%FF%FE").as_deref(),
            Some("name")
        );
        assert_eq!(first_non_text_field(b"name=\xff").as_deref(), Some("name"));
        assert_eq!(first_non_text_field(b"%FF=1").as_deref(), Some("request"));
        assert_eq!(percent_decode(b"a%2"), b"a%2");
    }
}
