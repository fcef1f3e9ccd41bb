"""Reference timings for `cargo xtask bench-srp`.

Times, for the same inputs srp-core's side uses (crates/srp-core/tests/data/srp-vectors.json):

- pycognito 2024.5.1's own SRP math (`pycognito.aws_srp`), if importable;
- OpenSSL's BN_mod_exp (and BN_mod_exp_mont_consttime) from the system libcrypto through ctypes,
  for the modular exponentiations each operation needs;
- GMP's mpz_powm / mpz_powm_sec through gmpy2 (powmod / powmod_sec), if importable.

Prints one JSON object on stdout: {"meta": {...}, "pycognito": {op: seconds}, "openssl": ...}.
Timings are "best of samples": each sample runs an operation enough times to take about
`--sample-ms` milliseconds, and the fastest per-call time over the samples is kept (as timeit
recommends; the machine is shared, and the minimum is the least disturbed estimate).
"""

import argparse
import ctypes
import ctypes.util
import datetime
import hashlib
import json
import platform
import sys
import time


def best_of(fn, samples, sample_ms):
    """Fastest per-call time of fn over `samples` samples of about `sample_ms` each."""
    fn()  # warm up (imports, caches)
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= sample_ms / 1000.0 or n >= 1 << 20:
            break
        n *= 2
    best = elapsed / n
    for _ in range(samples - 1):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def sha256_int(*parts):
    return int.from_bytes(hashlib.sha256(b"".join(parts)).digest(), "big")


def padded(value):
    """pycognito's pad_hex as bytes: big-endian, with a 00 byte if the top bit is set."""
    raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    return b"\x00" + raw if raw[0] & 0x80 else raw


def salt_bytes(salt_hex):
    if len(salt_hex) % 2:
        salt_hex = "0" + salt_hex
    elif salt_hex[0] in "89abcdefABCDEF":
        salt_hex = "00" + salt_hex
    return bytes.fromhex(salt_hex)


class Inputs:
    """The numbers of the first password / device cases, derived independently of pycognito."""

    def __init__(self, vectors):
        cases = vectors["cases"]
        self.pw = next(c for c in cases if c["kind"] == "password_verifier")
        self.dev = next(c for c in cases if c["kind"] == "device_password_verifier")
        self.cfg = next(c for c in cases if c["kind"] == "device_secret_verifier_config")
        self.N = int(vectors["N_hex"], 16)
        self.g = int(vectors["g_hex"], 16)
        self.k = int(vectors["k_hex"], 16)

    def login_exps(self, case, identity):
        """(base, exponent) of the three modexps of a client claim: g^a, g^x, (B - k g^x)^(a+ux)."""
        a = int(case["a_hex"], 16)
        big_a = int(case["SRP_A"], 16)
        big_b = int(case["SRP_B"], 16)
        u = sha256_int(padded(big_a), padded(big_b))
        x = sha256_int(salt_bytes(case["SALT"]), hashlib.sha256(identity).digest())
        assert u == int(case["expected"]["u_hex"], 16), "u mismatch"
        assert x == int(case["expected"]["x_hex"], 16), "x mismatch"
        gx = pow(self.g, x, self.N)
        base = (big_b - self.k * gx) % self.N
        exp = a + u * x
        assert pow(base, exp, self.N) == int(case["expected"]["S_hex"], 16), "S mismatch"
        return [(self.g, a), (self.g, x), (base, exp)]

    def reference_ops(self):
        """Operation name -> list of (base, exponent) modexps it needs, modulo N."""
        pw = self.pw
        pool = pw["pool_id"].split("_", 1)[1]
        user_identity = f"{pool}{pw['USER_ID_FOR_SRP']}:{pw['password']}".encode()
        g_a, g_x, s_exp = self.login_exps(pw, user_identity)
        dev = self.dev
        dev_identity = (
            f"{dev['device_group_key']}{dev['device_key']}:{dev['device_password']}".encode()
        )
        _, dg_x, ds_exp = self.login_exps(dev, dev_identity)
        # Server: B = k v + g^b (256-bit b), then S = (A v^u)^b.
        b = int.from_bytes(hashlib.sha256(b"bench b").digest(), "big")
        x = g_x[1]
        v = pow(self.g, x, self.N)
        big_a = int(pw["SRP_A"], 16)
        big_b = (self.k * v + pow(self.g, b, self.N)) % self.N
        u = sha256_int(padded(big_a), padded(big_b))
        a_vu = big_a * pow(v, u, self.N) % self.N
        return {
            "A/from_private_bytes": [g_a],
            "A/generate": [g_a],
            "password_claim": [g_x, s_exp],
            "device_claim": [dg_x, ds_exp],
            "generate_device_secret": [g_x],
            "full_login": [g_a, g_x, s_exp],
            "server/B+verify": [(self.g, b), (v, u), (a_vu, b)],
        }


