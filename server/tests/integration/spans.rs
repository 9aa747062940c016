//! SECURITY.md 46: the functions that handle codes and tokens record none of
//! their arguments in their tracing spans (`#[instrument(skip_all)]`), even
//! with every span and event at TRACE level.

use backend::platforms::ProviderSettings;
use backend::platforms::http_client;
use backend::platforms::linkedin;
use backend::platforms::meta;
use backend::platforms::x;
use oauth2::PkceCodeVerifier;
use secrecy::SecretString;
use tracing::instrument::WithSubscriber;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::capture::Captured;

const CODE: &str = "CODE-0f3a9c-SECRET";
const TOKEN: &str = "TOKEN-77b1e2-SECRET";
const CLIENT_SECRET: &str = "CLIENT-5d0c4a-SECRET";
const VERIFIER: &str = "VERIFIER-a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0-SECRET";

#[tokio::test]
async fn token_functions_record_no_arguments_in_their_spans() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    // Nothing listens on port 9: every call fails fast after entering its span.
    let cfg = ProviderSettings {
        client_id: "client-id".into(),
        client_secret: SecretString::from(CLIENT_SECRET),
        redirect_uri: "http://127.0.0.1:9/callback".into(),
        auth_url: "http://127.0.0.1:9/authorize".into(),
        token_url: "http://127.0.0.1:9/oauth/token".into(),
        api_url: "http://127.0.0.1:9".into(),
        api_version: None,
        sandbox: false,
    };
    let http = http_client();
    let token = SecretString::from(TOKEN);
    let verifier = || PkceCodeVerifier::new(VERIFIER.to_owned());
    async {
        let _ = x::exchange_code(&cfg, &http, CODE, &verifier()).await;
        let _ = x::refresh(&cfg, &http, &token).await;
        let _ = x::me(&cfg, &http, &token).await;
        let _ = x::revoke(&cfg, &http, &token, "refresh_token").await;
        let _ = linkedin::exchange_code(&cfg, &http, CODE, &verifier()).await;
        let _ = linkedin::refresh(&cfg, &http, &token).await;
        let _ = linkedin::introspect(&cfg, &http, &token).await;
        let _ = linkedin::me(&cfg, &http, &token).await;
        let _ = meta::exchange_code(&cfg, &http, CODE, &verifier()).await;
        let _ = meta::long_lived(&cfg, &http, &token).await;
        let _ = meta::data_access_expires_at(&cfg, &http, &token).await;
        let _ = meta::pages(&cfg, &http, &token).await;
        let _ = meta::revoke(&cfg, &http, &token).await;
    }
    .with_subscriber(subscriber)
    .await;
    let out = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    for span in [
        "exchange_code",
        "refresh",
        "introspect",
        "long_lived",
        "pages",
        "revoke",
    ] {
        assert!(out.contains(span), "the {span} span was recorded:\n{out}");
    }
    for secret in [CODE, TOKEN, CLIENT_SECRET, VERIFIER] {
        assert!(
            !out.contains(secret),
            "{secret} reached a span or event:\n{out}"
        );
    }
}
