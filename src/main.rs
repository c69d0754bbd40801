//! The `concord` command line: serve (the default), migrate, openapi, token, org create,
//! reassess, fhir-export.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use concord::auth::Role;
use concord::auth::jwt::JwtVerifier;
use concord::config::Config;
use concord::startup::Interrupted;
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "concord",
    version,
    about = "Concord: second opinions turned into a typed comparison with the current plan and a one-page summary.",
    long_about = "Concord keeps cancer cases and the treating oncologist's current plan, takes in second opinions from partner hospitals, classifies how each differs from the plan, and writes the summary a patient shares with the oncologist.\n\nConfiguration comes from environment variables (see README.md). Without DATABASE_URL, Concord uses a local PostgreSQL or starts a private one in CONCORD_DATA_DIR."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (the default): migrate, then listen on BIND until SIGTERM.
    Serve,
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
    /// Print the OpenAPI document (the same as GET /openapi.json and openapi/openapi.json).
    Openapi,
    /// Print a JWT signed with the configured HS256 secret, for operators and tests.
    Token {
        /// The subject (`sub` claim): a user id, or a patient's login.
        #[arg(long)]
        sub: String,
        /// The role: patient, advocate, coordinator, clinician or admin.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The navigator organisation (`org` claim).
        #[arg(long)]
        org: Option<Uuid>,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl: u64,
    },
    /// Exit 0 when the service on BIND answers GET /readyz with 200 (container health checks).
    Probe,
    /// After an upgrade of the rules: assess again, under the running ruleset, every answered
    /// opinion whose current assessment an older ruleset made. Batched and resumable (stop it
    /// any time, run it again); a progress line a batch on standard error.
    Reassess {
        /// Opinions per batch.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=10_000))]
        batch: i64,
    },
    /// Manage organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Print a picture (JSON file) as the FHIR R4 collection Bundle the plan export gives. Ids
    /// derive from --case and --version, so the same input gives the same Bundle.
    FhirExport {
        /// A Picture as JSON (the body of PUT /v1/cases/{id}/plan).
        picture: std::path::PathBuf,
        /// Export as a second opinion's proposal instead of the current plan.
        #[arg(long)]
        opinion: bool,
        #[arg(long, default_value_t = Uuid::nil())]
        case: Uuid,
        #[arg(long, default_value_t = 1)]
        version: i64,
        /// The version's time (RFC 3339); default now.
        #[arg(long)]
        recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation and print its id. Navigators are tenants; a partner needs --navigator.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        kind: KindArg,
        /// For a partner: the navigator it belongs to.
        #[arg(long)]
        navigator: Option<Uuid>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Patient,
    Advocate,
    Coordinator,
    Clinician,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Patient => Role::Patient,
            RoleArg::Advocate => Role::Advocate,
            RoleArg::Coordinator => Role::Coordinator,
            RoleArg::Clinician => Role::Clinician,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KindArg {
    Navigator,
    Partner,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Needs no configuration: a pure function of its arguments.
    if let Some(Command::FhirExport {
        picture,
        opinion,
        case,
        version,
        recorded_at,
    }) = &cli.command
    {
        return match fhir_export(picture, *opinion, *case, *version, *recorded_at) {
            Ok(bundle) => {
                println!("{bundle}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("concord: {e:#}");
                ExitCode::from(2)
            }
        };
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("concord: {e}");
            return ExitCode::from(2);
        }
    };
    concord::telemetry::init(config.log_format);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let system = actix_web::rt::System::new();
            match system.block_on(concord::startup::serve(config)) {
                Err(e) if e.is::<Interrupted>() => {
                    // Asked to stop before serving: done, as asked. The runtime is not dropped,
                    // since dropping it would wait for start-up work left on a blocking thread.
                    tracing::info!("{e}; nothing was served");
                    std::mem::forget(system);
                    Ok(())
                }
                result => result,
            }
        }
        Command::Openapi => {
            print!("{}", concord::http::openapi::document_pretty());
            Ok(())
        }
        Command::Token {
            sub,
            role,
            org,
            ttl,
        } => JwtVerifier::from_config(&config.jwt)
            .and_then(|v| v.mint(&sub, role.into(), org, Duration::from_secs(ttl)))
            .map(|token| println!("{token}")),
        Command::Probe => runtime().block_on(probe(&config)),
        Command::Reassess { batch } => runtime().block_on(async {
            let database = concord::startup::prepare_database(&config).await?;
            let pool = concord::db::pool(&database.url, config.pool_size)?;
            let app = concord::startup::application(pool, &config);
            let done = concord::app::upgrade::reassess_outdated(&app, batch, |p| {
                eprintln!(
                    "concord reassess: batch {}: {} reassessed, {} failed so far",
                    p.batches, p.reassessed, p.failed
                );
            })
            .await?;
            println!(
                "{} reassessed under ruleset {}, {} failed",
                done.reassessed,
                concord::domain::discordance::RULESET_3_VERSION,
                done.failed
            );
            anyhow::ensure!(
                done.failed == 0,
                "{} opinions could not be reassessed; run again after fixing the cause",
                done.failed
            );
            Ok(())
        }),
        Command::FhirExport { .. } => unreachable!("handled before the configuration"),
        Command::Migrate => {
            let runtime = runtime();
            let result = runtime.block_on(async {
                let database = concord::startup::prepare_database_or_stop(&config).await?;
                eprintln!("migrated {}", database.description);
                Ok(())
            });
            // Stopped by a signal: leave at once rather than wait for a migration's thread.
            runtime.shutdown_background();
            result
        }
        Command::Org {
            command:
                OrgCommand::Create {
                    name,
                    kind,
                    navigator,
                },
        } => runtime().block_on(async {
            let database = concord::startup::prepare_database(&config).await?;
            let id = concord::db::organizations::create_from_cli(
                &database.url,
                &name,
                kind == KindArg::Partner,
                navigator,
            )
            .await?;
            println!("{id}");
            Ok(())
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("concord: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The FHIR export of one picture file, after the same checks as the JSON routes.
fn fhir_export(
    path: &std::path::Path,
    opinion: bool,
    case: Uuid,
    version: i64,
    recorded_at: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<String> {
    use concord::domain::fhir::{PlanExport, PlanKind, export_plan};
    let picture: concord::domain::picture::Picture =
        serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let mut errors = concord::domain::validation::FieldErrors::new();
    picture.check("", &mut errors);
    if let Err(errors) = errors.finish(()) {
        anyhow::bail!("{} is not a valid picture: {errors:?}", path.display());
    }
    let picture = picture.normalised();
    let kind = if opinion {
        PlanKind::SecondOpinion
    } else {
        PlanKind::CurrentPlan
    };
    let recorded_at = recorded_at.unwrap_or_else(chrono::Utc::now);
    let export = PlanExport::standalone(&picture, kind, case, version, recorded_at);
    Ok(serde_json::to_string_pretty(&export_plan(&export))?)
}

async fn probe(config: &Config) -> anyhow::Result<()> {
    let mut address = config.bind;
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()?;
    let status = client
        .get(format!("http://{address}/readyz"))
        .send()
        .await?
        .status();
    anyhow::ensure!(status.is_success(), "GET /readyz answered {status}");
    Ok(())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}
