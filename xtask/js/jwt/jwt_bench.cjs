// The aws-jwt-verify side of `cargo xtask bench jwt`: verifies the same access token as the
// Rust side, with the same JWKS given up front (cacheJwks: no fetching), synchronously, in a
// loop. Prints {"per_call": seconds} (the fastest sample's time per verification) on stdout.
//
//   node jwt_bench.cjs --input input.json --samples 30 --sample-ms 25
//
// input.json: {"token": ..., "jwks": {...}, "pool_id": ..., "client_id": ...}
"use strict";

const fs = require("fs");
const { CognitoJwtVerifier } = require("aws-jwt-verify");

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const input = JSON.parse(fs.readFileSync(arg("--input"), "utf8"));
const samples = Number(arg("--samples", "30"));
const sampleMs = Number(arg("--sample-ms", "25"));

const verifier = CognitoJwtVerifier.create({
  userPoolId: input.pool_id,
  tokenUse: "access",
  clientId: input.client_id,
});
verifier.cacheJwks(input.jwks);

// Must verify (and fail on a forgery) before being timed.
const claims = verifier.verifySync(input.token);
if (claims.client_id !== input.client_id) {
  throw new Error("unexpected claims");
}
let refused = false;
try {
  verifier.verifySync(input.token.slice(0, -4) + "AAAA");
} catch (e) {
  refused = true;
}
if (!refused) {
  throw new Error("a forged signature was accepted");
}

// Warm-up, then the fastest of `samples` samples of about `sampleMs` each.
for (let i = 0; i < 2000; i++) verifier.verifySync(input.token);
let best = Infinity;
let batch = 1;
for (;;) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) verifier.verifySync(input.token);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (ms >= sampleMs) break;
  batch *= 2;
}
for (let s = 0; s < samples; s++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < batch; i++) verifier.verifySync(input.token);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  best = Math.min(best, secs / batch);
}
process.stdout.write(JSON.stringify({ per_call: best, batch, node: process.version }) + "\n");
