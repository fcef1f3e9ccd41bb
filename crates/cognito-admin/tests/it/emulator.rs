//! Every admin operation against the embedded emulator, with SigV4 verification on (access key
//! `test`, secret `test`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, future};
use cognito_admin::{
    AdminClient, Answer, Filter, Flow, GroupSpec, MfaPreference, MfaSetting, NewUser, Question,
    SignInOutcome, UserQuery, attributes_to_map, map_to_attributes, static_credentials,
};
use cognito_emulator::{ClientSpec, DeviceTracking, Emulator, EmulatorConfig, PoolSpec, UserSpec};
use cognito_wire::{
    ConfirmDeviceRequest, CreateUserPoolClientRequest, CreateUserPoolRequest, DeliveryMediumType,
    DeviceSecretVerifierConfigType, ExplicitAuthFlowsType, IdentityProviderTypeType,
    ServiceErrorKind, SetUserPoolMfaConfigRequest, UpdateIdentityProviderRequest,
    UpdateUserPoolClientRequest, UserPoolMfaType, UserStatusType, op, protocol,
};
use futures_util::TryStreamExt as _;

const PASSWORD: &str = "Passw0rd!";

struct Env {
    emu: Emulator,
    admin: AdminClient,
    pool_id: String,
}

fn admin_for(emu: &Emulator, pool_id: &str, secret: &str) -> AdminClient {
    AdminClient::builder()
        .pool_id(pool_id)
        .endpoint_url(emu.url())
        .credentials(static_credentials("test", secret, None))
        .build()
        .unwrap()
}

async fn setup_with(spec: PoolSpec) -> Env {
    let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let pool_id = emu.create_pool(spec).unwrap();
    let admin = admin_for(&emu, &pool_id, "test");
    Env {
        emu,
        admin,
        pool_id,
    }
}

async fn setup() -> Env {
    setup_with(PoolSpec::named("admin-tests")).await
}

fn code(err: &cognito_admin::AdminError) -> &str {
    err.service_code()
        .unwrap_or_else(|| panic!("not a service error: {err:?}"))
}

fn name_of(u: &cognito_wire::UserType) -> String {
    u.username.as_ref().unwrap().expose().to_owned()
}

// ---- signing ----

#[tokio::test]
async fn wrong_secret_key_is_rejected() {
    let env = setup().await;
    let wrong = admin_for(&env.emu, &env.pool_id, "not-the-secret");
    let err = wrong.get_user("nobody").await.unwrap_err();
    assert_eq!(code(&err), "InvalidSignatureException", "{err}");
    let unknown = AdminClient::builder()
        .pool_id(&env.pool_id)
        .endpoint_url(env.emu.url())
        .credentials(static_credentials("AKIDUNKNOWN", "test", None))
        .build()
        .unwrap();
    let err = unknown.list_groups_all().await.unwrap_err();
    assert_eq!(code(&err), "UnrecognizedClientException", "{err}");
    // The right key works.
    env.admin.list_groups_all().await.unwrap();
    env.emu.shutdown().await;
}

#[tokio::test]
async fn unsigned_admin_call_is_rejected() {
    let env = setup().await;
    let endpoint: http::Uri = env.emu.url().parse().unwrap();
    let req = protocol::build_request::<op::AdminGetUser>(
        &endpoint,
        &cognito_wire::AdminGetUserRequest::builder()
            .user_pool_id(env.pool_id.clone())
            .username("nobody")
            .build()
            .unwrap(),
    )
    .unwrap();
    let transport = cognito_wire::HyperTransport::new().unwrap();
    let resp = cognito_wire::Transport::send(&transport, req)
        .await
        .unwrap();
    let err = protocol::decode_response::<op::AdminGetUser>(&resp).unwrap_err();
    assert_eq!(
        err.service_error().map(ServiceErrorKind::code),
        Some("MissingAuthenticationTokenException"),
        "{err}"
    );
    env.emu.shutdown().await;
}