class DummyClient:
    """Stands in for the boto3 client: the timed methods never call it."""


def pycognito_ops(inputs):
    from pycognito import aws_srp  # noqa: PLC0415 (optional import)

    pw, dev, cfg = inputs.pw, inputs.dev, inputs.cfg
    a = int(pw["a_hex"], 16)

    def new_srp(**device):
        return aws_srp.AWSSRP(
            username=pw["USER_ID_FOR_SRP"],
            password=pw["password"],
            pool_id=pw["pool_id"],
            client_id="bench-client-id",
            client=DummyClient(),
            **device,
        )

    srp = new_srp()
    srp.small_a_value = a
    srp.large_a_value = srp.calculate_a()
    assert aws_srp.long_to_hex(srp.large_a_value) == pw["SRP_A"], "pycognito A mismatch"
    challenge = {
        "USER_ID_FOR_SRP": pw["USER_ID_FOR_SRP"],
        "SALT": pw["SALT"],
        "SRP_B": pw["SRP_B"],
        "SECRET_BLOCK": pw["SECRET_BLOCK"],
        "USERNAME": pw["USER_ID_FOR_SRP"],
    }
    request = {"USERNAME": pw["USER_ID_FOR_SRP"]}
    # Same signature as the vector when the vector's timestamp is used.
    hkdf = srp.get_password_authentication_key(
        pw["USER_ID_FOR_SRP"], pw["password"], int(pw["SRP_B"], 16), pw["SALT"]
    )
    assert hkdf.hex() == pw["expected"]["hkdf_key_hex"], "pycognito key mismatch"

    dsrp = aws_srp.AWSSRP(
        username=dev["device_key"],
        password="unused",
        pool_id=dev["pool_id"],
        client_id="bench-client-id",
        client=DummyClient(),
        device_key=dev["device_key"],
        device_group_key=dev["device_group_key"],
        device_password=dev["device_password"],
    )
    dsrp.small_a_value = int(dev["a_hex"], 16)
    dsrp.large_a_value = dsrp.calculate_a()
    dchallenge = {
        "USERNAME": dev["device_key"],
        "SALT": dev["SALT"],
        "SRP_B": dev["SRP_B"],
        "SECRET_BLOCK": dev["SECRET_BLOCK"],
    }

    def a_generate():
        srp.small_a_value = srp.generate_random_small_a()
        return srp.calculate_a()

    def a_given():
        srp.small_a_value = a
        return srp.calculate_a()

    def full_login():
        # Everything pycognito computes client-side for one USER_SRP_AUTH sign-in: the AWSSRP
        # object (k, a, A), the InitiateAuth parameters, and the PASSWORD_VERIFIER answer.
        s = new_srp()
        params = s.get_auth_params()
        return s.process_challenge(challenge, params)

    srp.small_a_value = a
    srp.large_a_value = srp.calculate_a()
    return {
        "A/generate": a_generate,
        "A/from_private_bytes": a_given,
        "password_claim": lambda: srp.process_challenge(challenge, request),
        "device_claim": lambda: dsrp.process_device_challenge(dchallenge),
        "generate_device_secret": lambda: aws_srp.generate_hash_device(
            cfg["device_group_key"], cfg["device_key"]
        ),
        "full_login": full_login,
    }


