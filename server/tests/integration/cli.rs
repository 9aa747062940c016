//! The `pulseboard` binary's subcommands, run as a user would.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::harness::*;

fn pulseboard(database_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pulseboard"));
    cmd.env("DATABASE_URL", database_url)
        .env("PULSEBOARD_CONFIG", "/nonexistent/Leptos.toml")
        .env("PULSEBOARD_LOG_FORMAT", "json")
        .env("PULSEBOARD_TOKEN_KEYS", test_keys())
        .env_remove("RUST_LOG");
    cmd
}

#[tokio::test]
async fn migrate_then_user_create_with_password_on_stdin() {
    let fresh = FreshDb::create(Backend::Sqlite).await.unwrap();
    let out = pulseboard(&fresh.url).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // JSON log lines, one object each.
    for line in String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
    {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(
            v.get("level").is_some() && v.get("timestamp").is_some(),
            "{line}"
        );
    }

    let mut child = pulseboard(&fresh.url)
        .args(["user", "create", "--email", "Admin@Example.com"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Created user admin@example.com"),
        "{stdout}"
    );
    assert!(!stdout.contains(PASSWORD) && !String::from_utf8_lossy(&out.stderr).contains(PASSWORD));

    // The account works through the real login.
    let app = spawn_app_on(&fresh).await;
    let login = app
        .call(
            "auth/login",
            &[("email", "admin@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_a_clear_error_that_changes_nothing() {
    let fresh = FreshDb::create(Backend::Sqlite).await.unwrap();
    let mut child = pulseboard(&fresh.url)
        .args(["user", "create", "--email", "admin@example.com"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"short\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password: Use at least 10 characters."));

    let out = pulseboard("mysql://root@localhost/x")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("database_url must start with"));

    // A Postgres URL whose password must not be echoed back.
    let out = pulseboard("postgres://u:hunter2-secret@127.0.0.1:1/none")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("could not connect to the database"), "{all}");
    assert!(!all.contains("hunter2-secret"), "{all}");
}

/// `pulseboard serve` with JSON logs: one line per request with its id,
/// method, matched route, status and latency, and never the query string.
#[tokio::test]
async fn serve_logs_one_json_line_per_request_without_query_strings() {
    use std::io::{BufRead, BufReader};

    let fresh = FreshDb::create(Backend::Sqlite).await.unwrap();
    let mut child = pulseboard(&fresh.url)
        .args(["serve", "--no-worker"])
        .env("PULSEBOARD_SITE_ADDR", "127.0.0.1:0")
        .env("PULSEBOARD_LOG_LEVEL", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("server printed its address").unwrap();
        if let Some(url) = line.strip_prefix("Pulseboard is running at ") {
            break url.to_owned();
        }
    };
    let client = new_client();
    let res = client
        .get(format!(
            "{base}/healthz?code=SENTINEL-CODE&state=SENTINEL-STATE"
        ))
        .header("x-request-id", "trace-me-1")
        .header("cookie", "pulseboard_session=SENTINEL-COOKIE")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let _ = client
        .get(format!("{base}/businesses/{}", uuid::Uuid::new_v4()))
        .send()
        .await
        .unwrap();

    std::process::Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        child.wait().unwrap().success(),
        "SIGTERM drains and exits 0"
    );

    let finished: Vec<serde_json::Value> = rest
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["message"] == "request finished")
        .collect();
    let health = finished
        .iter()
        .find(|v| v["span"]["request_id"] == "trace-me-1")
        .unwrap_or_else(|| panic!("no request line in {rest:#?}"));
    assert_eq!(health["span"]["method"], "GET");
    assert_eq!(health["span"]["route"], "/healthz");
    assert!(
        finished
            .iter()
            .any(|v| v["span"]["route"] == "/businesses/{id}"),
        "matched route, not the raw path"
    );
    let all = rest.join("\n");
    for secret in ["SENTINEL-CODE", "SENTINEL-STATE", "SENTINEL-COOKIE"] {
        assert!(!all.contains(secret), "{secret} reached the log");
    }
    assert!(
        all.contains("\"status\":200") && all.contains("latency_ms"),
        "{all}"
    );
}

/// `doctor` says what is fine and what is not, and fails on a problem: a
/// Graph version past its end, or a database it cannot reach.
#[tokio::test]
async fn doctor_reports_versions_near_their_end_and_fails_on_problems() {
    let fresh = FreshDb::create(Backend::Sqlite).await.unwrap();
    let out = pulseboard(&fresh.url).arg("doctor").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("token keys readable"), "{stdout}");
    assert!(
        stdout.contains("API version v25.0 is served until 2028-07-29"),
        "{stdout}"
    );
    assert!(!stdout.contains("problem"), "{stdout}");

    let out = pulseboard(&fresh.url)
        .arg("doctor")
        .env("PULSEBOARD_META__API_VERSION", "v20.0")
        .env("PULSEBOARD_LINKEDIN__API_VERSION", "202601")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(
        stdout.contains("problem  Facebook & Instagram API version v20.0 is no longer served"),
        "{stdout}"
    );
    // 202601 ends on 2027-01-15: a warning from mid-October 2026.
    let today = chrono::Utc::now().date_naive();
    let end = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    if (end - today).num_days() <= 90 {
        assert!(
            stdout.contains("warning  LinkedIn API version 202601"),
            "{stdout}"
        );
    }

    let out = pulseboard("postgres://nobody:secret-pw@127.0.0.1:1/none")
        .arg("doctor")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        stdout.contains("problem  could not connect to the database"),
        "{stdout}"
    );
    assert!(!stdout.contains("secret-pw"), "{stdout}");
}
