//! Clients no one here wrote. Skipped unless `COGNITO_INTEROP_PYTHON` names a Python with
//! `pycognito==2024.5.1` installed (see `interop/requirements.txt`; CI sets it up).
use cognito_emulator::*;
use std::process::Command;

#[tokio::test]
async fn pycognito_and_boto3() {
    let Ok(python) = std::env::var("COGNITO_INTEROP_PYTHON") else {
        eprintln!("skipped: COGNITO_INTEROP_PYTHON is not set");
        return;
    };
    let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/interop/pycognito_interop.py");
    let url = emu.url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python).arg(script).arg(url).output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("all pycognito interop checks passed"));
    emu.shutdown().await;
}
