// Drives amazon-cognito-identity-js (6.x, the Amplify v5 / browser SDK) against a running
// emulator, flow by flow.
//
// Usage: node interop.mjs <emulator-url> <seed.json> [flow ...]
// The emulator is seeded with seed.json (fixed pool and client ids, read here too); the library
// has no admin API and no client-secret support, so the clients are public. Run by
// `cargo xtask interop` and tests/emulator/interop.rs after `npm ci`. Prints
// `RESULT {"flow", "status": "pass" | "fail" | "unsupported", "detail"}` per flow and exits
// non-zero when a flow fails.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
} = require('amazon-cognito-identity-js');

const [url, seedPath, ...only] = process.argv.slice(2);
if (!seedPath) {
  console.error('usage: node interop.mjs <emulator-url> <seed.json> [flow ...]');
  process.exit(2);
}
const endpoint = url.replace(/\/$/, '');
const seed = JSON.parse(readFileSync(seedPath, 'utf8'));
const PW = 'Passw0rd!';

class CheckFailed extends Error {}

function check(cond, what) {
  if (!cond) {
    throw new CheckFailed(what);
  }
  console.log(`ok: ${what}`);
}

// Every request the library makes, as [operation, ChallengeName].
const calls = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init = {}) => {
  const headers = init.headers || {};
  const target = headers['X-Amz-Target'] || headers['x-amz-target'] || '';
  let challenge;
  try {
    challenge = JSON.parse(init.body).ChallengeName;
  } catch {
    challenge = undefined;
  }
  calls.push([target.replace('AWSCognitoIdentityProviderService.', ''), challenge]);
  return realFetch(input, init);
};

class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  setItem(k, v) {
    this.items.set(k, String(v));
  }
  getItem(k) {
    return this.items.has(k) ? this.items.get(k) : null;
  }
  removeItem(k) {
    this.items.delete(k);
  }
  clear() {
    this.items.clear();
  }
}

/// A seeded pool by name: { pool, poolId, clientId, storage }.
function poolOf(name, storage = new MemoryStorage()) {
  const p = seed.pools.find((x) => x.name === name);
  const clientId = p.clients[0].client_id;
  const pool = new CognitoUserPool({
    UserPoolId: p.id,
    ClientId: clientId,
    endpoint: `${endpoint}/`,
    Storage: storage,
  });
  return { pool, poolId: p.id, clientId, storage };
}

function userOf(fx, username) {
  return new CognitoUser({ Username: username, Pool: fx.pool, Storage: fx.storage });
}

async function latestCode(poolId, username) {
  const q = new URLSearchParams({ pool_id: poolId, username });
  const msgs = await (await realFetch(`${endpoint}/_emulator/outbox?${q}`)).json();
  return msgs.length ? msgs[msgs.length - 1].code : null;
}

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

function unexpected(reject, what) {
  return (name) => reject(new Error(`unexpected ${name || what}`));
}

/// authenticateUser with the given flow; callbacks not given reject as unexpected.
function signIn(user, password, { flow = 'USER_SRP_AUTH', ...handlers } = {}) {
  const asked = [];
  return new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: (session, userConfirmationNecessary) => resolve({ session, userConfirmationNecessary, asked }),
      onFailure: reject,
      mfaRequired: unexpected(reject, 'SMS_MFA'),
      totpRequired: unexpected(reject, 'SOFTWARE_TOKEN_MFA'),
      newPasswordRequired: unexpected(reject, 'NEW_PASSWORD_REQUIRED'),
      mfaSetup: unexpected(reject, 'MFA_SETUP'),
      selectMFAType: unexpected(reject, 'SELECT_MFA_TYPE'),
      customChallenge: unexpected(reject, 'CUSTOM_CHALLENGE'),
    };
    for (const [name, handler] of Object.entries(handlers)) {
      callbacks[name] = (...args) => {
        asked.push(name);
        handler(callbacks, ...args);
      };
    }
    user.setAuthenticationFlowType(flow);
    user.authenticateUser(new AuthenticationDetails({ Username: user.getUsername(), Password: password }), callbacks);
  });
}

