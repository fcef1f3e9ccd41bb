//! pycognito's README journey in Rust: register, confirm, authenticate, read and update the
//! profile, refresh, sign out. Runs against the embedded emulator.
//!
//! ```text
//! cargo run -p pycognito-rs --example quickstart
//! ```

use cognito_emulator::{ClientSpec, Emulator, EmulatorConfig, PoolSpec};
use pycognito::{AuthStep, Cognito, NextAction};
use std::collections::BTreeMap;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emu = Emulator::start(EmulatorConfig::default()).await?;
    let pool = emu.create_pool(PoolSpec::named("quickstart"))?;
    let app = emu.create_client(&pool, ClientSpec::confidential("app"))?;
    let secret = app.client_secret.clone().unwrap_or_default();

    let mut u = Cognito::builder(&pool, &app.client_id)
        .client_secret(secret)
        .endpoint_url(emu.url())
        .build()?;
    u.set_base_attributes([("email", "bob@example.com")]);
    u.register("bob", "Passw0rd!", None).await?;

    match u.authenticate("Passw0rd!").await {
        Err(e) if e.next_action() == NextAction::ConfirmSignUp => {
            let code = emu.latest_code(&pool, "bob").ok_or("no code sent")?;
            u.confirm_sign_up(&code, None).await?;
        }
        other => println!("unexpected: {other:?}"),
    }
    assert_eq!(u.authenticate("Passw0rd!").await?, AuthStep::Done);
    u.verify_tokens().await?;

    u.update_profile(
        &BTreeMap::from([("given_name".to_owned(), "Bob".to_owned())]),
        None,
    )
    .await?;
    let user = u.get_user(None).await?;
    println!(
        "{} ({:?}), sub {:?}",
        user,
        user.get("given_name"),
        user.sub
    );

    u.renew_access_token().await?;
    u.logout().await?;
    emu.shutdown().await;
    Ok(())
}