/// Hands out `test`/`test` credentials that expire 10 minutes after the shared clock's now.
#[derive(Debug)]
struct Rotating {
    offset: Arc<AtomicI64>,
    calls: Arc<AtomicUsize>,
}

fn shifted(offset: &AtomicI64) -> SystemTime {
    let o = offset.load(Ordering::SeqCst);
    SystemTime::now() + Duration::from_secs(u64::try_from(o).unwrap())
}

impl ProvideCredentials for Rotating {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let expiry = shifted(&self.offset) + Duration::from_secs(600);
        future::ProvideCredentials::ready(Ok(Credentials::new(
            "test",
            "test",
            Some("session-token".into()),
            Some(expiry),
            "rotating",
        )))
    }
}

#[tokio::test]
async fn expiring_credentials_are_refreshed_through_the_provider() {
    let env = setup().await;
    let offset = Arc::new(AtomicI64::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let clock_offset = offset.clone();
    let admin = AdminClient::builder()
        .pool_id(&env.pool_id)
        .endpoint_url(env.emu.url())
        .credentials_provider(Rotating {
            offset: offset.clone(),
            calls: calls.clone(),
        })
        .clock(move || shifted(&clock_offset))
        .build()
        .unwrap();
    admin.list_groups_all().await.unwrap();
    admin.list_groups_all().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "cached while fresh");
    // Six minutes later the credentials are within the 5-minute refresh buffer.
    offset.store(6 * 60, Ordering::SeqCst);
    admin.list_groups_all().await.unwrap();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "refreshed through the provider"
    );
    env.emu.shutdown().await;
}

// ---- users ----