/// A rejected sign-in's error (null when it succeeded).
async function signInError(user, password, opts) {
  try {
    await signIn(user, password, opts);
    return null;
  } catch (e) {
    return e;
  }
}

function promisify(fn) {
  return new Promise((resolve, reject) => fn({ onSuccess: resolve, onFailure: reject }));
}

function nodeback(fn) {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

async function errorOf(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return e;
  }
}

const FLOWS = {};

FLOWS.srp = async () => {
  const fx = poolOf('js-plain');
  const one = await signIn(userOf(fx, 'alice'), PW);
  check(claims(one.session.getAccessToken().getJwtToken()).username === 'alice', 'USER_SRP_AUTH sign-in');
  check(one.session.isValid(), 'session valid');
  const err = await signInError(userOf(fx, 'alice'), 'Wrong-Passw0rd!');
  check(err && err.code === 'NotAuthorizedException', 'wrong password rejected');
};

FLOWS.password = async () => {
  const fx = poolOf('js-plain');
  calls.length = 0;
  const one = await signIn(userOf(fx, 'bob'), PW, { flow: 'USER_PASSWORD_AUTH' });
  check(calls.some(([op]) => op === 'InitiateAuth') && !calls.some(([op]) => op === 'RespondToAuthChallenge'),
    'one InitiateAuth, no challenge');
  check(claims(one.session.getIdToken().getJwtToken()).email === 'bob@example.com', 'USER_PASSWORD_AUTH sign-in');
};

FLOWS.secret_hash = 'amazon-cognito-identity-js has no client-secret support (it never sends SECRET_HASH)';

FLOWS.refresh = async () => {
  const fx = poolOf('js-plain');
  const user = userOf(fx, 'dan');
  const one = await signIn(user, PW);
  const refreshed = await nodeback((cb) => user.refreshSession(one.session.getRefreshToken(), cb));
  const access = refreshed.getAccessToken().getJwtToken();
  check(access !== one.session.getAccessToken().getJwtToken() && claims(access).username === 'dan',
    'refreshSession (REFRESH_TOKEN_AUTH)');
  const again = await nodeback((cb) => userOf(fx, 'dan').getSession(cb));
  check(again.isValid(), 'getSession from the cached tokens');
};

FLOWS.new_password = async () => {
  const fx = poolOf('js-plain');
  const user = userOf(fx, 'nina');
  const one = await signIn(user, 'Temp0rary!', {
    newPasswordRequired: (callbacks, userAttributes) => {
      delete userAttributes.email_verified;
      delete userAttributes.email;
      user.completeNewPasswordChallenge('N3w-Passw0rd!', userAttributes, callbacks);
    },
  });
  check(one.asked.join() === 'newPasswordRequired', 'NEW_PASSWORD_REQUIRED asked');
  check(claims(one.session.getAccessToken().getJwtToken()).username === 'nina', 'completeNewPasswordChallenge');
  await signIn(userOf(fx, 'nina'), 'N3w-Passw0rd!');
  check(true, 'sign-in with the new password');
};

FLOWS.totp = async () => {
  const fx = poolOf('js-mfa');
  const user = userOf(fx, 'fay');
  await signIn(user, PW);
  const secret = await new Promise((resolve, reject) =>
    user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }));
  check(typeof secret === 'string' && secret.length >= 16, 'associateSoftwareToken');
  const step = Math.floor(Date.now() / 1000 / 30);
  await promisify((cb) => user.verifySoftwareToken(totp(secret, step), 'interop', cb));
  check(true, 'verifySoftwareToken');
  await nodeback((cb) => user.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, cb));
  const again = userOf(fx, 'fay');
  const wrong = await signInError(again, PW, {
    totpRequired: (callbacks) => again.sendMFACode('000000', callbacks, 'SOFTWARE_TOKEN_MFA'),
  });
  check(wrong && wrong.code === 'CodeMismatchException', 'wrong TOTP code rejected');
  const next = userOf(fx, 'fay');
  const two = await signIn(next, PW, {
    totpRequired: (callbacks) => next.sendMFACode(totp(secret, step + 1), callbacks, 'SOFTWARE_TOKEN_MFA'),
  });
  check(two.asked.join() === 'totpRequired', 'sign-in asked SOFTWARE_TOKEN_MFA, answered with sendMFACode');
};

