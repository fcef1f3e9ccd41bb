// Drives amazon-cognito-identity-js (6.x, the Amplify v5 / browser SDK) against a running emulator.
//
// Usage: node interop.mjs <emulator-url> <pool-id> <client-id> <username> <password>
// The pool has MFA ON (the user has SMS MFA) and device tracking with user opt-in; the client has
// no secret. Run by tests/emulator/interop.rs after `npm ci`. Exits non-zero on the first failure.
//
// 1. USER_SRP_AUTH → PASSWORD_VERIFIER → SMS_MFA (code read from GET /_emulator/outbox) → tokens
//    with NewDeviceMetadata; the library confirms the device (ConfirmDevice with its verifier) and
//    we remember it (setDeviceStatusRemembered → UpdateDeviceStatus).
// 2. A new CognitoUser on the same storage signs in again: the library sends DEVICE_KEY, answers
//    DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER, and no MFA is asked; the access token carries
//    the device key.
// 3. refreshSession (REFRESH_TOKEN_AUTH with the DEVICE_KEY the library adds).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} = require('amazon-cognito-identity-js');

const [url, poolId, clientId, username, password] = process.argv.slice(2);
if (!password) {
  console.error('usage: node interop.mjs <emulator-url> <pool-id> <client-id> <username> <password>');
  process.exit(2);
}
const endpoint = url.replace(/\/$/, '');

function check(cond, what) {
  if (!cond) {
    console.log(`FAIL: ${what}`);
    process.exit(1);
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

const storage = new MemoryStorage();
const pool = new CognitoUserPool({
  UserPoolId: poolId,
  ClientId: clientId,
  endpoint: `${endpoint}/`,
  Storage: storage,
});

async function latestCode() {
  const q = new URLSearchParams({ pool_id: poolId, username });
  const msgs = await (await realFetch(`${endpoint}/_emulator/outbox?${q}`)).json();
  return msgs.length ? msgs[msgs.length - 1].code : null;
}

function claims(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

function signIn(user) {
  const asked = [];
  return new Promise((resolve, reject) => {
    const callbacks = {
      onSuccess: (session, userConfirmationNecessary) =>
        resolve({ session, userConfirmationNecessary, asked }),
      onFailure: reject,
      mfaRequired: (name, params) => {
        asked.push(name);
        latestCode().then((code) => user.sendMFACode(code, callbacks), reject);
      },
      totpRequired: (name) => reject(new Error(`unexpected ${name}`)),
      newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
      mfaSetup: (name) => reject(new Error(`unexpected ${name}`)),
      selectMFAType: (name) => reject(new Error(`unexpected ${name}`)),
      customChallenge: () => reject(new Error('unexpected CUSTOM_CHALLENGE')),
    };
    user.setAuthenticationFlowType('USER_SRP_AUTH');
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), callbacks);
  });
}

function promisify(fn) {
  return new Promise((resolve, reject) => fn({ onSuccess: resolve, onFailure: reject }));
}

try {
  // --- 1. first sign-in: SRP, SMS MFA, new device confirmed and remembered ---
  const first = new CognitoUser({ Username: username, Pool: pool, Storage: storage });
  const one = await signIn(first);
  check(one.asked.join() === 'SMS_MFA', 'first sign-in (USER_SRP_AUTH) asked SMS_MFA, answered from the outbox');
  const access1 = claims(one.session.getAccessToken().getJwtToken());
  check(access1.username === username, 'access token of the first sign-in');
  check(typeof first.deviceKey === 'string' && access1.device_key === first.deviceKey,
    'NewDeviceMetadata: device key in the access token');
  check(calls.some(([op]) => op === 'ConfirmDevice'), 'library confirmed the device (ConfirmDevice)');
  check(one.userConfirmationNecessary === true, 'user opt-in pool: UserConfirmationNecessary');
  const deviceKey = first.deviceKey;
  check(storage.getItem(`CognitoIdentityServiceProvider.${clientId}.${username}.deviceKey`) === deviceKey,
    'device key and secret cached in the storage');
  await promisify((cb) => first.setDeviceStatusRemembered(cb));
  check(calls.some(([op]) => op === 'UpdateDeviceStatus'), 'setDeviceStatusRemembered (UpdateDeviceStatus)');
  const device = await promisify((cb) => first.getDevice(cb));
  check(device.Device.DeviceKey === deviceKey, 'GetDevice on the remembered device');

  // --- 2. second sign-in: the remembered device replaces MFA ---
  calls.length = 0;
  const second = new CognitoUser({ Username: username, Pool: pool, Storage: storage });
  const two = await signIn(second);
  check(two.asked.length === 0, `second sign-in did not ask for MFA (${JSON.stringify(calls)})`);
  const challenges = calls.filter(([op]) => op === 'RespondToAuthChallenge').map(([, c]) => c);
  check(challenges.join() === 'PASSWORD_VERIFIER,DEVICE_SRP_AUTH,DEVICE_PASSWORD_VERIFIER',
    `second sign-in went through DEVICE_SRP_AUTH (${challenges.join(' → ')})`);
  const access2 = claims(two.session.getAccessToken().getJwtToken());
  check(access2.device_key === deviceKey, 'access token of the second sign-in carries the remembered device key');

  // --- 3. refresh (the library adds DEVICE_KEY, which the emulator requires for this token) ---
  const refreshed = await new Promise((resolve, reject) =>
    second.refreshSession(two.session.getRefreshToken(), (err, s) => (err ? reject(err) : resolve(s))));
  check(claims(refreshed.getAccessToken().getJwtToken()).device_key === deviceKey,
    'refreshSession (REFRESH_TOKEN_AUTH with DEVICE_KEY)');

  // --- wrong password still refused on a remembered device ---
  const wrong = new CognitoUser({ Username: username, Pool: pool, Storage: storage });
  const err = await new Promise((resolve) =>
    wrong.authenticateUser(new AuthenticationDetails({ Username: username, Password: 'nope' }), {
      onSuccess: () => resolve(null),
      onFailure: resolve,
    }));
  check(err && err.code === 'NotAuthorizedException', 'wrong password rejected');
  console.log('all amazon-cognito-identity-js interop checks passed');
} catch (e) {
  console.log(`FAIL: ${e && (e.code || e.name)}: ${e && e.message}`);
  process.exit(1);
}