#[tokio::test]
async fn user_lifecycle() {
    let env = setup().await;
    let a = &env.admin;

    let user = a
        .create_user(
            NewUser::new("alice")
                .temporary_password("Tmp-Passw0rd!")
                .attribute("email", "alice@example.com")
                .attribute("email_verified", "true")
                .attribute("name", "Alice")
                .delivery_mediums([DeliveryMediumType::Email])
                .suppress_message(),
        )
        .await
        .unwrap();
    assert_eq!(name_of(&user), "alice");
    assert_eq!(user.user_status, Some(UserStatusType::ForceChangePassword));
    let err = a
        .create_user(NewUser::new("alice").suppress_message())
        .await
        .unwrap_err();
    assert_eq!(code(&err), "UsernameExistsException");

    let got = a.get_user("alice").await.unwrap();
    let attrs = attributes_to_map(got.user_attributes.as_deref().unwrap_or_default());
    assert_eq!(attrs["email"], "alice@example.com");
    assert_eq!(attrs["name"], "Alice");
    assert!(attrs.contains_key("sub"));
    assert_eq!(got.enabled, Some(true));

    let update = BTreeMap::from([
        ("name".to_owned(), "Alice B".to_owned()),
        ("family_name".to_owned(), "B".to_owned()),
    ]);
    a.update_user_attributes("alice", map_to_attributes(&update))
        .await
        .unwrap();
    let attrs = attributes_to_map(&a.get_user("alice").await.unwrap().user_attributes.unwrap());
    assert_eq!(attrs["name"], "Alice B");
    assert_eq!(attrs["family_name"], "B");
    a.delete_user_attributes("alice", ["family_name"])
        .await
        .unwrap();
    let attrs = attributes_to_map(&a.get_user("alice").await.unwrap().user_attributes.unwrap());
    assert!(!attrs.contains_key("family_name"));

    a.disable_user("alice").await.unwrap();
    assert_eq!(a.get_user("alice").await.unwrap().enabled, Some(false));
    a.enable_user("alice").await.unwrap();
    assert_eq!(a.get_user("alice").await.unwrap().enabled, Some(true));

    a.set_user_password("alice", PASSWORD, true).await.unwrap();
    assert_eq!(
        a.get_user("alice").await.unwrap().user_status,
        Some(UserStatusType::Confirmed)
    );
    a.set_user_password("alice", "Tmp-Passw0rd2!", false)
        .await
        .unwrap();
    assert_eq!(
        a.get_user("alice").await.unwrap().user_status,
        Some(UserStatusType::ForceChangePassword)
    );
    a.set_user_password("alice", PASSWORD, true).await.unwrap();
    a.reset_user_password("alice", None).await.unwrap();
    assert_eq!(
        a.get_user("alice").await.unwrap().user_status,
        Some(UserStatusType::ResetRequired)
    );

    a.user_global_sign_out("alice").await.unwrap();
    a.set_user_mfa_preference(
        "alice",
        MfaPreference::default().email(MfaSetting::enabled(true)),
    )
    .await
    .unwrap();
    let got = a.get_user("alice").await.unwrap();
    assert_eq!(got.preferred_mfa_setting.as_deref(), Some("EMAIL_OTP"));

    a.delete_user("alice").await.unwrap();
    let err = a.get_user("alice").await.unwrap_err();
    assert!(
        matches!(
            err.service_error(),
            Some(ServiceErrorKind::UserNotFoundException(_))
        ),
        "{err}"
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn confirm_sign_up() {
    let env = setup().await;
    let mut spec = UserSpec::new("bob", PASSWORD);
    spec.status = Some("UNCONFIRMED".to_owned());
    env.emu.create_user(&env.pool_id, spec).unwrap();
    assert_eq!(
        env.admin.get_user("bob").await.unwrap().user_status,
        Some(UserStatusType::Unconfirmed)
    );
    env.admin.confirm_sign_up("bob").await.unwrap();
    assert_eq!(
        env.admin.get_user("bob").await.unwrap().user_status,
        Some(UserStatusType::Confirmed)
    );
    env.emu.shutdown().await;
}

// ---- admin sign-in: cognito-auth's one driver on the admin's signing wire client ----

async fn admin_sign_in(
    env: &Env,
    client_id: &str,
    username: &str,
    password: &str,
    flow: Flow,
) -> Result<SignInOutcome, cognito_auth::Error> {
    let auth = env.admin.auth(client_id).build()?;
    auth.sign_in_with(auth.config(username).password(password).flow(flow))
        .await
}

#[tokio::test]
async fn admin_sign_in_password_and_srp() {
    let env = setup().await;
    let client = env
        .emu
        .create_client(&env.pool_id, ClientSpec::public("admin-app"))
        .unwrap();
    env.emu
        .create_user(&env.pool_id, UserSpec::new("carol", PASSWORD))
        .unwrap();
    for flow in [Flow::AdminUserPassword, Flow::AdminUserSrp] {
        let out = admin_sign_in(&env, &client.client_id, "carol", PASSWORD, flow.clone())
            .await
            .unwrap();
        let signed = out
            .session()
            .unwrap_or_else(|| panic!("{flow:?}: not signed in"));
        assert_eq!(signed.username(), "carol");
        assert!(!signed.tokens().access_token.is_empty());
        // The session refreshes like any other.
        let refreshed = signed.refresh().await.unwrap();
        assert!(!refreshed.access_token.is_empty());
    }
    let err = admin_sign_in(
        &env,
        &client.client_id,
        "carol",
        "wrong-Passw0rd!",
        Flow::AdminUserSrp,
    )
    .await
    .unwrap_err();
    assert_eq!(err.service_code(), Some("NotAuthorizedException"));
    assert_eq!(err.next_action(), cognito_auth::NextAction::SignInAgain);
    // The public flows run through the same driver and client (their operations go unsigned).
    let out = admin_sign_in(&env, &client.client_id, "carol", PASSWORD, Flow::UserSrp)
        .await
        .unwrap();
    assert!(out.session().is_some());
    env.emu.shutdown().await;
}

#[tokio::test]
async fn admin_sign_in_new_password_challenge() {
    let env = setup().await;
    let client = env
        .emu
        .create_client(&env.pool_id, ClientSpec::confidential("admin-app"))
        .unwrap();
    env.admin
        .create_user(
            NewUser::new("dave")
                .temporary_password("Tmp-Passw0rd!")
                .suppress_message(),
        )
        .await
        .unwrap();
    let auth = env
        .admin
        .auth(&client.client_id)
        .client_secret(client.client_secret.clone().unwrap())
        .build()
        .unwrap();
    let config = auth
        .config("dave")
        .password("Tmp-Passw0rd!")
        .flow(Flow::AdminUserPassword);
    let out = auth.sign_in_with(config).await.unwrap();
    let SignInOutcome::NeedsInput(pending) = out else {
        panic!("expected NEW_PASSWORD_REQUIRED")
    };
    assert!(matches!(pending.question(), Question::NewPassword { .. }));
    let out = pending
        .answer(Answer::NewPassword {
            password: "New-Passw0rd!".into(),
            attributes: BTreeMap::new(),
        })
        .await
        .unwrap();
    assert!(out.session().is_some());
    assert_eq!(
        env.admin.get_user("dave").await.unwrap().user_status,
        Some(UserStatusType::Confirmed)
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn admin_sign_in_asks_again_after_a_wrong_code() {
    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let spec = PoolSpec::named("admin-mfa")
        .mfa(cognito_emulator::MfaConfig::On)
        .software_token_mfa(true);
    let env = setup_with(spec).await;
    let client = env
        .emu
        .create_client(&env.pool_id, ClientSpec::public("admin-app"))
        .unwrap();
    env.emu
        .create_user(
            &env.pool_id,
            UserSpec::new("tess", PASSWORD).mfa(
                cognito_emulator::UserMfaSpec::default()
                    .totp_secret(Some(SECRET.into()))
                    .preferred(Some("SOFTWARE_TOKEN_MFA".into())),
            ),
        )
        .unwrap();
    let right = env.emu.totp_code(&env.pool_id, "tess").unwrap();
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let out = admin_sign_in(
        &env,
        &client.client_id,
        "tess",
        PASSWORD,
        Flow::AdminUserSrp,
    )
    .await
    .unwrap();
    let SignInOutcome::NeedsInput(pending) = out else {
        panic!("expected SOFTWARE_TOKEN_MFA")
    };
    assert!(pending.rejection().is_none());
    let out = pending.answer(Answer::Code(wrong.into())).await.unwrap();
    let SignInOutcome::NeedsInput(again) = out else {
        panic!("a wrong code asks again")
    };
    assert_eq!(again.rejection(), Some(&cognito_auth::Rejection::WrongCode));
    assert_eq!(
        again.rejected().and_then(|e| e.service_code()),
        Some("CodeMismatchException")
    );
    assert!(matches!(again.question(), Question::Code { .. }));
    let out = again
        .answer(Answer::Code(right.as_str().into()))
        .await
        .unwrap();
    assert!(out.session().is_some());
    env.emu.shutdown().await;
}

// ---- devices ----

#[tokio::test]
async fn devices() {
    let mut spec = PoolSpec::named("devices");
    spec.device_tracking = DeviceTracking::Always;
    let env = setup_with(spec).await;
    let client = env
        .emu
        .create_client(&env.pool_id, ClientSpec::public("app"))
        .unwrap();
    env.emu
        .create_user(&env.pool_id, UserSpec::new("erin", PASSWORD))
        .unwrap();
    let signed = admin_sign_in(
        &env,
        &client.client_id,
        "erin",
        PASSWORD,
        Flow::AdminUserSrp,
    )
    .await
    .unwrap()
    .session()
    .unwrap();
    let device = signed
        .new_device()
        .expect("device tracking hands out a device");
    let secret = srp_core::generate_device_secret(
        &device.device_group_key,
        &device.device_key,
        &ring::rand::SystemRandom::new(),
    )
    .unwrap();
    let verifier = DeviceSecretVerifierConfigType::builder()
        .password_verifier(secret.config.password_verifier.clone())
        .salt(secret.config.salt.clone())
        .build();
    let confirm = ConfirmDeviceRequest::builder()
        .access_token(signed.tokens().access_token.clone())
        .device_key(device.device_key.clone())
        .device_name("test-device")
        .device_secret_verifier_config(verifier)
        .build()
        .unwrap();
    env.admin.call::<op::ConfirmDevice>(&confirm).await.unwrap();

    let devices = env.admin.list_devices_all("erin").await.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(
        devices[0].device_key.as_deref(),
        Some(device.device_key.as_str())
    );
    let got = env
        .admin
        .get_device("erin", &device.device_key)
        .await
        .unwrap();
    assert_eq!(got.device_key.as_deref(), Some(device.device_key.as_str()));
    env.admin
        .update_device_status("erin", &device.device_key, false)
        .await
        .unwrap();
    let got = env
        .admin
        .get_device("erin", &device.device_key)
        .await
        .unwrap();
    let attrs = attributes_to_map(got.device_attributes.as_deref().unwrap_or_default());
    assert_eq!(
        attrs.get("device_status").map(String::as_str),
        Some("not_remembered"),
        "{attrs:?}"
    );
    env.admin
        .forget_device("erin", &device.device_key)
        .await
        .unwrap();
    assert!(env.admin.list_devices_all("erin").await.unwrap().is_empty());
    let err = env
        .admin
        .get_device("erin", &device.device_key)
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    env.emu.shutdown().await;
}

// ---- groups ----

#[tokio::test]
async fn groups() {
    let env = setup().await;
    let a = &env.admin;
    env.emu
        .create_user(&env.pool_id, UserSpec::new("frank", PASSWORD))
        .unwrap();
    let g = a
        .create_group(
            GroupSpec::new("admins")
                .description("Administrators")
                .precedence(1),
        )
        .await
        .unwrap();
    assert_eq!(g.group_name.as_deref(), Some("admins"));
    assert_eq!(g.precedence, Some(1));
    let err = a.create_group(GroupSpec::new("admins")).await.unwrap_err();
    assert_eq!(code(&err), "GroupExistsException");
    a.create_group(GroupSpec::new("readers")).await.unwrap();

    let g = a
        .update_group(GroupSpec::new("admins").description("Admins").precedence(2))
        .await
        .unwrap();
    assert_eq!(g.description.as_deref(), Some("Admins"));
    let g = a.get_group("admins").await.unwrap();
    assert_eq!(g.precedence, Some(2));

    let names: BTreeSet<_> = a
        .list_groups_all()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|g| g.group_name)
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["admins".to_owned(), "readers".to_owned()])
    );

    a.add_user_to_group("frank", "admins").await.unwrap();
    a.add_user_to_group("frank", "readers").await.unwrap();
    assert_eq!(a.list_groups_for_user_all("frank").await.unwrap().len(), 2);
    let members = a.list_users_in_group_all("admins").await.unwrap();
    assert_eq!(members.iter().map(name_of).collect::<Vec<_>>(), ["frank"]);
    a.remove_user_from_group("frank", "admins").await.unwrap();
    assert!(
        a.list_users_in_group_all("admins")
            .await
            .unwrap()
            .is_empty()
    );
    let groups = a.list_groups_for_user_all("frank").await.unwrap();
    assert_eq!(groups[0].group_name.as_deref(), Some("readers"));

    a.delete_group("admins").await.unwrap();
    let err = a.get_group("admins").await.unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    env.emu.shutdown().await;
}

// ---- pools, app clients, identity providers ----

#[tokio::test]
async fn pools_and_clients() {
    let emu = Emulator::start(EmulatorConfig::default()).await.unwrap();
    // No pool yet: the client's region is explicit.
    let root = AdminClient::builder()
        .region("us-east-1")
        .endpoint_url(emu.url())
        .credentials(static_credentials("test", "test", None))
        .build()
        .unwrap();
    let pool = root
        .create_user_pool(
            &CreateUserPoolRequest::builder()
                .pool_name("created-by-admin")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let pool_id = pool.id.clone().unwrap();
    assert!(pool_id.starts_with("us-east-1_"), "{pool_id}");
    let a = root.with_pool_id(&pool_id);
    let described = a.describe_user_pool().await.unwrap();
    assert_eq!(described.name.as_deref(), Some("created-by-admin"));

    let req = CreateUserPoolClientRequest::builder()
        .client_name("web")
        .user_pool_id(&pool_id)
        .generate_secret(true)
        .explicit_auth_flows(vec![
            ExplicitAuthFlowsType::AllowAdminUserPasswordAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth,
        ])
        .build()
        .unwrap();
    let created = a.create_user_pool_client(&req).await.unwrap();
    let client_id = created.client_id.clone().unwrap();
    assert!(created.client_secret.is_some());
    let described = a
        .describe_user_pool_client(client_id.clone())
        .await
        .unwrap();
    assert_eq!(described.client_name.as_deref(), Some("web"));

    let update = UpdateUserPoolClientRequest::builder()
        .client_id(client_id.clone())
        .user_pool_id(&pool_id)
        .client_name("web-2")
        .build()
        .unwrap();
    let updated = a.update_user_pool_client(&update).await.unwrap();
    assert_eq!(updated.client_name.as_deref(), Some("web-2"));

    let second = CreateUserPoolClientRequest::builder()
        .client_name("mobile")
        .user_pool_id(&pool_id)
        .generate_secret(false)
        .build()
        .unwrap();
    a.create_user_pool_client(&second).await.unwrap();
    let listed: BTreeSet<_> = a
        .list_user_pool_clients_all()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|c| c.client_name)
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from(["mobile".to_owned(), "web-2".to_owned()])
    );

    a.delete_user_pool_client(client_id.clone()).await.unwrap();
    let err = a.describe_user_pool_client(client_id).await.unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    assert_eq!(a.list_user_pool_clients_all().await.unwrap().len(), 1);

    a.delete_user_pool().await.unwrap();
    let err = a.describe_user_pool().await.unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    emu.shutdown().await;
}