FLOWS.sms_mfa = async () => {
  const fx = poolOf('js-mfa');
  const user = userOf(fx, 'carol');
  const one = await signIn(user, PW, {
    mfaRequired: (callbacks, name, params) => {
      check(params.CODE_DELIVERY_DESTINATION.endsWith('0100'), 'masked destination');
      latestCode(fx.poolId, 'carol').then((code) => user.sendMFACode(code, callbacks), callbacks.onFailure);
    },
  });
  check(one.asked.join() === 'mfaRequired', 'SMS_MFA asked, answered with the outbox code');
};

FLOWS.email_mfa = 'amazon-cognito-identity-js 6.x handles no EMAIL_OTP challenge';

FLOWS.device = async () => {
  // Same storage for both sign-ins: the library keeps the device key and secret there.
  const storage = new MemoryStorage();
  const fx = poolOf('js-device', storage);
  const sms = (user) => (callbacks) =>
    latestCode(fx.poolId, 'jane').then((code) => user.sendMFACode(code, callbacks), callbacks.onFailure);
  calls.length = 0;
  const first = userOf(fx, 'jane');
  const one = await signIn(first, PW, { mfaRequired: sms(first) });
  check(one.asked.join() === 'mfaRequired', 'first sign-in asked SMS_MFA');
  const access1 = claims(one.session.getAccessToken().getJwtToken());
  check(typeof first.deviceKey === 'string' && access1.device_key === first.deviceKey,
    'NewDeviceMetadata: device key in the access token');
  check(calls.some(([op]) => op === 'ConfirmDevice'), 'library confirmed the device (ConfirmDevice)');
  check(one.userConfirmationNecessary === true, 'user opt-in pool: UserConfirmationNecessary');
  const deviceKey = first.deviceKey;
  check(storage.getItem(`CognitoIdentityServiceProvider.${fx.clientId}.jane.deviceKey`) === deviceKey,
    'device key and secret cached in the storage');
  await promisify((cb) => first.setDeviceStatusRemembered(cb));
  const device = await promisify((cb) => first.getDevice(cb));
  check(device.Device.DeviceKey === deviceKey, 'setDeviceStatusRemembered, getDevice');

  calls.length = 0;
  const second = userOf(fx, 'jane');
  const two = await signIn(second, PW, { mfaRequired: sms(second) });
  check(two.asked.length === 0, 'second sign-in did not ask for MFA');
  const challenges = calls.filter(([op]) => op === 'RespondToAuthChallenge').map(([, c]) => c);
  check(challenges.join() === 'PASSWORD_VERIFIER,DEVICE_SRP_AUTH,DEVICE_PASSWORD_VERIFIER',
    `second sign-in went through DEVICE_SRP_AUTH (${challenges.join(' → ')})`);
  check(claims(two.session.getAccessToken().getJwtToken()).device_key === deviceKey,
    'the access token carries the remembered device key');
  const refreshed = await nodeback((cb) => second.refreshSession(two.session.getRefreshToken(), cb));
  check(claims(refreshed.getAccessToken().getJwtToken()).device_key === deviceKey,
    'refreshSession (REFRESH_TOKEN_AUTH with DEVICE_KEY)');
  const err = await signInError(userOf(fx, 'jane'), 'nope');
  check(err && err.code === 'NotAuthorizedException', 'wrong password still refused on a remembered device');
};

