//! The blocking API, from a plain `#[test]` (no runtime on this thread).

use crate::{Env, PASSWORD};
use pycognito::{NextAction, PycognitoError};
use std::collections::BTreeMap;

#[test]
fn blocking_cognito() {
    // The emulator runs on its own multi-thread runtime; this thread has none.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let env = rt.block_on(Env::default());
    env.user("alice");

    let mut c = pycognito::blocking::Cognito::new(env.builder("alice")).unwrap();
    assert!(c.authenticate(PASSWORD).unwrap().is_done());
    assert_eq!(
        c.get_user(None).unwrap().get("email"),
        Some("alice@example.com")
    );
    c.update_profile(
        &BTreeMap::from([("nickname".to_owned(), "Al".to_owned())]),
        None,
    )
    .unwrap();
    assert_eq!(c.get_user(None).unwrap().get("nickname"), Some("Al"));
    assert!(!c.check_token(true).unwrap());
    c.renew_access_token().unwrap();
    c.verify_tokens().unwrap();
    assert!(c.get_ref().id_claims().is_some());
    assert_eq!(c.admin_get_user(None).unwrap().username, "alice");

    let err = c.authenticate("Wrong-passw0rd").unwrap_err();
    assert_eq!(err.next_action(), NextAction::SignInAgain);

    c.logout().unwrap();
    assert!(c.get_ref().tokens().is_none());
    drop(c);

    // Inside a runtime: an error, not a panic (nor a deadlock).
    let inside = rt.block_on(async { pycognito::blocking::Cognito::new(env.builder("alice")) });
    assert!(matches!(inside, Err(PycognitoError::InsideAsyncRuntime)));

    // Created outside, called inside: an error too; dropped inside: no panic.
    let mut c = pycognito::blocking::Cognito::new(env.builder("alice")).unwrap();
    rt.block_on(async move {
        let err = c.authenticate(PASSWORD).unwrap_err();
        assert!(matches!(err, PycognitoError::InsideAsyncRuntime));
        assert_eq!(err.next_action(), NextAction::FixConfiguration);
        drop(c);
    });
    rt.block_on(env.emu.shutdown());
}
