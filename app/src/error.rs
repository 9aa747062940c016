//! The one error type every server function returns.
//!
//! It travels to the browser as JSON, so it carries only what a user may see:
//! internal failures become `Internal { reference }`, with the details logged
//! on the server under the same reference.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use shared::domain::Invalid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthorized,
    /// Also what a non-member gets for someone else's business: existence is not revealed.
    #[error("Not found.")]
    NotFound,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    /// Deliberately the same message for an unknown email and a wrong password.
    #[error("The email or password is incorrect.")]
    BadCredentials,
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    #[error("Something went wrong on our side (reference {reference}).")]
    Internal { reference: String },
    /// The request did not reach the server function, or its answer could not be read.
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: &str, why: Invalid) -> Self {
        AppError::Invalid {
            field: field.to_owned(),
            message: why.0.to_owned(),
        }
    }

    /// The message to show next to `field`, if this error is about that field.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { field: f, message } if f == field => Some(message.clone()),
            _ => None,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized | AppError::BadCredentials => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid { field, .. } if field == "request" => 400,
            AppError::Invalid { .. } => 422,
            AppError::Conflict(_) => 409,
            AppError::RateLimited { .. } => 429,
            AppError::Internal { .. } | AppError::Transport(_) => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server these mean the request's arguments did not
            // decode: the caller's mistake (400), named by field, without
            // the decoder's internals.
            ServerFnErrorErr::Args(detail) | ServerFnErrorErr::Deserialization(detail)
                if cfg!(feature = "ssr") =>
            {
                malformed(&detail)
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

/// A request whose arguments could not be decoded, named by the field the
/// decoder complained about (serde's ``missing field `x` ``, ``duplicate
/// field `x` ``), if any. Other quoted text (a bad value) is never echoed.
pub fn malformed(detail: &str) -> AppError {
    let field = detail
        .split_once("field `")
        .and_then(|(_, rest)| rest.split('`').next())
        .filter(|f| {
            !f.is_empty()
                && f.len() <= 64
                && f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
        .map(str::to_owned);
    match field {
        Some(field) => AppError::Invalid {
            message: format!("The request has a missing or invalid {field}."),
            field,
        },
        None => AppError::Invalid {
            field: "request".into(),
            message: "The request could not be read.".into(),
        },
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;

    impl AppError {
        /// Logs `err` with a fresh reference id and returns the error the user sees.
        pub fn internal(err: impl std::fmt::Display) -> Self {
            let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
            tracing::error!(error.reference = %reference, error = %err, "internal error");
            AppError::Internal { reference }
        }
    }

    /// The backend's error at the server-function boundary: the same
    /// meaning, in the words a user reads; internal detail stays in the log.
    impl From<backend::Error> for AppError {
        fn from(err: backend::Error) -> Self {
            use backend::Error as E;
            match err {
                E::Unauthorized => AppError::Unauthorized,
                E::NotFound => AppError::NotFound,
                E::Forbidden => AppError::Forbidden,
                E::Invalid { field, message } => AppError::Invalid { field, message },
                E::Conflict(message) => AppError::Conflict(message),
                E::BadCredentials => AppError::BadCredentials,
                E::RateLimited { retry_after_secs } => AppError::RateLimited { retry_after_secs },
                E::Provider { class } => {
                    AppError::internal(format_args!("provider error: {class}"))
                }
                E::Internal(detail) => AppError::internal(detail),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_the_wire_format() {
        let err = AppError::Invalid {
            field: "email".into(),
            message: "Enter your email address.".into(),
        };
        assert_eq!(AppError::de(err.ser()), err);
    }

    #[test]
    fn bad_credentials_do_not_say_which_part_was_wrong() {
        let msg = AppError::BadCredentials.to_string().to_lowercase();
        assert!(msg.contains("email or password"));
        assert!(!msg.contains("not found") && !msg.contains("no account"));
    }

    #[test]
    fn undecodable_arguments_name_the_field_without_decoder_internals() {
        let e = malformed("missing field `business_id`");
        assert!(e.field_message("business_id").is_some());
        assert!(!e.to_string().contains("missing field `"));
        let e = malformed("invalid character: expected an optional prefix of `urn:uuid:`");
        assert_eq!(
            e.status(),
            400,
            "no usable field name: the request as a whole"
        );
        assert_eq!(e.to_string(), "The request could not be read.");
    }

    #[test]
    fn statuses_match_meaning() {
        assert_eq!(AppError::NotFound.status(), 404);
        assert_eq!(
            AppError::RateLimited {
                retry_after_secs: 3
            }
            .status(),
            429
        );
        assert_eq!(AppError::Conflict("x".into()).status(), 409);
    }
}