FLOWS.custom_auth = async () => {
  const fx = poolOf('js-plain');
  const answer = (user) => (callbacks) =>
    latestCode(fx.poolId, 'jo').then((code) => user.sendCustomChallengeAnswer(code, callbacks), callbacks.onFailure);
  // Without a password: initiateAuth (CUSTOM_AUTH), then the challenge answer.
  const plain = userOf(fx, 'jo');
  const asked = [];
  await new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: resolve,
      onFailure: reject,
      customChallenge: () => {
        asked.push('customChallenge');
        answer(plain)(callbacks);
      },
    };
    plain.setAuthenticationFlowType('CUSTOM_AUTH');
    plain.initiateAuth(new AuthenticationDetails({ Username: 'jo' }), callbacks);
  });
  check(asked.length >= 1, 'initiateAuth (CUSTOM_AUTH): CUSTOM_CHALLENGE answered');
  // With SRP first (CHALLENGE_NAME SRP_A): password verified, then the custom challenge.
  const srp = userOf(fx, 'jo');
  const two = await signIn(srp, PW, { flow: 'CUSTOM_AUTH', customChallenge: answer(srp) });
  check(two.asked.includes('customChallenge'), 'authenticateUser (CUSTOM_AUTH with SRP_A) then CUSTOM_CHALLENGE');
  const wrong = userOf(fx, 'jo');
  const err = await errorOf(new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: resolve,
      onFailure: reject,
      customChallenge: () => wrong.sendCustomChallengeAnswer('not-the-code', callbacks),
    };
    wrong.setAuthenticationFlowType('CUSTOM_AUTH');
    wrong.initiateAuth(new AuthenticationDetails({ Username: 'jo' }), callbacks);
  }));
  check(err && err.code === 'NotAuthorizedException', 'a wrong answer is refused');
};

FLOWS.user_auth = 'amazon-cognito-identity-js 6.x has no USER_AUTH (choice-based) sign-in';

FLOWS.sign_up = async () => {
  const fx = poolOf('js-plain');
  const email = new CognitoUserAttribute({ Name: 'email', Value: 'lee@example.com' });
  const r = await nodeback((cb) => fx.pool.signUp('lee', PW, [email], null, cb));
  check(r.userConfirmed === false && r.codeDeliveryDetails.DeliveryMedium === 'EMAIL', 'signUp: code sent by email');
  const err = await signInError(userOf(fx, 'lee'), PW);
  check(err && err.code === 'UserNotConfirmedException', 'sign-in before confirmation refused');
  const code = await latestCode(fx.poolId, 'lee');
  await nodeback((cb) => r.user.confirmRegistration(code, true, cb));
  await signIn(userOf(fx, 'lee'), PW);
  check(true, 'confirmRegistration with the outbox code, then sign-in');
};

FLOWS.forgot_password = async () => {
  const fx = poolOf('js-plain');
  const user = userOf(fx, 'max');
  const data = await promisify((cb) => user.forgotPassword(cb));
  check(data.CodeDeliveryDetails.DeliveryMedium === 'EMAIL', 'forgotPassword: code sent');
  const code = await latestCode(fx.poolId, 'max');
  await promisify((cb) => user.confirmPassword(code, 'Res3t-Passw0rd!', cb));
  await signIn(userOf(fx, 'max'), 'Res3t-Passw0rd!');
  const err = await signInError(userOf(fx, 'max'), PW);
  check(err && err.code === 'NotAuthorizedException', 'confirmPassword: new password works, old refused');
};

FLOWS.change_password = async () => {
  const fx = poolOf('js-plain');
  const user = userOf(fx, 'ned');
  await signIn(user, PW);
  await nodeback((cb) => user.changePassword(PW, 'Chang3d-Passw0rd!', cb));
  await signIn(userOf(fx, 'ned'), 'Chang3d-Passw0rd!');
  const err = await signInError(userOf(fx, 'ned'), PW);
  check(err && err.code === 'NotAuthorizedException', 'changePassword: new password works, old refused');
};