#[tokio::test]
async fn pool_mfa_config() {
    let env = setup().await;
    let req = SetUserPoolMfaConfigRequest::builder()
        .user_pool_id(&env.pool_id)
        .mfa_configuration(UserPoolMfaType::Optional)
        .software_token_mfa_configuration(
            cognito_wire::SoftwareTokenMfaConfigType::builder()
                .enabled(true)
                .build(),
        )
        .build()
        .unwrap();
    let set = env.admin.set_user_pool_mfa_config(&req).await.unwrap();
    assert_eq!(set.mfa_configuration, Some(UserPoolMfaType::Optional));
    let got = env.admin.get_user_pool_mfa_config().await.unwrap();
    assert_eq!(got.mfa_configuration, Some(UserPoolMfaType::Optional));
    assert_eq!(
        got.software_token_mfa_configuration.and_then(|c| c.enabled),
        Some(true)
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn identity_providers() {
    let env = setup().await;
    let a = &env.admin;
    let details = BTreeMap::from([
        ("client_id".to_owned(), "oidc-client".to_owned()),
        ("client_secret".to_owned(), "oidc-secret".to_owned()),
        ("authorize_scopes".to_owned(), "openid email".to_owned()),
        (
            "oidc_issuer".to_owned(),
            "https://issuer.example.com".to_owned(),
        ),
        ("attributes_request_method".to_owned(), "GET".to_owned()),
    ]);
    let created = a
        .create_identity_provider("corp", IdentityProviderTypeType::Oidc, details.clone())
        .await
        .unwrap();
    assert_eq!(created.provider_name.as_deref(), Some("corp"));
    assert_eq!(created.provider_type, Some(IdentityProviderTypeType::Oidc));
    let err = a
        .create_identity_provider("corp", IdentityProviderTypeType::Oidc, details.clone())
        .await
        .unwrap_err();
    assert_eq!(code(&err), "DuplicateProviderException");

    let described = a.describe_identity_provider("corp").await.unwrap();
    assert_eq!(
        described
            .provider_details
            .as_ref()
            .and_then(|d| d.get("oidc_issuer"))
            .map(String::as_str),
        Some("https://issuer.example.com")
    );
    let update = UpdateIdentityProviderRequest::builder()
        .provider_name("corp")
        .user_pool_id(&env.pool_id)
        .attribute_mapping(BTreeMap::from([("email".to_owned(), "email".to_owned())]))
        .build()
        .unwrap();
    let updated = a.update_identity_provider(&update).await.unwrap();
    assert_eq!(
        updated
            .attribute_mapping
            .as_ref()
            .and_then(|m| m.get("email"))
            .map(String::as_str),
        Some("email")
    );

    a.create_identity_provider("corp2", IdentityProviderTypeType::Oidc, details)
        .await
        .unwrap();
    let names: BTreeSet<_> = a
        .list_identity_providers_all()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|p| p.provider_name)
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["corp".to_owned(), "corp2".to_owned()])
    );
    a.delete_identity_provider("corp").await.unwrap();
    let err = a.describe_identity_provider("corp").await.unwrap_err();
    assert_eq!(code(&err), "ResourceNotFoundException");
    assert_eq!(a.list_identity_providers_all().await.unwrap().len(), 1);
    env.emu.shutdown().await;
}

