//! `pulseboard` subcommands.

use std::io::{BufRead, IsTerminal};

use clap::{Parser, Subcommand};
use shared::domain::{Email, Password};
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use crate::db;
use crate::observability::telemetry;
use crate::startup::{Application, Roles};

#[derive(Debug, Parser)]
#[command(
    name = "pulseboard",
    version,
    about = "Self-hosted social-media analytics"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app, with an embedded job worker unless --no-worker (the default command).
    Serve {
        #[arg(long)]
        no_worker: bool,
    },
    /// Run background jobs only.
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Check the configuration: database, token keys, and API versions near their end.
    Doctor,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the keys that encrypt tokens at rest.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Print a new key entry. Prepend it to PULSEBOARD_TOKEN_KEYS (comma-separated), then run `keys rotate`.
    Generate,
    /// Re-encrypt every stored secret with the first key; afterwards older keys can be removed.
    Rotate {
        #[arg(long, default_value_t = 500)]
        batch_size: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is prompted for, or read from the first line of stdin.
    Create {
        #[arg(long)]
        email: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let environment = match settings.env {
        crate::config::Environment::Development => "development",
        crate::config::Environment::Production => "production",
    };
    let _sentry = telemetry::init(
        settings.log_format,
        &settings.log_level,
        settings
            .sentry_dsn
            .as_ref()
            .map(|dsn| telemetry::SentryConfig {
                dsn,
                environment,
                sample_rate: settings.sentry_sample_rate,
            }),
    );
    match cli.command.unwrap_or(Command::Serve { no_worker: false }) {
        Command::Serve { no_worker } => {
            serve(
                settings,
                Roles {
                    web: true,
                    worker: !no_worker,
                },
            )
            .await
        }
        Command::Worker => {
            serve(
                settings,
                Roles {
                    web: false,
                    worker: true,
                },
            )
            .await
        }
        Command::Migrate => {
            let db = db::connect(&settings.database_url).await?;
            db::migrate(&db).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Doctor => {
            let findings = crate::doctor::check(&settings, chrono::Utc::now().date_naive()).await;
            for f in &findings {
                println!("{f}");
            }
            if findings
                .iter()
                .any(|f| f.level == crate::doctor::Level::Problem)
            {
                anyhow::bail!("pulseboard doctor found problems");
            }
            Ok(())
        }
        Command::User {
            command: UserCommand::Create { email },
        } => create_user(settings, &email).await,
        Command::Keys {
            command: KeysCommand::Generate,
        } => {
            let entry = backend::vault::Keyring::generate_entry(&crate::keys::new_key_id());
            println!("{}", secrecy::ExposeSecret::expose_secret(&entry));
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate { batch_size },
        } => {
            let keyring = crate::keys::load(&settings)?;
            let db = db::connect(&settings.database_url).await?;
            db::migrate(&db).await?;
            crate::keys::rotate(&db, &keyring, batch_size.max(1)).await?;
            Ok(())
        }
    }
}

async fn serve(settings: Settings, roles: Roles) -> anyhow::Result<()> {
    let app = Application::build(settings, roles).await?;
    if let Some(addr) = app.local_addr() {
        println!("Pulseboard is running at http://{addr}");
    }
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    app.run(shutdown).await
}

/// SIGINT or SIGTERM starts a graceful shutdown of web and jobs together.
async fn cancel_on_signal(token: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutdown signal received");
    token.cancel();
}

async fn create_user(settings: Settings, email: &str) -> anyhow::Result<()> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("email: {e}"))?;
    let raw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password: ")?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    let password = Password::parse(&raw).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let db = db::connect(&settings.database_url).await?;
    db::migrate(&db).await?;
    let user = backend::accounts::users::create(&db, &email, password)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("Created user {} ({})", user.email, user.id);
    Ok(())
}