function attrs(list) {
  return Object.fromEntries(list.map((a) => [a.getName(), a.getValue()]));
}

FLOWS.attributes = async () => {
  const fx = poolOf('js-plain');
  const user = userOf(fx, 'ola');
  await signIn(user, PW);
  await nodeback((cb) => user.updateAttributes([
    new CognitoUserAttribute({ Name: 'name', Value: 'Ola' }),
    new CognitoUserAttribute({ Name: 'email', Value: 'ola@example.org' }),
  ], cb));
  let a = attrs(await nodeback((cb) => user.getUserAttributes(cb)));
  check(a.name === 'Ola' && a.email_verified === 'false', 'updateAttributes; a changed email is unverified');
  const code = await latestCode(fx.poolId, 'ola');
  await promisify((cb) => user.verifyAttribute('email', code, cb));
  await promisify((cb) => user.getAttributeVerificationCode('email', cb));
  a = attrs(await nodeback((cb) => user.getUserAttributes(cb)));
  check(a.email === 'ola@example.org' && a.email_verified === 'true',
    'verifyAttribute with the outbox code; getAttributeVerificationCode');
  await nodeback((cb) => user.deleteAttributes(['name'], cb));
  a = attrs(await nodeback((cb) => user.getUserAttributes(cb)));
  check(!('name' in a), 'deleteAttributes');
};

FLOWS.global_sign_out = async () => {
  const fx = poolOf('js-plain');
  const user = userOf(fx, 'pia');
  const one = await signIn(user, PW);
  await promisify((cb) => user.globalSignOut(cb));
  const err = await errorOf(nodeback((cb) => userOf(fx, 'pia').refreshSession(one.session.getRefreshToken(), cb)));
  check(err && err.code === 'NotAuthorizedException', 'globalSignOut: the refresh token is refused');
};

FLOWS.revoke = async () => {
  const fx = poolOf('js-plain');
  const user = userOf(fx, 'quin');
  const one = await signIn(user, PW);
  check(typeof claims(one.session.getAccessToken().getJwtToken()).origin_jti === 'string',
    'tokens carry origin_jti (the library revokes only such tokens)');
  calls.length = 0;
  await new Promise((resolve, reject) => user.signOut((err) => (err ? reject(err) : resolve())));
  check(calls.some(([op]) => op === 'RevokeToken'), 'signOut sent RevokeToken');
  const err = await errorOf(nodeback((cb) => userOf(fx, 'quin').refreshSession(one.session.getRefreshToken(), cb)));
  check(err && err.code === 'NotAuthorizedException', 'the revoked refresh token is refused');
};

FLOWS.verify_jwt = 'amazon-cognito-identity-js decodes tokens but does not verify their signatures';
FLOWS.admin = 'amazon-cognito-identity-js has no admin (SigV4) API';

// RFC 6238 (SHA-1, 6 digits, 30 s) for a base32 secret at a 30-second step.
function totp(secretB32, step) {
  const { createHmac } = require('node:crypto');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secretB32.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) {
    bytes.push(parseInt(bits.slice(i, i + 8), 2));
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', Buffer.from(bytes)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

function result(flow, status, detail = '') {
  console.log(`RESULT ${JSON.stringify({ flow, status, detail })}`);
}

let failed = 0;
for (const [name, run] of Object.entries(FLOWS)) {
  if (only.length && !only.includes(name)) {
    continue;
  }
  if (typeof run === 'string') {
    result(name, 'unsupported', run);
    continue;
  }
  console.log(`--- ${name}`);
  try {
    await run();
    result(name, 'pass');
  } catch (e) {
    failed += 1;
    const why = e instanceof CheckFailed ? `check failed: ${e.message}` : `${e && (e.code || e.name)}: ${e && e.message}`;
    result(name, 'fail', why);
  }
}
if (failed) {
  console.log(`FAIL: ${failed} amazon-cognito-identity-js flow(s) failed`);
  process.exit(1);
}
console.log('all amazon-cognito-identity-js interop checks passed');