// ---- pagination and filters ----

#[tokio::test]
async fn pagination_250_users_and_75_groups_each_exactly_once() {
    let env = setup().await;
    let expected_users: BTreeSet<String> = (0..250).map(|i| format!("user{i:03}")).collect();
    for name in &expected_users {
        env.emu
            .create_user(&env.pool_id, UserSpec::new(name.clone(), PASSWORD))
            .unwrap();
    }
    let expected_groups: BTreeSet<String> = (0..75).map(|i| format!("group{i:02}")).collect();
    for g in &expected_groups {
        env.admin
            .create_group(GroupSpec::new(g.clone()))
            .await
            .unwrap();
    }

    // Users through the stream, default page size (60) and a small one.
    for query in [UserQuery::new(), UserQuery::new().page_size(7)] {
        let mut seen = Vec::new();
        let mut stream = env.admin.list_users_stream(query);
        while let Some(u) = stream.try_next().await.unwrap() {
            seen.push(name_of(&u));
        }
        assert_eq!(seen.len(), 250, "every user once");
        let unique: BTreeSet<_> = seen.into_iter().collect();
        assert_eq!(unique, expected_users);
    }
    // Groups.
    let groups: Vec<String> = env
        .admin
        .list_groups_all()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|g| g.group_name)
        .collect();
    assert_eq!(groups.len(), 75);
    assert_eq!(groups.into_iter().collect::<BTreeSet<_>>(), expected_groups);

    // One user in all 75 groups; 70 users in one group.
    for g in &expected_groups {
        env.admin
            .add_user_to_group("user000", g.clone())
            .await
            .unwrap();
    }
    let mine = env.admin.list_groups_for_user_all("user000").await.unwrap();
    assert_eq!(mine.len(), 75);
    assert_eq!(
        mine.into_iter()
            .filter_map(|g| g.group_name)
            .collect::<BTreeSet<_>>(),
        expected_groups
    );
    let members: BTreeSet<String> = expected_users.iter().take(70).cloned().collect();
    for u in members.iter().skip(1) {
        env.admin
            .add_user_to_group(u.clone(), "group00")
            .await
            .unwrap();
    }
    let listed = env.admin.list_users_in_group_all("group00").await.unwrap();
    assert_eq!(listed.len(), 70);
    assert_eq!(listed.iter().map(name_of).collect::<BTreeSet<_>>(), members);
    env.emu.shutdown().await;
}

