//! The user's own operations.

use crate::{Env, PASSWORD};
use pycognito::{AttributeMap, AuthStep, NextAction};
use std::collections::BTreeMap;

#[tokio::test]
async fn register_and_confirm() {
    let env = Env::default().await;
    let mut c = env.cognito("bob");
    c.set_base_attributes([("email", "bob@example.com"), ("given_name", "Bob")]);
    c.add_custom_attributes([("team", "blue")]);
    let resp = c.register("bob", PASSWORD, None).await.unwrap();
    assert!(!resp.user_confirmed);
    let err = c.confirm_sign_up("000000", None).await.unwrap_err();
    assert!(
        err.is("CodeMismatchException") || err.is("ExpiredCodeException"),
        "{err}"
    );
    assert_eq!(err.next_action(), NextAction::FixInput);
    c.resend_confirmation_code("bob").await.unwrap();
    let code = env.emu.latest_code(&env.pool_id, "bob").unwrap();
    c.confirm_sign_up(&code, None).await.unwrap();
    assert_eq!(c.authenticate(PASSWORD).await.unwrap(), AuthStep::Done);
    let user = c.get_user(None).await.unwrap();
    assert_eq!(user.get("given_name"), Some("Bob"));
    assert_eq!(user.get("custom:team"), Some("blue"));
    assert!(user.sub.is_some());
}

#[tokio::test]
async fn register_twice_asks_the_user() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("x");
    let err = c.register("alice", PASSWORD, None).await.unwrap_err();
    assert!(err.is("UsernameExistsException"), "{err}");
    assert_eq!(err.next_action(), NextAction::FixInput);
}

#[tokio::test]
async fn forgot_and_confirm_password() {
    let env = Env::default().await;
    env.user("alice");
    let c = env.cognito("alice");
    c.initiate_forgot_password().await.unwrap();
    let code = env.emu.latest_code(&env.pool_id, "alice").unwrap();
    c.confirm_forgot_password(&code, "New-passw0rd1")
        .await
        .unwrap();
    let mut c = env.cognito("alice");
    let err = c.authenticate(PASSWORD).await.unwrap_err();
    assert_eq!(err.next_action(), NextAction::SignInAgain);
    assert!(c.authenticate("New-passw0rd1").await.unwrap().is_done());
}

#[tokio::test]
async fn change_password() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    c.authenticate(PASSWORD).await.unwrap();
    let err = c
        .change_password("Not-the-passw0rd", "New-passw0rd1")
        .await
        .unwrap_err();
    assert!(err.is("NotAuthorizedException"), "{err}");
    assert_eq!(err.next_action(), NextAction::SignInAgain);
    c.change_password(PASSWORD, "New-passw0rd1").await.unwrap();
    assert!(c.authenticate("New-passw0rd1").await.unwrap().is_done());
}

#[tokio::test]
async fn get_user_and_update_profile_with_attr_map() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    c.authenticate(PASSWORD).await.unwrap();
    let map = AttributeMap::new().map("given_name", "first_name");
    let attrs = BTreeMap::from([
        ("first_name".to_owned(), "Alice".to_owned()),
        ("nickname".to_owned(), "Al".to_owned()),
    ]);
    c.update_profile(&attrs, Some(&map)).await.unwrap();
    let mut user = c.get_user(Some(&map)).await.unwrap();
    assert_eq!(user.username, "alice");
    assert_eq!(user.get("first_name"), Some("Alice"));
    assert_eq!(user.get("nickname"), Some("Al"));
    assert_eq!(user.email_verified, Some(true));
    assert_eq!(user.get("email"), Some("alice@example.com"));
    // UserObj.save
    user.set("first_name", "Alicia");
    user.save(&c, false).await.unwrap();
    let plain = c.get_user(None).await.unwrap();
    assert_eq!(plain.get("given_name"), Some("Alicia"));
    c.delete_user_attributes(&["nickname"]).await.unwrap();
    assert_eq!(c.get_user(None).await.unwrap().get("nickname"), None);
}

#[tokio::test]
async fn attribute_verification() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    c.authenticate(PASSWORD).await.unwrap();
    let attrs = BTreeMap::from([("email".to_owned(), "alice2@example.com".to_owned())]);
    c.update_profile(&attrs, None).await.unwrap();
    c.send_verification("email").await.unwrap();
    let code = env.emu.latest_code(&env.pool_id, "alice").unwrap();
    c.validate_verification(&code, "email").await.unwrap();
    let user = c.get_user(None).await.unwrap();
    assert_eq!(user.get("email"), Some("alice2@example.com"));
    assert_eq!(user.email_verified, Some(true));
}

#[tokio::test]
async fn delete_user() {
    let env = Env::default().await;
    env.user("alice");
    let mut c = env.cognito("alice");
    c.authenticate(PASSWORD).await.unwrap();
    let user = c.get_user(None).await.unwrap();
    user.delete(&mut c, false).await.unwrap();
    assert!(c.tokens().is_none());
    let err = c.authenticate(PASSWORD).await.unwrap_err();
    assert!(err.service_code().is_some(), "{err}");
}
