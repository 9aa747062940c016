//! Sign-up, login, logout, sessions and their cookies.

use crate::harness::*;
use crate::on_both_databases;

on_both_databases!(
    signup_login_logout,
    login_errors_do_not_reveal_accounts,
    session_id_rotates_at_login,
    invalid_signup_changes_nothing,
    login_is_rate_limited,
    expired_sessions_are_refused,
);

fn session_cookie(reply: &Reply) -> String {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pulseboard_session="))
        .expect("a session cookie is set")
        .to_owned()
}

async fn signup_login_logout(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let r = app
        .call(
            "auth/signup",
            &[("email", " Ada@Example.com "), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["email"], "ada@example.com");
    let cookie = session_cookie(&r);
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    assert!(!cookie.contains("Secure"), "plain http in tests");

    let me = app.call("auth/me", &[]).await;
    assert_eq!(me.body["email"], "ada@example.com");

    let out = app.call("auth/logout", &[]).await;
    assert_eq!(out.status, 200);
    assert!(session_cookie(&out).contains("Max-Age=0"));
    assert_eq!(app.call("auth/me", &[]).await.body, serde_json::Value::Null);
    assert_eq!(
        count(&app.db, "sessions").await,
        0,
        "logout deletes the server-side session"
    );

    let back = app
        .call(
            "auth/login",
            &[("email", "ada@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(back.status, 200, "{:?}", back.body);
    assert_eq!(
        app.call("auth/me", &[]).await.body["email"],
        "ada@example.com"
    );

    let stored: String = {
        use sea_orm::{EntityTrait, QuerySelect};
        backend::entities::users::Entity::find()
            .select_only()
            .column(backend::entities::users::Column::PasswordHash)
            .into_tuple()
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
    };
    assert!(stored.starts_with("$argon2id$"));
    app.stop().await;
}

async fn login_errors_do_not_reveal_accounts(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    app.signup_as(&new_client(), "known@example.com").await;
    let wrong_password = app
        .call(
            "auth/login",
            &[
                ("email", "known@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    let unknown_email = app
        .call(
            "auth/login",
            &[
                ("email", "nobody@example.com"),
                ("password", "not the password"),
            ],
        )
        .await;
    assert_eq!(wrong_password.status, 401);
    assert_eq!(wrong_password.status, unknown_email.status);
    assert_eq!(wrong_password.body, unknown_email.body);
    assert!(wrong_password.headers.get("set-cookie").is_none());
    app.stop().await;
}

async fn session_id_rotates_at_login(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let first = app
        .call(
            "auth/signup",
            &[("email", "rot@example.com"), ("password", PASSWORD)],
        )
        .await;
    let before = session_cookie(&first);
    let second = app
        .call(
            "auth/login",
            &[("email", "rot@example.com"), ("password", PASSWORD)],
        )
        .await;
    let after = session_cookie(&second);
    assert_ne!(before, after, "login issues a new session id");
    assert_eq!(
        count(&app.db, "sessions").await,
        1,
        "the old session is gone"
    );

    // The pre-login cookie, replayed by someone else, no longer works.
    let value = before.split(';').next().unwrap();
    let replay = reqwest::Client::new()
        .post(app.url("/api/fn/auth/me"))
        .header("cookie", value)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.text().await.unwrap(), "null");
    app.stop().await;
}

async fn invalid_signup_changes_nothing(b: Backend) {
    let Some(app) = spawn_app(b).await else {
        return;
    };
    let bad_email = app
        .call(
            "auth/signup",
            &[("email", "not-an-email"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(bad_email.status, 422);
    assert_eq!(bad_email.body["Invalid"]["field"], "email");
    let short = app
        .call(
            "auth/signup",
            &[("email", "a@example.com"), ("password", "short")],
        )
        .await;
    assert_eq!(short.status, 422);
    assert_eq!(short.body["Invalid"]["field"], "password");
    assert_eq!(count(&app.db, "users").await, 0);

    app.signup_as(&new_client(), "dup@example.com").await;
    let dup = app
        .call(
            "auth/signup",
            &[("email", "DUP@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(dup.status, 422);
    assert_eq!(count(&app.db, "users").await, 1);
    app.stop().await;
}

async fn login_is_rate_limited(b: Backend) {
    let Some(app) = spawn_app_with(b, &[("rate_limits.login_per_minute", "3")]).await else {
        return;
    };
    for _ in 0..3 {
        let r = app
            .call(
                "auth/login",
                &[("email", "x@example.com"), ("password", "whatever-123")],
            )
            .await;
        assert_eq!(r.status, 401);
    }
    let limited = app
        .call(
            "auth/login",
            &[("email", "x@example.com"), ("password", "whatever-123")],
        )
        .await;
    assert_eq!(limited.status, 429, "{:?}", limited.body);
    assert!(
        limited.body["RateLimited"]["retry_after_secs"]
            .as_u64()
            .unwrap()
            >= 1
    );
    app.stop().await;
}

async fn expired_sessions_are_refused(b: Backend) {
    use sea_orm::EntityTrait;
    use sea_orm::sea_query::Expr;
    let Some(app) = spawn_app(b).await else {
        return;
    };
    app.signup_as(&app.client, "idle@example.com").await;
    // Age the session past its idle limit.
    backend::entities::sessions::Entity::update_many()
        .col_expr(
            backend::entities::sessions::Column::LastSeenAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(8)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(app.call("auth/me", &[]).await.body, serde_json::Value::Null);
    assert_eq!(app.call("businesses/list", &[]).await.status, 401);
    app.stop().await;
}
