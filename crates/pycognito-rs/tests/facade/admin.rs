//! Admin methods (SigV4 with the emulator's test/test credentials), groups, app clients.

use crate::{Env, PASSWORD};
use pycognito::{AuthStep, NextAction};
use std::collections::BTreeMap;

#[tokio::test]
async fn admin_user_lifecycle() {
    let env = Env::default().await;
    let mut c = env.cognito("carol");
    let attrs = BTreeMap::from([("email".to_owned(), "carol@example.com".to_owned())]);
    let created = c
        .admin_create_user("carol", Some("Temp-passw0rd"), &attrs, None)
        .await
        .unwrap();
    assert_eq!(created.username, "carol");
    assert_eq!(
        created.metadata.user_status.as_deref(),
        Some("FORCE_CHANGE_PASSWORD")
    );
    let step = c
        .new_password_challenge("Temp-passw0rd", PASSWORD)
        .await
        .unwrap();
    assert_eq!(step, AuthStep::Done);

    let user = c.admin_get_user(None).await.unwrap();
    assert_eq!(user.get("email"), Some("carol@example.com"));
    assert_eq!(user.metadata.user_status.as_deref(), Some("CONFIRMED"));
    assert_eq!(user.metadata.enabled, Some(true));

    let update = BTreeMap::from([("family_name".to_owned(), "Smith".to_owned())]);
    c.admin_update_profile(&update, None).await.unwrap();
    assert_eq!(
        c.admin_get_user(None).await.unwrap().get("family_name"),
        Some("Smith")
    );

    env.user("dave");
    let users = c.get_users(None).await.unwrap();
    let mut names: Vec<_> = users.iter().map(|u| u.username.as_str()).collect();
    names.sort();
    assert_eq!(names, ["carol", "dave"]);

    c.admin_disable_user("dave").await.unwrap();
    let mut dave = env.cognito("dave");
    let err = dave.authenticate(PASSWORD).await.unwrap_err();
    assert!(err.is("NotAuthorizedException"), "{err}");
    assert_eq!(err.next_action(), NextAction::SignInAgain);
    c.admin_enable_user("dave").await.unwrap();
    assert!(dave.authenticate(PASSWORD).await.unwrap().is_done());

    c.admin_delete_user().await.unwrap();
    let err = c.admin_get_user(None).await.unwrap_err();
    assert!(err.is("UserNotFoundException"), "{err}");
}

#[tokio::test]
async fn admin_authenticate_and_confirm_sign_up() {
    let env = Env::default().await;
    let mut c = env.cognito("erin");
    c.set_base_attributes([("email", "erin@example.com")]);
    c.register("erin", PASSWORD, None).await.unwrap();
    c.admin_confirm_sign_up(None).await.unwrap();
    assert_eq!(
        c.admin_authenticate(PASSWORD).await.unwrap(),
        AuthStep::Done
    );
    assert_eq!(c.get_user(None).await.unwrap().username, "erin");
    let err = c.admin_authenticate("Wrong-passw0rd").await.unwrap_err();
    assert!(err.is("NotAuthorizedException"), "{err}");
}

#[tokio::test]
async fn admin_reset_password_means_reset() {
    let env = Env::default().await;
    env.user("fred");
    let mut c = env.cognito("fred");
    c.admin_reset_password("fred", None).await.unwrap();
    let err = c.authenticate(PASSWORD).await.unwrap_err();
    assert!(err.is("PasswordResetRequiredException"), "{err}");
    assert_eq!(err.next_action(), NextAction::ResetPassword);
    let code = env.emu.latest_code(&env.pool_id, "fred").unwrap();
    c.confirm_forgot_password(&code, "New-passw0rd1")
        .await
        .unwrap();
    assert!(c.authenticate("New-passw0rd1").await.unwrap().is_done());
}

#[tokio::test]
async fn bad_admin_credentials_give_up() {
    let env = Env::default().await;
    env.user("gail");
    let c = pycognito::Cognito::builder(&env.pool_id, &env.client.client_id)
        .endpoint_url(env.emu.url())
        .username("gail")
        .admin_credentials("test", "wrong-secret")
        .build()
        .unwrap();
    let err = c.admin_get_user(None).await.unwrap_err();
    assert!(err.service_code().is_some(), "{err}");
    assert_eq!(err.next_action(), NextAction::FixConfiguration, "{err}");
}

#[tokio::test]
async fn groups() {
    let env = Env::default().await;
    env.user("hank");
    env.emu
        .add_to_group(&env.pool_id, "hank", "admins")
        .unwrap();
    env.emu.add_to_group(&env.pool_id, "hank", "staff").unwrap();
    let c = env.cognito("hank");
    let group = c.get_group("admins").await.unwrap();
    assert_eq!(group.group_name, "admins");
    assert_eq!(group.to_string(), "admins");
    let mut all: Vec<_> = c
        .get_groups()
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.group_name)
        .collect();
    all.sort();
    assert_eq!(all, ["admins", "staff"]);
    c.admin_remove_user_from_group("hank", "staff")
        .await
        .unwrap();
    assert_eq!(
        c.admin_list_groups_for_user("hank").await.unwrap(),
        ["admins"]
    );
    c.admin_add_user_to_group("hank", "staff").await.unwrap();
    let mut mine = c.admin_list_groups_for_user("hank").await.unwrap();
    mine.sort();
    assert_eq!(mine, ["admins", "staff"]);
    let err = c.get_group("nope").await.unwrap_err();
    assert!(err.is("ResourceNotFoundException"), "{err}");
}

#[tokio::test]
async fn pool_client_and_identity_provider() {
    let env = Env::default().await;
    let c = env.cognito("ivan");
    let client = c.describe_user_pool_client(c.client_id()).await.unwrap();
    assert_eq!(
        client.client_id.as_ref().map(|s| s.expose()),
        Some(c.client_id())
    );
    let details = BTreeMap::from([
        ("client_id".to_owned(), "google-client".to_owned()),
        ("client_secret".to_owned(), "google-secret".to_owned()),
        ("authorize_scopes".to_owned(), "openid email".to_owned()),
    ]);
    let created = c
        .admin_create_identity_provider(
            "Google",
            cognito_wire::IdentityProviderTypeType::Google,
            details,
        )
        .await
        .unwrap();
    assert_eq!(created.provider_name.as_deref(), Some("Google"));
    let described = c.admin_describe_identity_provider("Google").await.unwrap();
    assert_eq!(described.provider_name.as_deref(), Some("Google"));
}