#[tokio::test]
async fn filters_select_the_right_users() {
    let env = setup().await;
    let people = [
        ("u1", "john@example.com", "John Smith"),
        ("u2", "joan@example.com", "Joan Jones"),
        ("u3", "mary@example.com", "Mary Major"),
        ("u4", "jo@other.org", "Jo Ng"),
    ];
    for (u, email, name) in people {
        env.emu
            .create_user(
                &env.pool_id,
                UserSpec::new(u, PASSWORD)
                    .attribute("email", email)
                    .attribute("name", name),
            )
            .unwrap();
    }
    env.admin.disable_user("u3").await.unwrap();
    let names = |users: Vec<cognito_wire::UserType>| -> BTreeSet<String> {
        users.iter().map(name_of).collect()
    };
    let set = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();

    let q = UserQuery::new().filter(Filter::eq("email", "joan@example.com"));
    assert_eq!(
        names(env.admin.list_users_all(q).await.unwrap()),
        set(&["u2"])
    );
    let q = UserQuery::new().filter(Filter::starts_with("name", "Jo"));
    assert_eq!(
        names(env.admin.list_users_all(q).await.unwrap()),
        set(&["u1", "u2", "u4"])
    );
    let q = UserQuery::new()
        .filter(Filter::starts_with("email", "jo"))
        .page_size(1);
    assert_eq!(
        names(env.admin.list_users_all(q).await.unwrap()),
        set(&["u1", "u2", "u4"])
    );
    let q = UserQuery::new().filter(Filter::enabled(false));
    assert_eq!(
        names(env.admin.list_users_all(q).await.unwrap()),
        set(&["u3"])
    );
    let q = UserQuery::new().filter(Filter::username("u4"));
    assert_eq!(
        names(env.admin.list_users_all(q).await.unwrap()),
        set(&["u4"])
    );
    let q = UserQuery::new().filter(Filter::eq("email", "nobody@example.com"));
    assert!(env.admin.list_users_all(q).await.unwrap().is_empty());

    // Attribute projection.
    let q = UserQuery::new()
        .filter(Filter::username("u1"))
        .attributes(["email"]);
    let users = env.admin.list_users_all(q).await.unwrap();
    let attrs = attributes_to_map(users[0].attributes.as_deref().unwrap_or_default());
    assert_eq!(attrs.keys().collect::<Vec<_>>(), ["email"]);

    // A filter on an attribute Cognito cannot search is refused by the service.
    let q = UserQuery::new().filter(Filter::eq("locale", "en"));
    let err = env.admin.list_users_all(q).await.unwrap_err();
    assert_eq!(code(&err), "InvalidParameterException");
    env.emu.shutdown().await;
}

#[tokio::test]
async fn filter_values_with_quotes_and_backslashes() {
    let env = setup().await;
    let tricky = r#"Jo "The Q" \ Smith"#;
    env.emu
        .create_user(
            &env.pool_id,
            UserSpec::new("q1", PASSWORD).attribute("name", tricky),
        )
        .unwrap();
    env.emu
        .create_user(
            &env.pool_id,
            UserSpec::new("q2", PASSWORD).attribute("name", "Jo Plain"),
        )
        .unwrap();
    let q = UserQuery::new().filter(Filter::eq("name", tricky));
    let users = env.admin.list_users_all(q).await.unwrap();
    assert_eq!(users.iter().map(name_of).collect::<Vec<_>>(), ["q1"]);
    let q = UserQuery::new().filter(Filter::starts_with("name", r#"Jo "The"#));
    let users = env.admin.list_users_all(q).await.unwrap();
    assert_eq!(users.iter().map(name_of).collect::<Vec<_>>(), ["q1"]);
    env.emu.shutdown().await;
}