class OpenSSL:
    def __init__(self):
        path = ctypes.util.find_library("crypto")
        if not path:
            raise RuntimeError("libcrypto not found by ctypes.util.find_library")
        lib = ctypes.CDLL(path)
        vp = ctypes.c_void_p
        lib.BN_CTX_new.restype = vp
        lib.BN_new.restype = vp
        lib.BN_bin2bn.restype = vp
        lib.BN_bin2bn.argtypes = [ctypes.c_char_p, ctypes.c_int, vp]
        for name in ("BN_mod_exp", "BN_mod_exp_mont_consttime"):
            fn = getattr(lib, name)
            fn.restype = ctypes.c_int
        lib.BN_mod_exp.argtypes = [vp, vp, vp, vp, vp]
        lib.BN_mod_exp_mont_consttime.argtypes = [vp, vp, vp, vp, vp, vp]
        lib.BN_num_bits.argtypes = [vp]
        lib.BN_bn2bin.argtypes = [vp, ctypes.c_char_p]
        try:
            lib.OpenSSL_version.restype = ctypes.c_char_p
            self.version = lib.OpenSSL_version(0).decode()
        except AttributeError:
            self.version = "unknown"
        self.lib = lib
        self.path = path
        self.ctx = lib.BN_CTX_new()
        self.out = lib.BN_new()

    def bn(self, value):
        raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
        return self.lib.BN_bin2bn(raw, len(raw), None)

    def to_int(self, bn):
        n = (self.lib.BN_num_bits(bn) + 7) // 8
        buf = ctypes.create_string_buffer(n)
        self.lib.BN_bn2bin(bn, buf)
        return int.from_bytes(buf.raw, "big")

    def op(self, exps, modulus, consttime):
        m = self.bn(modulus)
        pairs = [(self.bn(b % modulus), self.bn(e)) for b, e in exps]
        lib, out, ctx = self.lib, self.out, self.ctx
        for (b, e), (bn_b, bn_e) in zip(exps, pairs):
            ok = (
                lib.BN_mod_exp_mont_consttime(out, bn_b, bn_e, m, ctx, None)
                if consttime
                else lib.BN_mod_exp(out, bn_b, bn_e, m, ctx)
            )
            assert ok == 1 and self.to_int(out) == pow(b, e, modulus), "OpenSSL mismatch"
        if consttime:
            fn = lib.BN_mod_exp_mont_consttime

            def run():
                for bn_b, bn_e in pairs:
                    fn(out, bn_b, bn_e, m, ctx, None)

        else:
            fn = lib.BN_mod_exp

            def run():
                for bn_b, bn_e in pairs:
                    fn(out, bn_b, bn_e, m, ctx)

        return run


def gmp_op(gmpy2, exps, modulus, secure):
    m = gmpy2.mpz(modulus)
    pairs = [(gmpy2.mpz(b % modulus), gmpy2.mpz(e)) for b, e in exps]
    fn = gmpy2.powmod_sec if secure else gmpy2.powmod
    for (b, e), (gb, ge) in zip(exps, pairs):
        assert int(fn(gb, ge, m)) == pow(b, e, modulus), "GMP mismatch"

    def run():
        for gb, ge in pairs:
            fn(gb, ge, m)

    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vectors", required=True)
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--sample-ms", type=float, default=60.0)
    args = parser.parse_args()
    with open(args.vectors, encoding="utf-8") as f:
        inputs = Inputs(json.load(f))
    ref = inputs.reference_ops()
    out = {
        "meta": {
            "python": sys.version.split()[0],
            "implementation": platform.python_implementation(),
            "samples": args.samples,
            "sample_ms": args.sample_ms,
            "when": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        },
        "errors": {},
    }

    def measure(label, ops):
        result = {}
        for name, fn in ops.items():
            result[name] = best_of(fn, args.samples, args.sample_ms)
            print(f"  {label:<12} {name:<24} {result[name] * 1e6:10.1f} us", file=sys.stderr)
        out[label] = result

    try:
        import pycognito  # noqa: PLC0415

        out["meta"]["pycognito"] = getattr(pycognito, "__version__", None) or _dist_version()
        measure("pycognito", pycognito_ops(inputs))
    except Exception as e:  # noqa: BLE001 (any failure: skip the column, say why)
        out["errors"]["pycognito"] = f"{type(e).__name__}: {e}"

    try:
        ossl = OpenSSL()
        out["meta"]["openssl"] = ossl.version
        out["meta"]["libcrypto"] = ossl.path
        measure("openssl", {k: ossl.op(v, inputs.N, False) for k, v in ref.items()})
        measure("openssl_ct", {k: ossl.op(v, inputs.N, True) for k, v in ref.items()})
    except Exception as e:  # noqa: BLE001
        out["errors"]["openssl"] = f"{type(e).__name__}: {e}"

    try:
        import gmpy2  # noqa: PLC0415

        out["meta"]["gmpy2"] = gmpy2.version()
        out["meta"]["gmp"] = gmpy2.mp_version()
        measure("gmp", {k: gmp_op(gmpy2, v, inputs.N, False) for k, v in ref.items()})
        measure("gmp_sec", {k: gmp_op(gmpy2, v, inputs.N, True) for k, v in ref.items()})
    except Exception as e:  # noqa: BLE001
        out["errors"]["gmp"] = f"{type(e).__name__}: {e}"

    json.dump(out, sys.stdout)
    print()


def _dist_version():
    try:
        from importlib.metadata import version  # noqa: PLC0415

        return version("pycognito")
    except Exception:  # noqa: BLE001
        return None


if __name__ == "__main__":
    main()
