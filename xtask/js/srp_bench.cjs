// amazon-cognito-identity-js's SRP math for `cargo xtask bench`, on the same vectors as srp-core.
//
// Usage: node srp_bench.cjs --vectors ../shared/srp-vectors.json [--samples N] [--sample-ms MS]
// Run from a directory whose node_modules holds amazon-cognito-identity-js (xtask installs it with
// `npm ci` from crates/cognito-emulator/interop/js/package-lock.json into <target>/bench-js).
//
// Times the library's own AuthenticationHelper (jsbn BigInteger, @aws-crypto/sha256-js) and the
// claim HMAC exactly as CognitoUser.authenticateUser computes it. Before timing, checks that A,
// the HKDF key and both claim signatures reproduce the vectors. Prints one JSON object on stdout:
// {"meta": {...}, "js": {operation: seconds per call}}. Timings are "best of samples", as in
// xtask/py/srp_bench.py.
'use strict';

const fs = require('fs');
const { Buffer } = require('buffer');
const { Sha256 } = require('@aws-crypto/sha256-js');
const AuthenticationHelper = require('amazon-cognito-identity-js/lib/AuthenticationHelper').default;
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger').default;
const DateHelper = require('amazon-cognito-identity-js/lib/DateHelper').default;

function args() {
  const out = { vectors: null, samples: 30, sampleMs: 25 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--vectors') out.vectors = v;
    else if (k === '--samples') out.samples = Math.max(1, parseInt(v, 10));
    else if (k === '--sample-ms') out.sampleMs = Math.max(1, parseFloat(v));
    else throw new Error(`unknown option ${k}`);
  }
  if (!out.vectors) throw new Error('--vectors is required');
  return out;
}

/** Fastest per-call seconds of fn over `samples` samples of about `sampleMs` each. */
function bestOf(fn, samples, sampleMs) {
  fn(); // warm up (JIT)
  let n = 1;
  let elapsed;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    if (elapsed >= sampleMs / 1000 || n >= 1 << 20) break;
    n *= 2;
  }
  let best = elapsed / n;
  for (let s = 1; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9 / n);
  }
  return best;
}

/** The library's callbacks run synchronously; this unwraps (err, value). */
function sync(call) {
  let out;
  call((err, value) => {
    if (err) throw err;
    out = value;
  });
  return out;
}

/** CognitoUser's PASSWORD_CLAIM_SIGNATURE: HMAC-SHA256(hkdf, name + user + block + timestamp). */
function signature(hkdf, name, user, secretBlock, timestamp) {
  const mac = new Sha256(hkdf);
  mac.update(
    Buffer.concat([
      Buffer.from(name, 'utf8'),
      Buffer.from(user, 'utf8'),
      Buffer.from(secretBlock, 'base64'),
      Buffer.from(timestamp, 'utf8'),
    ]),
  );
  return Buffer.from(mac.digestSync()).toString('base64');
}

function helperWithA(poolName, aHex) {
  const h = new AuthenticationHelper(poolName);
  h.smallAValue = new BigInteger(aHex, 16);
  h.largeAValue = sync((cb) => h.calculateA(h.smallAValue, cb));
  return h;
}

function main() {
  const opts = args();
  const vectors = JSON.parse(fs.readFileSync(opts.vectors, 'utf8'));
  const find = (kind) => vectors.cases.find((c) => c.kind === kind);
  const pw = find('password_verifier');
  const dev = find('device_password_verifier');
  const cfg = find('device_secret_verifier_config');
  const poolName = pw.pool_id.split('_')[1];
  const user = pw.USER_ID_FOR_SRP;

  // Checks against the vectors.
  const h = helperWithA(poolName, pw.a_hex);
  if (h.largeAValue.toString(16) !== pw.SRP_A.replace(/^0+/, '')) {
    throw new Error('amazon-cognito-identity-js: A does not match the vector');
  }
  const B = new BigInteger(pw.SRP_B, 16);
  const salt = new BigInteger(pw.SALT, 16);
  const key = sync((cb) => h.getPasswordAuthenticationKey(user, pw.password, B, salt, cb));
  if (Buffer.from(key).toString('hex') !== pw.expected.hkdf_key_hex) {
    throw new Error('amazon-cognito-identity-js: HKDF key does not match the vector');
  }
  if (signature(key, poolName, user, pw.SECRET_BLOCK, pw.TIMESTAMP) !== pw.expected.PASSWORD_CLAIM_SIGNATURE) {
    throw new Error('amazon-cognito-identity-js: password claim does not match the vector');
  }
  const dh = helperWithA(dev.device_group_key, dev.a_hex);
  const dB = new BigInteger(dev.SRP_B, 16);
  const dSalt = new BigInteger(dev.SALT, 16);
  const deviceClaim = (timestamp) => {
    const k = sync((cb) => dh.getPasswordAuthenticationKey(dev.device_key, dev.device_password, dB, dSalt, cb));
    return signature(k, dev.device_group_key, dev.device_key, dev.SECRET_BLOCK, timestamp);
  };
  if (deviceClaim(dev.TIMESTAMP) !== dev.expected.PASSWORD_CLAIM_SIGNATURE) {
    throw new Error('amazon-cognito-identity-js: device claim does not match the vector');
  }

  const dates = new DateHelper();
  const aGiven = new BigInteger(pw.a_hex, 16);
  const ops = {
    'A/generate': () => sync((cb) => h.calculateA(h.generateRandomSmallA(), cb)).toString(16),
    'A/from_private_bytes': () => sync((cb) => h.calculateA(aGiven, cb)).toString(16),
    // Like CognitoUser: the challenge's B and salt parsed, the key derived, the claim signed.
    password_claim: () => {
      const k = sync((cb) =>
        h.getPasswordAuthenticationKey(user, pw.password, new BigInteger(pw.SRP_B, 16), new BigInteger(pw.SALT, 16), cb),
      );
      return signature(k, poolName, user, pw.SECRET_BLOCK, pw.TIMESTAMP);
    },
    device_claim: () => deviceClaim(dev.TIMESTAMP),
    generate_device_secret: () => sync((cb) => h.generateHashDevice(cfg.device_group_key, cfg.device_key, cb)),
    // Everything the library computes client-side for one USER_SRP_AUTH sign-in: the helper
    // (k, a fresh a, A), SRP_A's hex, then PASSWORD_VERIFIER's key and signature.
    full_login: () => {
      const fresh = new AuthenticationHelper(poolName);
      const srpA = sync((cb) => fresh.getLargeAValue(cb)).toString(16);
      const k = sync((cb) =>
        fresh.getPasswordAuthenticationKey(user, pw.password, new BigInteger(pw.SRP_B, 16), new BigInteger(pw.SALT, 16), cb),
      );
      return [srpA, signature(k, poolName, user, pw.SECRET_BLOCK, dates.getNowString())];
    },
  };
  const out = {};
  for (const [name, fn] of Object.entries(ops)) {
    out[name] = bestOf(fn, opts.samples, opts.sampleMs);
    process.stderr.write(`  ${'js'.padEnd(12)} ${name.padEnd(24)} ${(out[name] * 1e6).toFixed(1).padStart(10)} us\n`);
  }
  const pkg = JSON.parse(
    fs.readFileSync(require.resolve('amazon-cognito-identity-js/package.json'), 'utf8'),
  );
  process.stdout.write(
    `${JSON.stringify({ meta: { node: process.version, library: pkg.version }, js: out })}\n`,
  );
}

main();
