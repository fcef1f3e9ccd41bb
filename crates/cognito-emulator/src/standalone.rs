//! Standalone mode: what `pycognito emulator --port --state FILE --seed seed.json [--faults SPEC]`
//! runs.

use crate::{Emulator, EmulatorConfig, EmulatorError, Faults, Seed};
use std::path::PathBuf;

/// Options of the standalone server.
#[derive(Debug, Clone, Default)]
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
                let (ids, names): (Vec<String>, Vec<String>) = {
                    let st = emu.inner.lock();
                    st.pools
                        .values()
                        .map(|p| (p.id.clone(), p.spec.name.clone()))
                        .unzip()
                };
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

/// Runs an emulator until Ctrl-C, printing its URL on stdout first.
///
/// With no configuration it accepts admin calls signed with access key `test` / secret `test`.
pub async fn serve_standalone(opts: StandaloneOptions) -> Result<(), EmulatorError> {
    let emu = start_standalone(&opts).await?;
    println!("{}", emu.url());
    let _ = tokio::signal::ctrl_c().await;
    emu.shutdown().await;
    Ok(())
}
