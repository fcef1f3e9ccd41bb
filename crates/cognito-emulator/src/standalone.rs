//! Standalone mode: what `pycognito emulator --port --state FILE --seed seed.json [--faults SPEC]`
//! runs.

use crate::{Emulator, EmulatorConfig, EmulatorError, Faults, Seed};
use std::path::PathBuf;

/// Options of the standalone server.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct StandaloneOptions {
    /// Port on 127.0.0.1 (0 picks one).
    pub port: u16,
    /// Persist to (and load from) this file.
    pub state_file: Option<PathBuf>,
    /// Provision this seed file at start (skipped for pools already in the state: by id, or by
    /// name for seed pools without an id).
    pub seed_file: Option<PathBuf>,
    /// Append outbox messages to this file (JSON lines).
    pub outbox_log: Option<PathBuf>,
    /// Fault mode (latency, dropped connections, 5xx, throttling); none by default. The
    /// `pycognito emulator --faults SPEC` flag parses `SPEC` with [`Faults`]'s `FromStr`.
    pub faults: Faults,
    /// Local handlers of Lambda functions (`pycognito emulator --trigger KEY=HANDLER`), by
    /// function ARN, pool id or `*`; see [`crate::TriggerHandler`].
    pub triggers: std::collections::BTreeMap<String, crate::TriggerHandler>,
}

/// Starts the standalone server without waiting: loads the state file, binds the port and
/// provisions the seed (pools already in the state, by id or, for seed pools without an id, by
/// name, are skipped, so a restart keeps what the seed created the first time and everything
/// changed since). [`serve_standalone`] is
/// this, then printing the URL and serving until Ctrl-C.
pub async fn start_standalone(opts: &StandaloneOptions) -> Result<Emulator, EmulatorError> {
    let config = EmulatorConfig {
        port: opts.port,
        state_file: opts.state_file.clone(),
        outbox_log: opts.outbox_log.clone(),
        faults: opts.faults.clone(),
        triggers: opts.triggers.clone(),
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(config).await?;
    if let Some(path) = &opts.seed_file {
        let seeded = std::fs::read_to_string(path)
            .map_err(|e| EmulatorError::State(format!("{}: {e}", path.display())))
            .and_then(|text| {
                serde_json::from_str::<Seed>(&text)
                    .map_err(|e| EmulatorError::State(format!("{}: {e}", path.display())))
            })
            .and_then(|mut seed| {
                // Already provisioned (a restart on the same state file): a seed pool with an id
                // is matched by id, one without an id (the emulator picks a random one) by name.
                let (ids, names): (Vec<String>, Vec<String>) =
                    crate::txn::read(&emu.inner, |st| {
                        Ok(st
                            .pools
                            .values()
                            .map(|p| (p.id.clone(), p.spec.name.clone()))
                            .unzip())
                    })?;
                seed.pools.retain(|p| match &p.pool.id {
                    Some(id) => !ids.contains(id),
                    None => !names.contains(&p.pool.name),
                });
                emu.seed(&seed)
            });
        if let Err(e) = seeded {
            emu.shutdown().await;
            return Err(e);
        }
    }
    Ok(emu)
}

/// At most this many users per pool are listed at start (a big state file would flood the
/// terminal); the rest are counted.
const LISTED_USERS: usize = 20;

/// What the emulator serves, as printed at start: the pools, their app clients (id, name, whether
/// it has a secret; never the secret) and users (name, status, TOTP), the admin keys, and a
/// `login` line to copy.
fn summary(emu: &Emulator) -> String {
    use std::fmt::Write;
    let url = emu.url();
    let mut out = String::new();
    let mut example: Option<(String, String, String)> = None;
    let _ = crate::txn::read(&emu.inner, |st| {
        if st.pools.is_empty() {
            out.push_str("no pools yet (give --seed FILE, or create them with the admin API)\n");
        }
        for pool in st.pools.values() {
            let _ = writeln!(out, "pool {} ({})", pool.id, pool.spec.name);
            for client in pool.clients.values() {
                let secret = if client.secret.is_some() {
                    "with a secret"
                } else {
                    "no secret"
                };
                let _ = writeln!(
                    out,
                    "  app client {} ({}, {secret})",
                    client.id, client.spec.name
                );
            }
            for line in crate::triggers::summary(&emu.inner.trigger_handlers, pool) {
                let _ = writeln!(out, "  trigger {line}");
            }
            let users = st.users_after(&pool.id, None, LISTED_USERS)?;
            for user in &users {
                let enabled = if user.enabled { "" } else { ", disabled" };
                let totp = if user.mfa.totp { ", TOTP MFA" } else { "" };
                let _ = writeln!(
                    out,
                    "  user {} ({}{enabled}{totp})",
                    user.username, user.status
                );
            }
            let more = st.user_count(&pool.id)?.saturating_sub(users.len());
            if more > 0 {
                let _ = writeln!(out, "  ... and {more} more users");
            }
            if example.is_none()
                && let Some(client) = pool.clients.values().find(|c| c.secret.is_none())
                && let Some(user) = users
                    .iter()
                    .find(|u| u.enabled && u.status == cognito_wire::UserStatusType::Confirmed)
            {
                example = Some((pool.id.clone(), client.id.clone(), user.username.clone()));
            }
        }
        Ok(())
    });
    let keys: Vec<String> = emu
        .inner
        .config
        .credentials
        .iter()
        .map(|(id, secret)| {
            // The emulator's own test keys are shown; any other secret key is not.
            if id == "test" && secret == "test" {
                "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test".to_owned()
            } else {
                format!("AWS_ACCESS_KEY_ID={id} (secret as configured)")
            }
        })
        .collect();
    if !keys.is_empty() {
        let _ = writeln!(out, "admin keys: {}", keys.join(", "));
    }
    if let Some((pool, client, user)) = example {
        let _ = writeln!(
            out,
            "try: pycognito login -u {user} --pool-id {pool} --client-id {client} --endpoint-url {url}"
        );
    }
    out
}

/// Runs an emulator until Ctrl-C, printing on stdout its URL (the first line), then what it
/// serves: pools, app clients (id, name, whether it has a secret), users, the admin keys.
///
/// With no configuration it accepts admin calls signed with access key `test` / secret `test`.
pub async fn serve_standalone(opts: StandaloneOptions) -> Result<(), EmulatorError> {
    let emu = start_standalone(&opts).await?;
    println!("{}", emu.url());
    print!("{}", summary(&emu));
    {
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }
    let _ = tokio::signal::ctrl_c().await;
    emu.shutdown().await;
    Ok(())
}
