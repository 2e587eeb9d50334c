#!/usr/bin/env python3
"""Generates secretlens's labelled evaluation corpus for `secretlens scan` (issue 15).

    python3 bench/scan-corpus/generate.py          # rewrites bench/scan-corpus/tree/ and labels.json

Deterministic: one seeded `random.Random`, so the output is byte-identical on every run (the
script and its output are both committed; `--check` regenerates into a temporary directory and
fails when the committed tree differs).

Every secret is SYNTHETIC: random characters drawn in the alphabet and length of the provider's
published token format (prefixes, lengths, alphabets, checksums where the format carries one).
None is a real credential and none is copied from another project's test data. The only fixed
strings are documented placeholders (AWS's AKIAIOSFODNN7EXAMPLE pair, changeme, ...) used as
NEGATIVES.

labels.json holds one entry per labelled line:
    {"file": "<path under tree/>", "line": N, "kind": "secret"|"negative",
     "category": "<category>", "note": "..."}
plus "end_line" for multi-line blocks (PEM keys, certificates, JWKs): a finding anywhere in
[line - 1, end_line] belongs to that label. Lines without a label are ordinary code: a finding on
one is a false positive. For negatives, `category` names the family a scanner would confuse the
line with.
"""

import base64
import hashlib
import json
import os
import shutil
import string
import struct
import sys
import tempfile
import zlib

import random

SEED = 15
R = random.Random(SEED)

UP = string.ascii_uppercase
LO = string.ascii_lowercase
DIG = string.digits
ALNUM = UP + LO + DIG
HEX = "0123456789abcdef"
HEXUP = "0123456789ABCDEF"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
BASE32 = UP + "234567"


def rs(alpha, n):
    return "".join(R.choice(alpha) for _ in range(n))


def rbytes(n):
    return bytes(R.getrandbits(8) for _ in range(n))


def b64(data):
    return base64.b64encode(data).decode()


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def uuid4():
    h = rs(HEX, 32)
    h = h[:12] + "4" + h[13:16] + R.choice("89ab") + h[17:]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def sha1hex():
    return rs(HEX, 40)


# ---------------------------------------------------------------- passwords


WORDS = [
    "sunflower", "harbor", "falcon", "winter", "summer", "autumn", "maple", "river", "thunder",
    "orchid", "copper", "granite", "meadow", "phoenix", "saturn", "voyager", "lantern", "cobalt",
    "willow", "panther", "glacier", "tango", "marble", "ember", "comet", "juniper", "bristol",
    "dakota", "oregon", "nebula", "puzzle", "kitten", "monkey", "dragon", "shadow", "coffee",
    "pepper", "ginger", "rocket", "mercury", "velvet", "zephyr", "atlas", "bamboo", "canyon",
]
SYMS = "!@#$%&*?"


def human_pw():
    """A realistic human-chosen password: words, a year or digits, a symbol."""
    w = R.choice(WORDS)
    style = R.randrange(6)
    if style == 0:
        return f"{w.capitalize()}{R.randrange(1985, 2026)}{R.choice(SYMS)}"
    if style == 1:
        return f"{w.capitalize()}{R.choice(SYMS)}{R.choice(WORDS).capitalize()}{R.randrange(10, 99)}"
    if style == 2:
        leet = w.replace("a", "@").replace("o", "0").replace("e", "3").replace("i", "1")
        return f"{leet.capitalize()}{R.randrange(100, 999)}"
    if style == 3:
        return f"{w}-{R.choice(WORDS)}-{R.choice(WORDS)}-{R.randrange(10, 99)}"
    if style == 4:
        return f"{R.choice(WORDS).capitalize()}{R.choice(WORDS)}{R.randrange(1, 9)}{R.choice(SYMS)}{R.choice(SYMS)}"
    return f"{w[:3].upper()}{R.randrange(1000, 9999)}{w[3:]}{R.choice(SYMS)}"


def rand_pw(n=None, symbols=True):
    n = n or R.randrange(16, 33)
    alpha = ALNUM + ("!#%&*+-=?@^_" if symbols else "")
    while True:
        p = rs(alpha, n)
        if any(c.isdigit() for c in p) and any(c.isupper() for c in p) and any(c.islower() for c in p):
            return p


def any_pw():
    return human_pw() if R.random() < 0.5 else rand_pw()


# ---------------------------------------------------------------- token formats


def base62_6(n):
    a = DIG + UP + LO
    out = ""
    for _ in range(6):
        out = a[n % 62] + out
        n //= 62
    return out


def crc_token(prefix, n_random=30):
    """GitHub 2021 format (npm uses it too): prefix, 30 base62, 6-char base62 CRC32 of the random part."""
    body = rs(ALNUM, n_random)
    return prefix + body + base62_6(zlib.crc32(body.encode()))


def aws_key_id(prefix="AKIA"):
    """AKIA/ASIA + 16 base32 characters that encode an account id (AWS's key id layout)."""
    account = R.randrange(10**11, 10**12)
    raw = ((account << 7) | R.getrandbits(7)).to_bytes(6, "big") + rbytes(4)
    return prefix + base64.b32encode(raw).decode()[:16]


def aws_secret():
    while True:
        s = rs(ALNUM + "+/", 40)
        if any(c in "+/" for c in s) and any(c.isdigit() for c in s):
            return s


def aws_session_token():
    return "IQoJb3JpZ2luX2Vj" + b64(rbytes(R.choice([420, 480, 540]))).rstrip("=")


def gh(kind="ghp_"):
    return crc_token(kind)


def gh_fine():
    return "github_pat_" + rs(ALNUM, 22) + "_" + rs(ALNUM, 59)


def slack_bot():
    return f"xoxb-{rs(DIG, 12)}-{rs(DIG, 13)}-{rs(ALNUM, 24)}"


def slack_user():
    return f"xoxp-{rs(DIG, 12)}-{rs(DIG, 12)}-{rs(DIG, 13)}-{rs(HEX, 32)}"


def slack_app():
    return f"xapp-1-A{rs(UP + DIG, 10)}-{rs(DIG, 13)}-{rs(HEX, 64)}"


def slack_webhook():
    return f"https://hooks.slack.com/services/T{rs(UP + DIG, 10)}/B{rs(UP + DIG, 10)}/{rs(ALNUM, 24)}"


def discord_bot():
    uid = str(R.randrange(10**17, 10**18 * 2))
    return b64(uid.encode()).rstrip("=") + "." + rs(B64URL, 6) + "." + rs(B64URL, 38)


def discord_webhook():
    return f"https://discord.com/api/webhooks/{R.randrange(10**17, 10**18 * 2)}/{rs(B64URL, 68)}"


def telegram():
    return f"{R.randrange(10**9, 8 * 10**9)}:AA{rs(B64URL, 33)}"


def teams_webhook():
    return (f"https://contoso{rs(LO, 4)}.webhook.office.com/webhookb2/{uuid4()}@{uuid4()}"
            f"/IncomingWebhook/{rs(HEX, 32)}/{uuid4()}/V2{rs(B64URL, 43)}")


def sendgrid():
    return "SG." + rs(B64URL, 22) + "." + rs(B64URL, 43)


def stripe(prefix="sk_live_", n=99):
    return prefix + rs(ALNUM, n)


def openai_proj():
    return "sk-proj-" + rs(B64URL, 74) + "T3BlbkFJ" + rs(B64URL, 74)


def openai_legacy():
    return "sk-" + rs(ALNUM, 20) + "T3BlbkFJ" + rs(ALNUM, 20)


def anthropic():
    return "sk-ant-api03-" + rs(B64URL, 93) + "AA"


def pem(label, der, headers=None, width=64):
    body = b64(der)
    lines = [f"-----BEGIN {label}-----"]
    if headers:
        lines += headers + [""]
    lines += [body[i:i + width] for i in range(0, len(body), width)]
    lines.append(f"-----END {label}-----")
    return "\n".join(lines)


# ---------------------------------------------------------------- DER (structurally valid, random numbers)


def der_len(n):
    if n < 128:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def der_int(nbytes):
    v = bytearray(rbytes(nbytes))
    v[0] |= 0x80
    return der(0x02, b"\x00" + bytes(v))


def der_small(x):
    return der(0x02, x.to_bytes(max(1, (x.bit_length() + 8) // 8), "big"))


def seq(*parts):
    return der(0x30, b"".join(parts))


OID_RSA = bytes.fromhex("06092a864886f70d0101010500")
OID_P256 = bytes.fromhex("06082a8648ce3d030107")
OID_EC = bytes.fromhex("06072a8648ce3d0201")
OID_ED25519 = bytes.fromhex("06032b6570")


def rsa_pkcs1(bits=2048):
    n = bits // 8
    h = n // 2
    return seq(der_small(0), der_int(n), der_small(65537), der_int(n), der_int(h), der_int(h),
               der_int(h), der_int(h), der_int(h))


def rsa_pkcs8(bits=2048):
    return seq(der_small(0), der(0x30, OID_RSA), der(0x04, rsa_pkcs1(bits)))


def rsa_public_pem(nbytes=256):
    return pem("PUBLIC KEY", seq(der(0x30, OID_RSA), der(0x03, b"\x00" + seq(der_int(nbytes), der_small(65537)))))


def ec_sec1():
    return seq(der_small(1), der(0x04, rbytes(32)), der(0xA0, OID_P256),
               der(0xA1, der(0x03, b"\x00\x04" + rbytes(64))))


def ec_pkcs8():
    inner = seq(der_small(1), der(0x04, rbytes(32)), der(0xA1, der(0x03, b"\x00\x04" + rbytes(64))))
    return seq(der_small(0), seq(OID_EC, OID_P256), der(0x04, inner))


def ed25519_pkcs8():
    return seq(der_small(0), seq(OID_ED25519), der(0x04, der(0x04, rbytes(32))))


def dsa_key():
    return seq(der_small(0), der_int(128), der_int(20), der_int(128), der_int(128), der_int(20))


def encrypted_pkcs8():
    pbes2 = bytes.fromhex("06092a864886f70d01050d")
    params = seq(seq(bytes.fromhex("06092a864886f70d01050c"), seq(der(0x04, rbytes(8)), der_small(2048))),
                 seq(bytes.fromhex("0609608648016503040102"), der(0x04, rbytes(16))))
    return seq(seq(pbes2, params), der(0x04, rbytes(1232)))


# ---------------------------------------------------------------- OpenSSH / PuTTY / PGP / age / JWK


def sshstr(b):
    return struct.pack(">I", len(b)) + b


def mpint(nbytes):
    v = bytearray(rbytes(nbytes))
    v[0] |= 0x80
    return sshstr(b"\x00" + bytes(v))


def openssh_key(kind="ed25519", comment=b"deploy@build-01"):
    check = rbytes(4)
    if kind == "ed25519":
        pk = rbytes(32)
        pub = sshstr(b"ssh-ed25519") + sshstr(pk)
        priv = check + check + sshstr(b"ssh-ed25519") + sshstr(pk) + sshstr(rbytes(32) + pk)
    else:
        n = mpint(384)
        pub = sshstr(b"ssh-rsa") + sshstr(b"\x01\x00\x01") + n
        priv = (check + check + sshstr(b"ssh-rsa") + n + sshstr(b"\x01\x00\x01") + mpint(384)
                + mpint(192) + mpint(192) + mpint(192))
    priv += sshstr(comment)
    i = 1
    while len(priv) % 8:
        priv += bytes([i])
        i += 1
    blob = (b"openssh-key-v1\x00" + sshstr(b"none") + sshstr(b"none") + sshstr(b"")
            + struct.pack(">I", 1) + sshstr(pub) + sshstr(priv))
    return pem("OPENSSH PRIVATE KEY", blob, width=70)


def ssh_rsa_pub():
    return b64(sshstr(b"ssh-rsa") + sshstr(b"\x01\x00\x01") + mpint(256))


def ssh_ed_pub():
    return b64(sshstr(b"ssh-ed25519") + sshstr(rbytes(32)))


def ssh_ecdsa_pub():
    return b64(sshstr(b"ecdsa-sha2-nistp256") + sshstr(b"nistp256") + sshstr(b"\x04" + rbytes(64)))


def cert_pem():
    """A certificate-shaped PEM block (public material)."""
    return pem("CERTIFICATE", seq(seq(der(0xA0, der_small(2)), der_int(16), rbytes(R.randrange(700, 900)))))


def putty_key(version=3):
    if version == 3:
        pub = sshstr(b"ssh-ed25519") + sshstr(rbytes(32))
        pb = b64(pub)
        prv = b64(sshstr(rbytes(32)))
        lines = ["PuTTY-User-Key-File-3: ssh-ed25519", "Encryption: none",
                 f"Comment: eddsa-key-2024{R.randrange(1, 12):02d}{R.randrange(1, 28):02d}",
                 "Public-Lines: 2", pb[:64], pb[64:], "Private-Lines: 1", prv,
                 f"Private-MAC: {rs(HEX, 64)}"]
    else:
        pub = b64(sshstr(b"ssh-rsa") + sshstr(b"\x01\x00\x01") + mpint(256))
        prv = b64(mpint(256) + mpint(128) + mpint(128) + mpint(128))
        pl = [pub[i:i + 64] for i in range(0, len(pub), 64)]
        vl = [prv[i:i + 64] for i in range(0, len(prv), 64)]
        lines = (["PuTTY-User-Key-File-2: ssh-rsa", "Encryption: none", "Comment: rsa-key-20190416",
                  f"Public-Lines: {len(pl)}"] + pl + [f"Private-Lines: {len(vl)}"] + vl
                 + [f"Private-MAC: {rs(HEX, 40)}"])
    return "\n".join(lines)


def crc24(data):
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def pgp_private():
    oid = bytes.fromhex("2b06010401da470f01")
    body = (b"\x04" + struct.pack(">I", 1700000000 + R.randrange(10**7)) + b"\x16" + bytes([len(oid)]) + oid
            + b"\x01\x07\x40" + rbytes(32) + b"\x00" + b"\x00\xff" + rbytes(32) + rbytes(2))
    uid = f"Build Bot <build-{rs(LO, 5)}@corp.internal>".encode()
    sig = rbytes(R.randrange(140, 170))
    pkt = (bytes([0xC5, len(body)]) + body + bytes([0xCD, len(uid)]) + uid + bytes([0xC2, len(sig)]) + sig
           + bytes([0xC7, 0x5D]) + rbytes(0x5D))
    enc = b64(pkt)
    lines = ["-----BEGIN PGP PRIVATE KEY BLOCK-----", ""] + [enc[i:i + 64] for i in range(0, len(enc), 64)]
    lines += ["=" + b64(crc24(pkt).to_bytes(3, "big")), "-----END PGP PRIVATE KEY BLOCK-----"]
    return "\n".join(lines)


def pgp_public():
    body = (b"\x04" + struct.pack(">I", 1600000000 + R.randrange(10**7)) + b"\x01" + b"\x08\x00" + rbytes(256)
            + b"\x00\x11\x01\x00\x01")
    pkt = b"\x99" + struct.pack(">H", len(body)) + body
    enc = b64(pkt)
    lines = ["-----BEGIN PGP PUBLIC KEY BLOCK-----", ""] + [enc[i:i + 64] for i in range(0, len(enc), 64)]
    lines += ["=" + b64(crc24(pkt).to_bytes(3, "big")), "-----END PGP PUBLIC KEY BLOCK-----"]
    return "\n".join(lines)


BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        b = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if ((b >> i) & 1) else 0
    return chk


def bech32(hrp, data):
    acc, bits, out = 0, 0, []
    for b in data:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            out.append((acc >> bits) & 31)
    if bits:
        out.append((acc << (5 - bits)) & 31)
    hv = [ord(x) >> 5 for x in hrp] + [0] + [ord(x) & 31 for x in hrp]
    pm = bech32_polymod(hv + out + [0] * 6) ^ 1
    chk = [(pm >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(BECH32[d] for d in out + chk)


def age_secret():
    return bech32("age-secret-key-", rbytes(32)).upper()


def age_public():
    return bech32("age", rbytes(32))


def jwk_rsa_private():
    return {"kty": "RSA", "kid": uuid4(), "use": "sig", "alg": "RS256", "n": b64url(rbytes(256)), "e": "AQAB",
            "d": b64url(rbytes(256)), "p": b64url(rbytes(128)), "q": b64url(rbytes(128)),
            "dp": b64url(rbytes(128)), "dq": b64url(rbytes(128)), "qi": b64url(rbytes(128))}


def jwk_ec_private():
    return {"kty": "EC", "crv": "P-256", "x": b64url(rbytes(32)), "y": b64url(rbytes(32)), "d": b64url(rbytes(32))}


# ---------------------------------------------------------------- JWTs and password hashes


def jwt(payload, alg="HS256", kid=None):
    hdr = {"alg": alg, "typ": "JWT"}
    if kid:
        hdr["kid"] = kid
    sig = rbytes(32 if alg.startswith("HS") else 256 if alg.startswith("RS") else 64)
    enc = lambda o: b64url(json.dumps(o, separators=(",", ":")).encode())  # noqa: E731
    return enc(hdr) + "." + enc(payload) + "." + b64url(sig)


CRYPT64 = "./" + DIG + UP + LO


def bcrypt(variant="2b", cost=12):
    return f"${variant}${cost:02d}${rs(CRYPT64, 53)}"


def sha512crypt():
    return f"$6${rs(CRYPT64, 16)}${rs(CRYPT64, 86)}"


def sha256crypt():
    return f"$5$rounds=535000${rs(CRYPT64, 16)}${rs(CRYPT64, 43)}"


def md5crypt():
    return f"$1${rs(CRYPT64, 8)}${rs(CRYPT64, 22)}"


def apr1():
    return f"$apr1${rs(CRYPT64, 8)}${rs(CRYPT64, 22)}"


def yescrypt():
    return f"$y$j9T${rs(CRYPT64, 22)}${rs(CRYPT64, 43)}"


def django_pbkdf2():
    return f"pbkdf2_sha256$600000${rs(ALNUM, 22)}${b64(rbytes(32))}"


def argon2():
    return f"$argon2id$v=19$m=65536,t=3,p=4${b64(rbytes(16)).rstrip('=')}${b64(rbytes(32)).rstrip('=')}"


def sri(alg="sha512", n=64):
    return f"{alg}-{b64(rbytes(n))}"


# ---------------------------------------------------------------- corpus builder


class Corpus:
    def __init__(self):
        self.files = {}
        self.labels = []

    def file(self, path):
        assert path not in self.files, path
        f = File(self, path)
        self.files[path] = f
        return f


class File:
    def __init__(self, corpus, path):
        self.corpus = corpus
        self.path = path
        self.lines = []

    def __call__(self, *texts):
        """Unlabelled lines (each text may hold several lines)."""
        for t in texts:
            self.lines.extend(t.split("\n"))
        return self

    def _label(self, text, kind, category, note):
        assert category in CATEGORIES, category
        first = len(self.lines) + 1
        parts = text.split("\n")
        self.lines.extend(parts)
        lab = {"file": self.path, "line": first, "kind": kind, "category": category, "note": note}
        if len(parts) > 1:
            lab["end_line"] = first + len(parts) - 1
        self.corpus.labels.append(lab)
        return self

    def s(self, text, category, note):
        """A line (or block) holding one secret."""
        return self._label(text, "secret", category, note)

    def n(self, text, category, note):
        """A line (or block) a scanner should stay quiet on; category = what it looks like."""
        return self._label(text, "negative", category, note)


CATEGORIES = ["aws", "cloud", "vcs-ci", "registry", "chat", "payments", "ai", "saas", "private-key",
              "password-hash", "encoded-credential", "jwt", "generic"]


def indent(text, n):
    return "\n".join((" " * n + x) if x else x for x in text.split("\n"))


def jstr(s):
    """A JSON string literal (escapes newlines as \\n)."""
    return json.dumps(s)


AWS_DOC_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


# ================================================================ the files


def home_dotfiles(C):
    f = C.file("home/dev/.aws/credentials")
    f("[default]")
    f.s(f"aws_access_key_id = {aws_key_id()}", "aws", "credentials file key id")
    f.s(f"aws_secret_access_key = {aws_secret()}", "aws", "credentials file secret key")
    f("region = eu-west-1", "", "[ci-deployer]")
    f.s(f"aws_access_key_id={aws_key_id()}", "aws", "key id, no spaces")
    f.s(f"aws_secret_access_key={aws_secret()}", "aws", "secret key, no spaces")
    f("", "[sts-session]")
    f.s(f"aws_access_key_id = {aws_key_id('ASIA')}", "aws", "temporary key id")
    f.s(f"aws_secret_access_key = {aws_secret()}", "aws", "temporary secret key")
    f.s(f"aws_session_token = {aws_session_token()}", "aws", "session token")
    f("", "[docs]")
    f.n(f"aws_access_key_id = {AWS_DOC_ID}", "aws", "AWS documentation example key id")
    f.n(f"aws_secret_access_key = {AWS_DOC_SECRET}", "aws", "AWS documentation example secret")
    f("", "[sso-dev]")
    f.n("credential_process = aws-vault export --format=json sso-dev", "aws", "credential process, no secret")

    f = C.file("home/dev/.aws/config")
    f("[default]", "region = eu-west-1", "output = json", "", "[profile prod-admin]")
    f.n("role_arn = arn:aws:iam::481516234200:role/OrganizationAccountAccessRole", "aws", "role ARN")
    f("source_profile = default")
    f.n(f"mfa_serial = arn:aws:iam::481516234200:mfa/{R.choice(WORDS)}", "aws", "MFA device ARN")
    f("", "[profile sso-dev]", "sso_session = corp")
    f.n("sso_account_id = 481516234201", "aws", "account id")
    f("sso_role_name = PowerUserAccess", "", "[sso-session corp]")
    f.n("sso_start_url = https://d-9067a1b2c3.awsapps.com/start", "aws", "SSO portal URL")
    f("sso_region = eu-west-1", "sso_registration_scopes = sso:account:access")

    f = C.file("home/dev/.s3cfg")
    f("[default]")
    f.s(f"access_key = {aws_key_id()}", "aws", "s3cmd access key")
    f("bucket_location = EU", "host_base = s3.amazonaws.com", "host_bucket = %(bucket)s.s3.amazonaws.com")
    f.s(f"secret_key = {aws_secret()}", "aws", "s3cmd secret key")
    f("use_https = True", "signature_v2 = False")

    f = C.file("home/dev/.npmrc")
    f("registry=https://registry.npmjs.org/")
    f.s(f"//registry.npmjs.org/:_authToken={crc_token('npm_', 30)}", "registry", "npm automation token")
    f("@corp:registry=https://npm.corp.internal/")
    f.s(f"//npm.corp.internal/:_authToken={uuid4()}", "encoded-credential", "npmrc legacy UUID auth token")
    f.s(f"//nexus.corp.internal/repository/npm-group/:_auth={b64(('ci-reader:' + any_pw()).encode())}",
        "encoded-credential", "npmrc _auth base64 user:pass")
    f("//nexus.corp.internal/repository/npm-group/:always-auth=true")
    f.s(f"//artifactory.corp.internal/api/npm/npm/:_password={b64(rand_pw().encode())}", "encoded-credential",
        "npmrc base64 _password")
    f("//artifactory.corp.internal/api/npm/npm/:username=build", "//artifactory.corp.internal/api/npm/npm/:email=build@corp.internal")
    f.n("//npm.pkg.github.com/:_authToken=${NODE_AUTH_TOKEN}", "registry", "env reference")

    f = C.file("home/dev/.netrc")
    f.s(f"machine api.heroku.com login ops@corp.internal password {uuid4()}", "encoded-credential",
        "netrc one-line entry (heroku API key)")
    f("machine git.corp.internal", "  login jenkins")
    f.s(f"  password {rand_pw(24, symbols=False)}", "encoded-credential", "netrc multi-line password")
    f("machine ftp.partner.example.net", "  login upload")
    f.s(f"  password {human_pw()}", "encoded-credential", "netrc human password")
    f.n("machine localhost login anonymous password anonymous@", "encoded-credential", "anonymous FTP convention")

    f = C.file("home/dev/.git-credentials")
    f.s(f"https://jdoe:{rand_pw(20, symbols=False)}@git.corp.internal", "encoded-credential", "git-credentials password")
    f.s(f"https://x-access-token:{gh('ghs_')}@github.com", "vcs-ci", "GitHub app installation token in git-credentials")
    f.s(f"https://oauth2:{'glpat-' + rs(B64URL, 20)}@gitlab.com", "vcs-ci", "GitLab PAT in git-credentials")
    f.s(f"https://build-bot:{'ATBB' + rs(ALNUM, 32)}@bitbucket.org", "vcs-ci", "Bitbucket app password in git-credentials")

    f = C.file("home/dev/.pgpass")
    f("# hostname:port:database:username:password")
    f.s(f"db-primary.corp.internal:5432:orders:orders_app:{rand_pw(24, symbols=False)}", "encoded-credential", "pgpass entry")
    f.s(f"*:5432:*:replicator:{human_pw()}", "encoded-credential", "pgpass wildcard entry")
    f.s(f"10.20.0.15:6432:analytics:readonly:{rand_pw(18)}", "encoded-credential", "pgpass pgbouncer entry")

    f = C.file("home/dev/.docker/config.json")
    f("{", '  "auths": {', '    "https://index.docker.io/v1/": {')
    f.s(f'      "auth": "{b64(("jdoe:" + "dckr_pat_" + rs(B64URL, 27)).encode())}"', "encoded-credential",
        "docker auth base64 user:PAT")
    f("    },", '    "registry.corp.internal:5000": {')
    f.s(f'      "auth": "{b64(("ci:" + rand_pw()).encode())}"', "encoded-credential", "docker auth base64 user:pass")
    f("    },", '    "ghcr.io": {')
    f.s(f'      "auth": "{b64(("jdoe:" + gh()).encode())}"', "encoded-credential", "docker auth base64 GitHub PAT")
    f("    }", "  },", '  "credsStore": "desktop",')
    f.n('  "currentContext": "default"', "generic", "plain setting")
    f("}")

    f = C.file("home/dev/.kube/config")
    f("apiVersion: v1", "clusters:", "- cluster:")
    f.n(f"    certificate-authority-data: {b64((cert_pem() + chr(10)).encode())}",
        "encoded-credential", "CA certificate data (public)")
    f("    server: https://10.0.0.1:6443", "  name: prod", "- cluster:", "    server: https://staging.k8s.corp.internal",
      "  name: staging", "contexts:", "- context:", "    cluster: prod", "    user: admin", "  name: prod-admin",
      "current-context: prod-admin", "kind: Config", "users:", "- name: admin", "  user:")
    f.n(f"    client-certificate-data: {b64((cert_pem() + chr(10)).encode())}",
        "encoded-credential", "client certificate data (public half)")
    key = pem("RSA PRIVATE KEY", rsa_pkcs1()) + "\n"
    f.s(f"    client-key-data: {b64(key.encode())}", "encoded-credential", "kubeconfig client-key-data (base64 PEM)")
    f("- name: ci-deployer", "  user:")
    f.s("    token: " + jwt({"iss": "kubernetes/serviceaccount", "kubernetes.io/serviceaccount/namespace": "ci",
                             "kubernetes.io/serviceaccount/secret.name": "ci-deployer-token-x7k2p",
                             "kubernetes.io/serviceaccount/service-account.name": "ci-deployer",
                             "sub": "system:serviceaccount:ci:ci-deployer"}, "RS256", kid=b64url(rbytes(32))),
        "encoded-credential", "kubeconfig service account token")
    f("- name: bootstrap", "  user:")
    f.s(f"    token: {rs(LO + DIG, 6)}.{rs(LO + DIG, 16)}", "encoded-credential", "kubeadm bootstrap token")
    f("- name: oidc", "  user:", "    exec:", "      apiVersion: client.authentication.k8s.io/v1beta1",
      "      command: kubelogin", "      args:", "      - get-token")
    f.n("      - --oidc-client-secret-file=/etc/kube/oidc-secret", "encoded-credential", "secret file reference")

    f = C.file("home/dev/.pypirc")
    f("[distutils]", "index-servers =", "    pypi", "    internal", "", "[pypi]", "username = __token__")
    f.s("password = pypi-AgEIcHlwaS5vcmc" + rs(B64URL, 160), "registry", "PyPI API token")
    f("", "[internal]", "repository = https://pypi.corp.internal/simple/", "username = deploy")
    f.s(f"password = {human_pw()}", "generic", "pypirc human password")

    f = C.file("home/dev/.gem/credentials")
    f("---")
    f.s(f":rubygems_api_key: rubygems_{rs(HEX, 48)}", "registry", "RubyGems API key")

    f = C.file("home/dev/.terraformrc")
    f('credentials "app.terraform.io" {')
    f.s(f'  token = "{rs(ALNUM, 14)}.atlasv1.{rs(ALNUM, 67)}"', "registry", "Terraform Cloud user token")
    f("}")

    f = C.file("home/dev/.config/gh/hosts.yml")
    f("github.com:", "    git_protocol: ssh", "    users:", "        jdoe:")
    f.s(f"            oauth_token: {gh('gho_')}", "vcs-ci", "gh CLI OAuth token")
    f("    user: jdoe")
    f.s(f"    oauth_token: {gh('gho_')}", "vcs-ci", "gh CLI OAuth token (legacy layout)")

    f = C.file("home/dev/.vault-token")
    f.s("hvs." + rs(ALNUM, 24), "registry", "Vault service token (short form)")

    f = C.file("home/dev/.cargo/credentials.toml")
    f("[registry]")
    f.s(f'token = "cio{rs(ALNUM, 32)}"', "registry", "crates.io token")
    f("", "[registries.corp]")
    f.s(f'token = "Bearer {rand_pw(40, symbols=False)}"', "generic", "private registry bearer token")

    f = C.file("home/dev/.config/rclone/rclone.conf")
    f("[s3-backup]", "type = s3", "provider = AWS")
    f.s(f"access_key_id = {aws_key_id()}", "aws", "rclone access key id")
    f.s(f"secret_access_key = {aws_secret()}", "aws", "rclone secret key")
    f("region = eu-central-1", "", "[b2]", "type = b2")
    f.n("account = 00" + rs(HEX, 10) + "0000000001", "cloud", "Backblaze key id (not the key)")
    f.s("key = K00" + rs(ALNUM + "/+", 28), "cloud", "Backblaze application key")
    f("", "[crypt]", "type = crypt", "remote = b2:backups")
    f.s(f"password = {rs(B64URL, 40)}", "generic", "rclone obscured password")

    f = C.file("home/dev/.ssh/id_ed25519")
    f.s(openssh_key("ed25519", b"jdoe@laptop"), "private-key", "OpenSSH ed25519 private key")
    f = C.file("home/dev/.ssh/id_rsa")
    f.s(openssh_key("rsa", b"jdoe@laptop"), "private-key", "OpenSSH RSA private key")
    f = C.file("home/dev/.ssh/id_ed25519.pub")
    f.n(f"ssh-ed25519 {ssh_ed_pub()} jdoe@laptop", "private-key", "public key")
    f = C.file("home/dev/.ssh/authorized_keys")
    for who in ("jdoe@laptop", "deploy@ci", "backup@nas"):
        f.n(f"ssh-rsa {ssh_rsa_pub()} {who}", "private-key", "authorized public key")
    f.n(f'command="/usr/local/bin/backup-only",no-pty ssh-ed25519 {ssh_ed_pub()} restic',
        "private-key", "restricted public key")
    f = C.file("home/dev/.ssh/known_hosts")
    for h in ("github.com", "gitlab.com", "10.0.4.12"):
        f.n(f"{h} ecdsa-sha2-nistp256 {ssh_ecdsa_pub()}",
            "private-key", "host public key")
    f.n(f"|1|{b64(rbytes(20))}|{b64(rbytes(20))} ssh-ed25519 {ssh_ed_pub()}",
        "private-key", "hashed known_hosts entry")
    f = C.file("home/dev/.ssh/config")
    f("Host bastion", "  HostName 203.0.113.10", "  User ec2-user")
    f.n("  IdentityFile ~/.ssh/id_ed25519", "private-key", "key file path")
    f("  ForwardAgent yes")
    f = C.file("home/dev/keys/deploy.ppk")
    f.s(putty_key(3), "private-key", "PuTTY v3 key")
    f = C.file("home/dev/keys/legacy-server.ppk")
    f.s(putty_key(2), "private-key", "PuTTY v2 RSA key")
    f = C.file("home/dev/.config/sops/age/keys.txt")
    f("# created: 2024-03-02T10:11:12Z")
    f.n(f"# public key: {age_public()}", "private-key", "age public key")
    f.s(age_secret(), "private-key", "age secret key")
    f = C.file("home/dev/.gnupg/backup-secret.asc")
    f.s(pgp_private(), "private-key", "PGP private key block")
    f = C.file("home/dev/.gnupg/team-public.asc")
    f.n(pgp_public(), "private-key", "PGP public key block")


def system_files(C):
    f = C.file("etc/shadow")
    f.s(f"root:{sha512crypt()}:19702:0:99999:7:::", "password-hash", "shadow sha512crypt root")
    for u in ("daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "www-data"):
        f.n(f"{u}:*:19579:0:99999:7:::", "password-hash", "locked system account")
    f.n("sshd:!:19579::::::", "password-hash", "locked account (!)")
    f.s(f"deploy:{sha512crypt()}:19705:0:99999:7:::", "password-hash", "shadow sha512crypt user")
    f.s(f"jdoe:{yescrypt()}:19710:0:99999:7:::", "password-hash", "shadow yescrypt")
    f.s(f"backup:{sha256crypt()}:19711:0:99999:7:::", "password-hash", "shadow sha256crypt with rounds")
    f.s(f"legacy:{md5crypt()}:17000:0:99999:7:::", "password-hash", "shadow md5crypt")
    f.n("nobody:!*:19579::::::", "password-hash", "locked account (!*)")

    f = C.file("etc/nginx/.htpasswd")
    f.s(f"admin:{apr1()}", "password-hash", "htpasswd apr1")
    f.s(f"grafana:{bcrypt('2y', 10)}", "password-hash", "htpasswd bcrypt 2y")
    f.s(f"metrics:{{SHA}}{b64(rbytes(20))}", "password-hash", "htpasswd SHA1")

    f = C.file("etc/nginx/conf.d/api.conf")
    f("upstream api {", "    server 127.0.0.1:8080;", "}", "", "server {", "    listen 443 ssl http2;",
      "    server_name api.corp.internal;")
    f.n("    ssl_certificate     /etc/ssl/certs/api.crt;", "private-key", "certificate path")
    f.n("    ssl_certificate_key /etc/ssl/private/api.key;", "private-key", "key path")
    f.n("    auth_basic_user_file /etc/nginx/.htpasswd;", "password-hash", "htpasswd path")
    f("    location /legacy/ {")
    f.s(f'        proxy_set_header Authorization "Basic {b64(("legacy-svc:" + rand_pw(18)).encode())}";',
        "encoded-credential", "nginx upstream Basic auth")
    f("        proxy_pass http://legacy;", "    }", "    location / {", "        proxy_pass http://api;")
    f.n("        proxy_set_header Authorization $http_authorization;", "encoded-credential", "header passthrough")
    f("    }", "}")

    f = C.file("etc/ssh/sshd_config")
    f("Port 22", "PermitRootLogin prohibit-password")
    f.n("PasswordAuthentication no", "generic", "boolean setting")
    f.n("PermitEmptyPasswords no", "generic", "boolean setting")
    f("ChallengeResponseAuthentication no", "UsePAM yes")
    f.n("HostKey /etc/ssh/ssh_host_ed25519_key", "private-key", "host key path")
    f("Subsystem sftp /usr/lib/openssh/sftp-server")

    f = C.file("etc/ssl/private/api.key")
    f.s(pem("PRIVATE KEY", rsa_pkcs8()), "private-key", "PKCS#8 RSA private key")
    f = C.file("etc/ssl/private/legacy.key")
    f.s(pem("RSA PRIVATE KEY", rsa_pkcs1(), headers=["Proc-Type: 4,ENCRYPTED", f"DEK-Info: AES-256-CBC,{rs(HEXUP, 32)}"]),
        "private-key", "legacy encrypted RSA PEM")
    f = C.file("etc/ssl/private/ecdsa.pem")
    f.s(pem("EC PRIVATE KEY", ec_sec1()), "private-key", "SEC1 EC private key")
    f = C.file("etc/ssl/private/signing.pem")
    f.s(pem("ENCRYPTED PRIVATE KEY", encrypted_pkcs8()), "private-key", "encrypted PKCS#8")
    f = C.file("etc/ssl/private/dsa.pem")
    f.s(pem("DSA PRIVATE KEY", dsa_key()), "private-key", "DSA private key")
    f = C.file("etc/ssl/certs/api.crt")
    f.n(cert_pem(), "private-key", "certificate")
    f.n(cert_pem(), "private-key", "intermediate certificate")
    f = C.file("etc/ssl/certs/api-pub.pem")
    f.n(rsa_public_pem(256),
        "private-key", "public key")
    f = C.file("etc/ssl/req.csr")
    f.n(pem("CERTIFICATE REQUEST", seq(seq(der_small(0), rbytes(400)), rbytes(280))), "private-key", "CSR")
    f = C.file("etc/ssl/dhparam.pem")
    f.n(pem("DH PARAMETERS", seq(der_int(256), der_small(2))), "private-key", "DH parameters")

    f = C.file("etc/redis/redis.conf")
    f("bind 127.0.0.1 -::1", "protected-mode yes", "port 6379")
    f.s(f"requirepass {rand_pw(32, symbols=False)}", "generic", "redis requirepass")
    f.s(f"masterauth {human_pw()}", "generic", "redis masterauth")
    f.n("# requirepass foobared", "generic", "commented default")
    f("maxmemory 2gb")

    f = C.file("etc/pgbouncer/userlist.txt")
    f.s(f'"orders_app" "SCRAM-SHA-256$4096:{b64(rbytes(16))}${b64(rbytes(32))}:{b64(rbytes(32))}"',
        "password-hash", "pgbouncer SCRAM verifier")
    f.s(f'"reporting" "md5{rs(HEX, 32)}"', "password-hash", "pgbouncer md5 hash")

    f = C.file("etc/openvpn/client.conf")
    f("client", "dev tun", "proto udp", "remote vpn.corp.internal 1194", "auth-user-pass creds.txt", "<tls-auth>")
    f.s("-----BEGIN OpenVPN Static key V1-----\n" + "\n".join(rs(HEX, 32) for _ in range(16))
        + "\n-----END OpenVPN Static key V1-----", "private-key", "OpenVPN static key")
    f("</tls-auth>", "<key>")
    f.s(pem("PRIVATE KEY", ec_pkcs8()), "private-key", "inline client key")
    f("</key>")

    f = C.file("etc/wireguard/wg0.conf")
    f("[Interface]", "Address = 10.8.0.2/24")
    f.s(f"PrivateKey = {b64(rbytes(32))}", "private-key", "WireGuard private key")
    f("", "[Peer]")
    f.n(f"PublicKey = {b64(rbytes(32))}", "private-key", "WireGuard public key")
    f.s(f"PresharedKey = {b64(rbytes(32))}", "private-key", "WireGuard preshared key")
    f("Endpoint = vpn.corp.internal:51820", "AllowedIPs = 10.8.0.0/24")


def infra(C):
    f = C.file("infra/terraform/prod.tfvars")
    f('region        = "eu-west-1"', 'environment   = "prod"')
    f.s(f'db_password   = "{rand_pw(24)}"', "generic", "tfvars db password")
    f.s(f'datadog_api_key = "{rs(HEX, 32)}"', "saas", "Datadog API key in tfvars")
    f.s(f'datadog_app_key = "{rs(HEX, 40)}"', "saas", "Datadog application key")
    f.s(f'cloudflare_api_token = "{rs(B64URL, 40)}"', "saas", "Cloudflare API token")
    f.s(f'do_token = "dop_v1_{rs(HEX, 64)}"', "cloud", "DigitalOcean PAT")
    f.s(f'hcloud_token = "{rs(ALNUM, 64)}"', "cloud", "Hetzner Cloud token")
    f.n('instance_type = "m6i.large"', "generic", "plain setting")
    f.n('kms_key_id    = "arn:aws:kms:eu-west-1:481516234200:key/' + uuid4() + '"', "aws", "KMS key ARN")

    f = C.file("infra/terraform/main.tf")
    f('terraform {', '  required_version = ">= 1.6"', '  backend "s3" {', '    bucket = "corp-tf-state"',
      '    key    = "prod/terraform.tfstate"', '    region = "eu-west-1"', '  }', '}', '', 'provider "aws" {',
      '  region     = var.region')
    f.s(f'  access_key = "{aws_key_id()}"', "aws", "terraform provider key id")
    f.s(f'  secret_key = "{aws_secret()}"', "aws", "terraform provider secret key")
    f('}', '', 'provider "alicloud" {')
    f.s(f'  access_key = "LTAI{rs(ALNUM, 20)}"', "cloud", "Alibaba AccessKey ID")
    f.s(f'  secret_key = "{rs(ALNUM, 30)}"', "cloud", "Alibaba AccessKey secret")
    f('  region     = "cn-hangzhou"', '}', '', 'provider "tencentcloud" {')
    f.s(f'  secret_id  = "AKID{rs(ALNUM, 32)}"', "cloud", "Tencent Cloud SecretId")
    f.s(f'  secret_key = "{rs(ALNUM, 32)}"', "cloud", "Tencent Cloud SecretKey")
    f('}', '', 'provider "ibm" {')
    f.s(f'  ibmcloud_api_key = "{rs(B64URL, 44)}"', "cloud", "IBM Cloud API key")
    f('}', '', 'provider "oci" {', '  tenancy_ocid     = var.tenancy_ocid')
    f.n('  user_ocid        = "ocid1.user.oc1..aaaaaaaa' + rs(LO + DIG, 52) + '"', "cloud", "OCI user OCID")
    f.n(f'  fingerprint      = "{":".join(rs(HEX, 2) for _ in range(16))}"', "cloud", "OCI key fingerprint")
    f.n('  private_key_path = "~/.oci/oci_api_key.pem"', "private-key", "key path")
    f('}', '', 'resource "aws_db_instance" "orders" {', '  identifier     = "orders-prod"',
      '  engine         = "postgres"', '  username       = "orders_admin"')
    f.n('  password       = var.db_password', "generic", "variable reference")
    f.n('  manage_master_user_password = true', "generic", "boolean setting")
    f('}', '', 'resource "aws_secretsmanager_secret_version" "api" {')
    f.n('  secret_id     = aws_secretsmanager_secret.api.id', "aws", "resource reference")
    f.n('  secret_string = jsonencode({ api_key = random_password.api.result })', "generic", "computed value")
    f('}', '', 'resource "random_password" "api" {')
    f.n('  length  = 32', "generic", "length setting")
    f('  special = true', '}', '', 'data "aws_secretsmanager_secret_version" "stripe" {')
    f.n('  secret_id = "arn:aws:secretsmanager:eu-west-1:481516234200:secret:prod/stripe-Ab12Cd"', "aws",
        "Secrets Manager ARN")
    f('}', '', 'resource "azurerm_key_vault_secret" "sp" {', '  name         = "sp-client-secret"')
    f.s(f'  value        = "{rs(B64URL[:-2] + "~.", 3)}8Q~{rs(B64URL[:-2] + "~._-", 34)}"', "cloud",
        "Azure AD client secret")
    f('  key_vault_id = azurerm_key_vault.main.id', '}')

    f = C.file("infra/terraform/variables.tf")
    f('variable "db_password" {', '  type      = string', '  sensitive = true')
    f.n('  description = "Master password for the orders database"', "generic", "description text")
    f('}', '', 'variable "api_token" {', '  type    = string')
    f.n('  default = ""', "generic", "empty default")
    f('}', '', 'variable "grafana_admin_password" {', '  type    = string')
    f.s(f'  default = "{human_pw()}"', "generic", "hardcoded default password")
    f('}')

    f = C.file("infra/k8s/orders/secret.yaml")
    f("apiVersion: v1", "kind: Secret", "metadata:", "  name: orders-db", "  namespace: orders", "type: Opaque", "data:")
    f.s(f"  password: {b64(rand_pw().encode())}", "encoded-credential", "k8s Secret data (base64 password)")
    f.s(f"  api-key: {b64(rs(HEX, 32).encode())}", "encoded-credential", "k8s Secret data (base64 API key)")
    f.n(f"  username: {b64(b'orders_app')}", "encoded-credential", "k8s Secret data (base64 username)")
    f("stringData:")
    f.s(f"  DATABASE_URL: postgresql://orders_app:{rand_pw(20, symbols=False)}@orders-db.orders.svc:5432/orders",
        "encoded-credential", "postgres URL password")
    f.s(f"  REDIS_PASSWORD: \"{rand_pw(24, symbols=False)}\"", "generic", "stringData password")

    f = C.file("infra/k8s/orders/tls.yaml")
    f("apiVersion: v1", "kind: Secret", "metadata:", "  name: orders-tls", "type: kubernetes.io/tls", "data:")
    f.n(f"  tls.crt: {b64((cert_pem() + chr(10)).encode())}", "private-key", "base64 certificate")
    f.s(f"  tls.key: {b64((pem('EC PRIVATE KEY', ec_sec1()) + chr(10)).encode())}", "private-key",
        "base64-encoded PEM key in k8s TLS secret")

    f = C.file("infra/k8s/orders/deployment.yaml")
    f("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: orders", "  annotations:")
    f.n(f"    checksum/config: {rs(HEX, 64)}", "generic", "helm checksum annotation")
    f("spec:", "  replicas: 3", "  template:", "    spec:", "      containers:", "      - name: orders")
    f.n(f"        image: registry.corp.internal/orders@sha256:{rs(HEX, 64)}", "generic", "image digest")
    f("        env:", "        - name: DB_PASSWORD", "          valueFrom:", "            secretKeyRef:",
      "              name: orders-db")
    f.n("              key: password", "generic", "secretKeyRef key name")
    f("        - name: STRIPE_SECRET_KEY")
    f.s(f"          value: {stripe()}", "payments", "Stripe live key as env value")
    f("        - name: SENTRY_DSN")
    f.s(f"          value: https://{rs(HEX, 32)}@o{R.randrange(100000, 999999)}.ingest.sentry.io/{R.randrange(1000000, 9999999)}",
        "saas", "Sentry DSN")
    f("        - name: LOG_LEVEL", "          value: info", "        - name: PASSWORD_MIN_LENGTH")
    f.n('          value: "12"', "generic", "policy setting")
    f("        - name: NEW_RELIC_LICENSE_KEY")
    f.s(f"          value: {rs(HEX, 36)}NRAL", "saas", "New Relic license key")

    f = C.file("infra/helm/orders/values.yaml")
    f("replicaCount: 2", "image:", "  repository: registry.corp.internal/orders", "  tag: 1.14.2", "auth:")
    f.n("  existingSecret: orders-auth", "generic", "secret name reference")
    f.n('  password: "{{ .Values.global.dbPassword }}"', "generic", "helm template placeholder")
    f.n("  adminPassword: \"\"", "generic", "empty value")
    f("postgresql:", "  auth:")
    f.s(f"    postgresPassword: {rand_pw(20, symbols=False)}", "generic", "helm values password")
    f.s(f"    replicationPassword: '{human_pw()}'", "generic", "helm values human password")
    f("redis:", "  auth:", "    enabled: true")
    f.n("    password: changeme", "generic", "placeholder changeme")
    f("grafana:")
    f.s(f"  adminPassword: {human_pw()}", "generic", "grafana admin password")
    f("  grafana.ini:", "    server:", "      root_url: https://grafana.corp.internal", "    security:")
    f.n("      admin_password: $__file{/etc/secrets/admin_password}", "generic", "file reference")
    f("keycloak:", "  auth:")
    f.n("    adminPassword: <password>", "generic", "angle-bracket placeholder")
    f("  extraEnv: |", "    - name: KC_DB_PASSWORD")
    f.s(f"      value: \"{rand_pw(22)}\"", "generic", "nested env value")

    f = C.file("infra/k8s/external-secrets.yaml")
    f("apiVersion: external-secrets.io/v1beta1", "kind: ExternalSecret", "metadata:", "  name: orders", "spec:",
      "  secretStoreRef:", "    name: aws-sm", "  data:", "  - secretKey: password", "    remoteRef:")
    f.n("      key: prod/orders/db", "aws", "secret path reference")
    f.n("      property: password", "generic", "property name")

    f = C.file("infra/ecs/task-definition.json")
    f("{", '  "family": "orders",', '  "containerDefinitions": [', "    {", '      "name": "orders",',
      '      "secrets": [', "        {", '          "name": "DB_PASSWORD",')
    f.n('          "valueFrom": "arn:aws:secretsmanager:eu-west-1:481516234200:secret:prod/orders/db-a1B2c3:password::"',
        "aws", "ECS valueFrom secret ARN")
    f("        },", "        {", '          "name": "API_TOKEN",')
    f.n('          "valueFrom": "arn:aws:ssm:eu-west-1:481516234200:parameter/prod/orders/api-token"', "aws",
        "ECS valueFrom SSM parameter")
    f("        }", "      ],", '      "environment": [')
    f.s(f'        {{ "name": "SENDGRID_API_KEY", "value": "{sendgrid()}" }},', "chat", "SendGrid key in ECS env")
    f.s(f'        {{ "name": "ORDERS_API_SECRET", "value": "{rand_pw(32, symbols=False)}" }},', "generic",
        "ECS env name/value pair")
    f.n('        { "name": "PASSWORD_RESET_TTL", "value": "3600" }', "generic", "numeric setting")
    f("      ]", "    }", "  ]", "}")

    f = C.file("infra/cloudformation/stack.yaml")
    f("AWSTemplateFormatVersion: '2010-09-09'", "Resources:", "  Database:", "    Type: AWS::RDS::DBInstance",
      "    Properties:", "      MasterUsername: admin")
    f.n("      MasterUserPassword: '{{resolve:secretsmanager:prod/orders/db:SecretString:password}}'", "aws",
        "CloudFormation dynamic reference")
    f("  LegacyDatabase:", "    Type: AWS::RDS::DBInstance", "    Properties:", "      MasterUsername: admin")
    f.s(f"      MasterUserPassword: {rand_pw(20, symbols=False)}", "generic", "hardcoded CFN password")
    f("  Key:", "    Type: AWS::IAM::AccessKey", "    Properties:")
    f.n("      UserName: !Ref DeployUser", "generic", "intrinsic reference")
    f("Outputs:", "  SecretKey:")
    f.n("    Value: !GetAtt Key.SecretAccessKey", "aws", "attribute reference")

    f = C.file("infra/iam/trust-policy.json")
    f("{", '  "Version": "2012-10-17",', '  "Statement": [{', '    "Effect": "Allow",')
    f.n(f'    "Principal": {{ "AWS": "AROA{rs(BASE32, 17)}" }},', "aws", "IAM role unique id (not a key)")
    f.n(f'    "Condition": {{ "StringLike": {{ "aws:userid": "AIDA{rs(BASE32, 17)}" }} }},', "aws",
        "IAM user unique id (not a key)")
    f('    "Action": "sts:AssumeRole"', "  }]", "}")

    f = C.file("infra/ansible/group_vars/all.yml")
    f("---", "ntp_servers:", "  - 0.pool.ntp.org")
    f.s(f"mysql_root_password: {human_pw()}", "generic", "ansible var password")
    f.s(f'vault_api_token: "hvs.CAESI{rs(B64URL, 91)}"', "registry", "Vault service token")
    f.n("app_db_password: \"{{ vault_app_db_password }}\"", "generic", "jinja reference")
    f("app_secret_key: !vault |", "          $ANSIBLE_VAULT;1.1;AES256")
    for _ in range(4):
        f.n("          " + rs(HEX, 80), "generic", "ansible-vault ciphertext line")
    f.s(f"smtp_password: '{rand_pw(16)}'", "generic", "ansible smtp password")
    f.s(f"users_admin_hash: \"{sha512crypt()}\"", "password-hash", "ansible user password hash")
    f.n("password_max_age_days: 90", "generic", "policy setting")
    f.n("password_min_length: 12", "generic", "policy setting")
    f.n("password_require_symbols: true", "generic", "policy setting")

    f = C.file("infra/pulumi/Pulumi.prod.yaml")
    f("config:", "  aws:region: eu-west-1")
    f.n("  orders:dbPassword:", "generic", "key of secure block")
    f.n(f"    secure: v1:{b64(rbytes(12))}:{b64(rbytes(48))}", "generic", "pulumi encrypted config")
    f.s(f"  orders:pagerdutyToken: u+{rs(B64URL, 18)}", "saas", "PagerDuty user token")

    f = C.file("infra/vault/policy-bootstrap.sh")
    f("#!/usr/bin/env bash", "set -euo pipefail", "export VAULT_ADDR=https://vault.corp.internal:8200")
    f.s(f"export VAULT_TOKEN=hvs.{rs(ALNUM, 24)}", "registry", "Vault token export")
    f.n('vault kv get -field=password secret/prod/orders', "generic", "vault CLI read")
    f.s(f"export DOPPLER_TOKEN=dp.st.prd.{rs(ALNUM, 40)}", "registry", "Doppler service token")
    f.s(f"export PULUMI_ACCESS_TOKEN=pul-{rs(HEX, 40)}", "registry", "Pulumi access token")
    f.s(f'export ARTIFACTORY_API_KEY="AKCp8{rs(ALNUM, 68)}"', "registry", "Artifactory API key")
    f.s(f"export JFROG_ACCESS_TOKEN=cmVmdGtuOjAxOjE3{rs(ALNUM, 46)}", "registry", "JFrog reference token")
    f.s(f"export NUGET_API_KEY=oy2{rs(LO + DIG, 43)}", "registry", "NuGet API key")
    f.s(f"export DOCKERHUB_TOKEN=dckr_pat_{rs(B64URL, 27)}", "registry", "Docker Hub PAT")
    f.s(f"export CLOJARS_DEPLOY_TOKEN=CLOJARS_{rs(LO + DIG, 60)}", "registry", "Clojars deploy token")
    f.n('export VAULT_TOKEN="$(vault login -token-only -method=oidc)"', "registry", "command substitution")
    f.n('echo "password: ${DB_PASSWORD:?missing}"', "generic", "shell variable reference")

    f = C.file("deploy/docker-compose.yml")
    f("services:", "  db:", "    image: postgres:16", "    environment:")
    f.s(f"      POSTGRES_PASSWORD: {rand_pw(20, symbols=False)}", "generic", "compose postgres password")
    f.n("      POSTGRES_USER: orders", "generic", "username")
    f("  mysql:", "    image: mysql:8", "    environment:")
    f.n("      - MYSQL_ALLOW_EMPTY_PASSWORD=yes", "generic", "boolean flag")
    f.s(f"      - MYSQL_ROOT_PASSWORD={human_pw()}", "generic", "compose list-form password")
    f.n("      - MYSQL_PASSWORD_FILE=/run/secrets/mysql_password", "generic", "file reference")
    f("  rabbit:", "    image: rabbitmq:3-management", "    environment:")
    f.s(f"      RABBITMQ_DEFAULT_PASS: \"{rand_pw(16, symbols=False)}\"", "generic", "rabbit password")
    f("  api:", "    build: ../services/orders", "    environment:")
    f.s(f"      AMQP_URL: amqp://orders:{rand_pw(18, symbols=False)}@rabbit:5672/orders", "encoded-credential",
        "AMQP URL password")
    f.s(f"      MONGO_URL: mongodb+srv://svc-orders:{rand_pw(16, symbols=False)}@cluster0.{rs(LO + DIG, 5)}.mongodb.net/orders",
        "encoded-credential", "MongoDB SRV URL password")
    f.n("      JWT_SECRET: ${JWT_SECRET}", "generic", "compose interpolation")
    f.n("      API_KEY: ${API_KEY:-}", "generic", "compose interpolation with default")
    f("    labels:")
    f.s(f'      - "traefik.http.middlewares.auth.basicauth.users=admin:{apr1().replace("$", "$$")}"', "password-hash",
        "traefik basic auth (doubled $$)")
    f("  proxy:", "    image: squid")
    f.s(f"    command: [\"--upstream\", \"http://proxyuser:{rand_pw(14, symbols=False)}@proxy.corp.internal:3128\"]",
        "encoded-credential", "proxy URL password")
    f("secrets:", "  mysql_password:", "    file: ./secrets/mysql_password.txt")

    f = C.file("deploy/Dockerfile")
    f("FROM python:3.12-slim", "WORKDIR /app")
    f.n("ARG PIP_INDEX_URL", "generic", "build arg declaration")
    f.s(f"ARG NPM_TOKEN={crc_token('npm_', 30)}", "registry", "npm token build arg")
    f.s(f"ENV DJANGO_SECRET_KEY=\"{rs(LO + DIG + '!@#$%^&*(-_=+)', 50)}\"", "generic", "Django secret key ENV")
    f.s(f"ENV SMTP_PASSWORD {rand_pw(16)}", "generic", "ENV space form")
    f.n("ENV PASSWORD_HASHERS=argon2", "generic", "setting")
    f("COPY requirements.txt .")
    f.n("RUN --mount=type=secret,id=pip_token pip install -r requirements.txt", "generic", "build secret mount")
    f("COPY . .", 'CMD ["gunicorn", "app.wsgi"]')


def ci(C):
    f = C.file("ci/.github/workflows/deploy.yml")
    f("name: deploy", "on:", "  push:", "    branches: [main]", "env:")
    f.s(f"  AWS_ACCESS_KEY_ID: {aws_key_id()}", "aws", "Actions env key id")
    f.s(f"  AWS_SECRET_ACCESS_KEY: {aws_secret()}", "aws", "Actions env secret key")
    f.n("  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}", "registry", "Actions secrets reference")
    f.n("  GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}", "vcs-ci", "Actions secrets reference")
    f("jobs:", "  build:", "    runs-on: ubuntu-latest", "    steps:")
    f.n(f"      - uses: actions/checkout@{sha1hex()} # v4.1.7", "generic", "pinned action SHA")
    f.n(f"      - uses: actions/setup-node@{sha1hex()} # v4", "generic", "pinned action SHA")
    f("      - name: publish", "        run: npm publish", "        env:")
    f.s(f"          NODE_AUTH_TOKEN: {crc_token('npm_', 30)}", "registry", "npm token in workflow")
    f("      - name: notify", "        run: |")
    f.s(f"          curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deployed\"}}' {slack_webhook()}",
        "chat", "Slack webhook in curl")
    f("      - name: docker login")
    f.s(f"        run: echo {gh()} | docker login ghcr.io -u ci-bot --password-stdin", "vcs-ci",
        "GitHub PAT piped to docker login")
    f.n("        run: echo \"${{ secrets.GHCR_TOKEN }}\" | docker login ghcr.io -u ci-bot --password-stdin", "vcs-ci",
        "secret reference in login")

    f = C.file("ci/.gitlab-ci.yml")
    f("stages: [build, deploy]", "variables:")
    f.s(f"  GITLAB_API_TOKEN: glpat-{rs(B64URL, 20)}", "vcs-ci", "GitLab PAT")
    f.s(f"  DEPLOY_TOKEN: gldt-{rs(B64URL, 20)}", "vcs-ci", "GitLab deploy token")
    f.s(f"  RUNNER_TOKEN: glrt-{rs(B64URL, 20)}", "vcs-ci", "GitLab runner auth token")
    f.s(f"  TRIGGER_TOKEN: glptt-{rs(HEX, 40)}", "vcs-ci", "GitLab pipeline trigger token")
    f.s(f"  REGISTRATION_TOKEN: GR1348941{rs(B64URL, 20)}", "vcs-ci", "GitLab runner registration token")
    f.s(f"  CI_JOB_TOKEN_OVERRIDE: glcbt-{rs(HEX, 2)}_{rs(B64URL, 20)}", "vcs-ci", "GitLab CI job token")
    f.n("  DOCKER_AUTH_CONFIG: $DOCKER_AUTH_CONFIG_JSON", "generic", "variable reference")
    f("build:", "  stage: build", "  script:")
    f.n('    - docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"', "generic",
        "predefined variable references")
    f.s(f"    - docker login -u deployer -p {rand_pw(20, symbols=False)} registry.corp.internal", "generic",
        "docker login -p password")
    f("deploy:", "  stage: deploy", "  script:")
    f.s(f"    - curl --fail -u admin:{rand_pw(16, symbols=False)} https://nexus.corp.internal/service/rest/v1/status",
        "encoded-credential", "curl -u user:pass")
    f.s(f'    - curl -H "PRIVATE-TOKEN: glpat-{rs(B64URL, 20)}" https://gitlab.com/api/v4/projects', "vcs-ci",
        "GitLab token in header")

    f = C.file("ci/.circleci/config.yml")
    f("version: 2.1", "jobs:", "  build:", "    docker:", "      - image: cimg/node:20.11", "        auth:",
      "          username: corpci")
    f.s(f"          password: {rand_pw(18, symbols=False)}", "generic", "circleci docker auth password")
    f("    environment:")
    f.s(f"      CIRCLE_TOKEN: CCIPAT_{rs(ALNUM, 22)}_{rs(HEX, 40)}", "vcs-ci", "CircleCI personal token")
    f.s(f"      CODECOV_TOKEN: {uuid4()}", "vcs-ci", "Codecov upload token (UUID)")
    f.s(f"      BUILDKITE_API_TOKEN: bkua_{rs(HEX, 40)}", "vcs-ci", "Buildkite API token")
    f.n("      CIRCLE_BRANCH: main", "generic", "plain setting")

    f = C.file("ci/azure-pipelines.yml")
    f("trigger:", "- main", "pool:", "  vmImage: ubuntu-latest", "variables:")
    f.s(f"  AZURE_DEVOPS_PAT: {rs(LO + '234567', 52)}", "vcs-ci", "Azure DevOps PAT (52 base32)")
    f.s(f"  AZDO_PAT: {rs(ALNUM, 52)}JQQJ99AZDO{rs(ALNUM, 22)}", "vcs-ci", "Azure DevOps PAT (84-char format)")
    f.n("  ARM_CLIENT_SECRET: $(armClientSecret)", "cloud", "pipeline variable reference")
    f.s(f"  ARM_CLIENT_SECRET_LEGACY: {rs(ALNUM, 3)}7Q~{rs(ALNUM + '_-.~', 34)}", "cloud", "Azure AD client secret")
    f.n(f"  ARM_CLIENT_ID: {uuid4()}", "cloud", "client id (UUID, not a secret)")
    f.n(f"  ARM_TENANT_ID: {uuid4()}", "cloud", "tenant id")
    f.n(f"  ARM_SUBSCRIPTION_ID: {uuid4()}", "cloud", "subscription id")
    f("steps:", "- script: dotnet build", "  displayName: build")

    f = C.file("ci/Jenkinsfile")
    f("pipeline {", "  agent any", "  environment {")
    f.n("    DOCKER_CREDS = credentials('dockerhub-creds')", "generic", "credentials() reference")
    f.s(f"    JENKINS_API_TOKEN = '11{rs(HEX, 32)}'", "vcs-ci", "Jenkins API token")
    f.s(f"    SONAR_TOKEN = 'squ_{rs(HEX, 40)}'", "vcs-ci", "SonarQube user token")
    f.s(f"    SNYK_TOKEN = '{uuid4()}'", "saas", "Snyk token (UUID)")
    f("  }", "  stages {", "    stage('build') {", "      steps {")
    f.n("        withCredentials([string(credentialsId: 'npm-token', variable: 'NPM_TOKEN')]) {", "registry",
        "credentials binding")
    f("          sh 'npm ci'", "        }")
    f.s(f"        sh \"curl -u jenkins:{rand_pw(20, symbols=False)} https://artifactory.corp.internal/api/system/ping\"",
        "encoded-credential", "curl -u in Jenkinsfile")
    f("      }", "    }", "  }", "}")

    f = C.file("ci/bitbucket-pipelines.yml")
    f("image: node:20", "pipelines:", "  default:", "    - step:", "        script:")
    f.s(f"          - export BITBUCKET_APP_PASSWORD=ATBB{rs(ALNUM, 32)}", "vcs-ci", "Bitbucket app password")
    f.s(f"          - export BITBUCKET_ACCESS_TOKEN=ATCTT3xFfGN0{rs(B64URL, 180)}={rs(HEXUP, 8)}", "vcs-ci",
        "Bitbucket access token")
    f.n("          - pipe: atlassian/aws-s3-deploy:1.1.0", "generic", "pipe reference")
    f.n("            variables:", "generic", "plain YAML")
    f.n("              AWS_SECRET_ACCESS_KEY: $AWS_SECRET_ACCESS_KEY", "aws", "variable reference")

    f = C.file("ci/.travis.yml")
    f("language: ruby", "env:", "  global:")
    f.n("    - secure: \"" + b64(rbytes(256)) + "\"", "generic", "travis encrypted variable")
    f.s(f"    - TRAVIS_API_TOKEN={rs(B64URL, 22)}", "vcs-ci", "Travis API token")
    f.s(f"    - DRONE_TOKEN={rs(ALNUM, 32)}", "vcs-ci", "Drone token")


def env_files(C):
    f = C.file("services/orders/.env")
    f("# orders service, local overrides", "APP_ENV=production", "PORT=8080")
    f.s(f"DATABASE_URL=postgres://orders:{rand_pw(20, symbols=False)}@db.corp.internal:5432/orders", "encoded-credential",
        "postgres URL in .env")
    f.s(f"REDIS_URL=redis://:{rand_pw(24, symbols=False)}@cache.corp.internal:6379/0", "encoded-credential",
        "redis URL password only")
    f.s(f"STRIPE_SECRET_KEY={stripe('sk_live_', 24)}", "payments", "Stripe secret key (24)")
    f.s(f"STRIPE_RESTRICTED_KEY={stripe('rk_live_', 99)}", "payments", "Stripe restricted key")
    f.s(f"STRIPE_WEBHOOK_SECRET=whsec_{rs(ALNUM, 32)}", "payments", "Stripe webhook signing secret")
    f.n(f"STRIPE_PUBLISHABLE_KEY=pk_live_{rs(ALNUM, 99)}", "payments", "Stripe publishable key (public)")
    f.s(f"SQUARE_ACCESS_TOKEN=EAAA{rs(B64URL, 60)}", "payments", "Square access token")
    f.s(f"SQUARE_OAUTH_SECRET=sq0csp-{rs(B64URL, 43)}", "payments", "Square OAuth secret")
    f.s(f"SHOPIFY_ADMIN_TOKEN=shpat_{rs(HEX, 32)}", "payments", "Shopify admin token")
    f.s(f"SHOPIFY_API_SECRET=shpss_{rs(HEX, 32)}", "payments", "Shopify shared secret")
    f.s(f"BRAINTREE_ACCESS_TOKEN=access_token$production${rs(LO + DIG, 16)}${rs(HEX, 32)}", "payments",
        "Braintree access token")
    f.s(f"PAYPAL_CLIENT_SECRET={rs(B64URL, 80)}", "payments", "PayPal client secret")
    f.n(f"PAYPAL_CLIENT_ID=A{rs(B64URL, 79)}", "payments", "PayPal client id (public)")
    f.s(f"ADYEN_API_KEY=AQE{rs(ALNUM, 5)}K{rs(ALNUM, 30)}.{rs(ALNUM + '+/', 44)}=-{rs(ALNUM + '+/', 43)}=-{rs(ALNUM, 16)}",
        "payments", "Adyen API key")
    f.s(f"RAZORPAY_KEY_SECRET={rs(ALNUM, 24)}", "payments", "Razorpay key secret")
    f.n(f"RAZORPAY_KEY_ID=rzp_live_{rs(ALNUM, 14)}", "payments", "Razorpay key id (public half)")
    f.s(f"PAYSTACK_SECRET_KEY=sk_live_{rs(HEX, 40)}", "payments", "Paystack secret key")
    f.s(f"FLUTTERWAVE_SECRET_KEY=FLWSECK-{rs(HEX, 32)}-X", "payments", "Flutterwave secret key")
    f.s(f"GOCARDLESS_ACCESS_TOKEN=live_{rs(B64URL, 40)}", "payments", "GoCardless live token")
    f.s(f"MOLLIE_API_KEY=live_{rs(ALNUM, 30)}", "payments", "Mollie live key")
    f.s(f"PLAID_SECRET={rs(HEX, 30)}", "payments", "Plaid secret")
    f.n("PASSWORD_MIN_LENGTH=12", "generic", "policy setting")
    f.n("SESSION_TOKEN_TTL=3600", "generic", "policy setting")
    f.n("AUTH_TOKEN_ENABLED=true", "generic", "boolean")
    f.n("SECRET_ROTATION_DAYS=30", "generic", "policy setting")
    f.n("API_KEY=", "generic", "empty value")
    f.n("DB_PASSWORD=changeme", "generic", "placeholder")
    f.n("JWT_SECRET=your-jwt-secret-here", "generic", "placeholder")
    f.n("SMTP_PASSWORD=${SMTP_PASSWORD}", "generic", "interpolation")
    f.s(f"SESSION_SECRET={rs(HEX, 64)}", "generic", "random hex session secret")
    f.s(f"ENCRYPTION_KEY={b64(rbytes(32))}", "generic", "base64 encryption key")

    f = C.file("services/notify/.env.production")
    f.s(f"SLACK_BOT_TOKEN={slack_bot()}", "chat", "Slack bot token")
    f.s(f"SLACK_USER_TOKEN={slack_user()}", "chat", "Slack user token")
    f.s(f"SLACK_APP_TOKEN={slack_app()}", "chat", "Slack app-level token")
    f.s(f"SLACK_WEBHOOK_URL={slack_webhook()}", "chat", "Slack incoming webhook")
    f.s(f"SLACK_SIGNING_SECRET={rs(HEX, 32)}", "chat", "Slack signing secret")
    f.s(f"SLACK_CONFIG_TOKEN=xoxe.xoxp-1-{rs(B64URL, 160)}", "chat", "Slack configuration token")
    f.s(f"DISCORD_BOT_TOKEN={discord_bot()}", "chat", "Discord bot token")
    f.s(f"DISCORD_WEBHOOK={discord_webhook()}", "chat", "Discord webhook")
    f.s(f"TELEGRAM_BOT_TOKEN={telegram()}", "chat", "Telegram bot token")
    f.s(f"TEAMS_WEBHOOK_URL={teams_webhook()}", "chat", "Teams incoming webhook")
    f.n(f"TWILIO_ACCOUNT_SID=AC{rs(HEX, 32)}", "chat", "Twilio account SID (identifier)")
    f.s(f"TWILIO_AUTH_TOKEN={rs(HEX, 32)}", "chat", "Twilio auth token")
    f.s(f"TWILIO_API_KEY=SK{rs(HEX, 32)}", "chat", "Twilio API key SID")
    f.s(f"TWILIO_API_SECRET={rs(ALNUM, 32)}", "chat", "Twilio API secret")
    f.s(f"SENDGRID_API_KEY={sendgrid()}", "chat", "SendGrid key")
    f.s(f"MAILGUN_API_KEY=key-{rs(HEX, 32)}", "chat", "Mailgun legacy key")
    f.s(f"MAILGUN_PRIVATE_KEY={rs(HEX, 32)}-{rs(HEX, 8)}-{rs(HEX, 8)}", "chat", "Mailgun private API key")
    f.s(f"MAILCHIMP_API_KEY={rs(HEX, 32)}-us{R.randrange(1, 21)}", "chat", "Mailchimp API key")
    f.s(f"POSTMARK_SERVER_TOKEN={uuid4()}", "chat", "Postmark server token (UUID)")
    f.s(f"BREVO_API_KEY=xkeysib-{rs(HEX, 64)}-{rs(ALNUM, 16)}", "chat", "Brevo API key")
    f.s(f"MAILJET_API_SECRET={rs(HEX, 32)}", "chat", "Mailjet secret key")
    f.n(f"MAILJET_API_KEY_ID={rs(HEX, 32)}", "chat", "Mailjet public API key (identifier)")
    f.s(f"VONAGE_API_SECRET={rs(ALNUM, 16)}", "chat", "Vonage API secret")
    f.s(f"PUSHER_APP_SECRET={rs(HEX, 20)}", "chat", "Pusher app secret")
    f.n(f"PUSHER_APP_KEY={rs(HEX, 20)}", "chat", "Pusher app key (public)")
    f.s(f"ZULIP_API_KEY={rs(ALNUM, 32)}", "chat", "Zulip API key")
    f.n("SLACK_CHANNEL=#deploys", "chat", "plain setting")
    f.n("SLACK_BOT_TOKEN=xoxb-your-bot-token", "chat", "documentation placeholder")

    f = C.file("services/assistant/.env")
    f.s(f"OPENAI_API_KEY={openai_proj()}", "ai", "OpenAI project key")
    f.s(f"OPENAI_API_KEY_LEGACY={openai_legacy()}", "ai", "OpenAI legacy key")
    f.s(f"OPENAI_ADMIN_KEY=sk-admin-{rs(B64URL, 74)}T3BlbkFJ{rs(B64URL, 74)}", "ai", "OpenAI admin key")
    f.s(f"OPENAI_SVC_KEY=sk-svcacct-{rs(B64URL, 74)}T3BlbkFJ{rs(B64URL, 74)}", "ai", "OpenAI service account key")
    f.s(f"ANTHROPIC_API_KEY={anthropic()}", "ai", "Anthropic API key")
    f.s(f"ANTHROPIC_ADMIN_KEY=sk-ant-admin01-{rs(B64URL, 93)}AA", "ai", "Anthropic admin key")
    f.s(f"HF_TOKEN=hf_{rs(UP + LO, 34)}", "ai", "Hugging Face token")
    f.s(f"HUGGINGFACE_ORG_TOKEN=api_org_{rs(UP + LO, 34)}", "ai", "Hugging Face org token")
    f.s(f"COHERE_API_KEY={rs(ALNUM, 40)}", "ai", "Cohere key")
    f.s(f"REPLICATE_API_TOKEN=r8_{rs(ALNUM, 37)}", "ai", "Replicate token")
    f.s(f"GROQ_API_KEY=gsk_{rs(ALNUM, 52)}", "ai", "Groq key")
    f.s(f"PERPLEXITY_API_KEY=pplx-{rs(ALNUM, 48)}", "ai", "Perplexity key")
    f.s(f"XAI_API_KEY=xai-{rs(ALNUM, 80)}", "ai", "xAI key")
    f.s(f"MISTRAL_API_KEY={rs(ALNUM, 32)}", "ai", "Mistral key")
    f.s(f"DEEPSEEK_API_KEY=sk-{rs(HEX, 32)}", "ai", "DeepSeek key")
    f.s(f"OPENROUTER_API_KEY=sk-or-v1-{rs(HEX, 64)}", "ai", "OpenRouter key")
    f.s(f"LANGSMITH_API_KEY=lsv2_pt_{rs(HEX, 32)}_{rs(HEX, 10)}", "ai", "LangSmith key")
    f.s(f"PINECONE_API_KEY=pcsk_{rs(ALNUM, 6)}_{rs(ALNUM, 63)}", "ai", "Pinecone key")
    f.s(f"WANDB_API_KEY={rs(HEX, 40)}", "ai", "Weights & Biases key")
    f.s(f"TOGETHER_API_KEY={rs(HEX, 64)}", "ai", "Together key")
    f.s(f"AZURE_OPENAI_API_KEY={rs(HEX, 32)}", "ai", "Azure OpenAI key")
    f.n("OPENAI_MODEL=gpt-4o-mini", "ai", "model name")
    f.n("OPENAI_API_KEY=sk-...", "ai", "documentation placeholder")
    f.n("ANTHROPIC_API_KEY=<your-anthropic-key>", "ai", "angle placeholder")
    f.n("HF_HOME=/models/cache", "ai", "path setting")

    f = C.file("services/ops/.env")
    f.s(f"DD_API_KEY={rs(HEX, 32)}", "saas", "Datadog API key")
    f.s(f"DD_APP_KEY={rs(HEX, 40)}", "saas", "Datadog app key")
    f.s(f"SENTRY_AUTH_TOKEN=sntrys_{b64url(json.dumps({'iat': 1712000000.1, 'url': 'https://sentry.io', 'region_url': 'https://us.sentry.io', 'org': 'corp'}).encode())}_{rs(B64URL, 43)}",
        "saas", "Sentry org auth token")
    f.s(f"SENTRY_USER_TOKEN=sntryu_{rs(HEX, 64)}", "saas", "Sentry user token")
    f.s(f"GRAFANA_SA_TOKEN=glsa_{rs(ALNUM, 32)}_{rs(HEX, 8)}", "saas", "Grafana service account token")
    f.s("GRAFANA_CLOUD_TOKEN=glc_" + b64(json.dumps({"o": str(R.randrange(10**6)), "n": "stack-" + rs(LO, 5), "k": rs(ALNUM, 24), "m": {"r": "prod-eu-west-2"}}).encode()),
        "saas", "Grafana Cloud token")
    f.s("GRAFANA_API_KEY=" + b64(json.dumps({"k": rs(ALNUM, 32), "n": "ci", "id": 1}, separators=(",", ":")).encode()), "saas",
        "Grafana legacy API key")
    f.s(f"NEW_RELIC_API_KEY=NRAK-{rs(UP + DIG, 27)}", "saas", "New Relic user key")
    f.s(f"NEW_RELIC_INSERT_KEY=NRII-{rs(B64URL, 32)}", "saas", "New Relic insert key")
    f.s(f"PAGERDUTY_TOKEN={rs(B64URL, 20)}", "saas", "PagerDuty API token")
    f.s(f"OKTA_API_TOKEN=00{rs(B64URL, 40)}", "saas", "Okta API token")
    f.s(f"AUTH0_CLIENT_SECRET={rs(B64URL, 64)}", "saas", "Auth0 client secret")
    f.n(f"AUTH0_CLIENT_ID={rs(ALNUM, 32)}", "saas", "Auth0 client id (public)")
    f.s("OP_SERVICE_ACCOUNT_TOKEN=ops_" + b64(json.dumps({"signInAddress": "corp.1password.com", "userAuth": {"method": "SRPg-4096", "alg": "PBES2g-HS256", "iterations": 650000, "salt": b64url(rbytes(16))}, "email": rs(LO, 12) + "@1passwordserviceaccounts.com", "srpX": rs(HEX, 64), "muk": {"alg": "A256GCM", "ext": True, "k": b64url(rbytes(32)), "key_ops": ["encrypt", "decrypt"], "kty": "oct", "kid": "mp"}, "secretKey": "A3-" + rs(UP + DIG, 6) + "-" + rs(UP + DIG, 6), "throttleSecret": {"seed": rs(HEX, 64), "uuid": rs(UP + DIG, 26)}, "deviceUuid": rs(LO + DIG, 26)}).encode()).rstrip("="),
        "saas", "1Password service account token")
    f.s(f"HEROKU_API_KEY=HRKU-AA{rs(B64URL, 58)}", "saas", "Heroku API key (new format)")
    f.s(f"NETLIFY_AUTH_TOKEN=nfp_{rs(ALNUM, 36)}", "saas", "Netlify token")
    f.s(f"VERCEL_TOKEN={rs(ALNUM, 24)}", "saas", "Vercel token")
    f.s(f"FASTLY_API_TOKEN={rs(B64URL, 32)}", "saas", "Fastly token")
    f.s(f"CLOUDFLARE_GLOBAL_API_KEY={rs(HEX, 37)}", "saas", "Cloudflare global key")
    f.s(f"ALGOLIA_ADMIN_KEY={rs(HEX, 32)}", "saas", "Algolia admin key")
    f.n(f"ALGOLIA_APP_ID={rs(UP + DIG, 10)}", "saas", "Algolia app id")
    f.s(f"MAPBOX_SECRET_TOKEN=sk.eyJ1IjoiY29ycCIsImEiOiJ{rs(ALNUM, 20)}J9.{rs(B64URL, 22)}", "saas", "Mapbox secret token")
    f.n(f"MAPBOX_PUBLIC_TOKEN=pk.eyJ1IjoiY29ycCIsImEiOiJ{rs(ALNUM, 20)}J9.{rs(B64URL, 22)}", "saas", "Mapbox public token")
    f.s(f"FIREBASE_SERVER_KEY=AAAA{rs(B64URL, 7)}:APA91b{rs(B64URL, 134)}", "saas", "FCM server key")
    f.s(f"ATLASSIAN_API_TOKEN=ATATT3xFfGF0{rs(B64URL, 171)}={rs(HEXUP, 8)}", "saas", "Atlassian API token")
    f.s(f"LINEAR_API_KEY=lin_api_{rs(ALNUM, 40)}", "saas", "Linear key")
    f.s(f"NOTION_TOKEN=ntn_{rs(DIG, 11)}{rs(ALNUM, 35)}", "saas", "Notion token")
    f.s(f"NOTION_LEGACY_TOKEN=secret_{rs(ALNUM, 43)}", "saas", "Notion legacy integration token")
    f.s(f"AIRTABLE_TOKEN=pat{rs(ALNUM, 14)}.{rs(HEX, 64)}", "saas", "Airtable PAT")
    f.s(f"POSTMAN_API_KEY=PMAK-{rs(HEX, 24)}-{rs(HEX, 34)}", "saas", "Postman key")
    f.s(f"FIGMA_TOKEN=figd_{rs(B64URL, 40)}", "saas", "Figma token")
    f.s(f"CONTENTFUL_MANAGEMENT_TOKEN=CFPAT-{rs(B64URL, 43)}", "saas", "Contentful PAT")
    f.s(f"DT_API_TOKEN=dt0c01.{rs(UP + DIG, 24)}.{rs(UP + DIG, 64)}", "saas", "Dynatrace token")
    f.s(f"SUPABASE_ACCESS_TOKEN=sbp_{rs(HEX, 40)}", "saas", "Supabase access token")
    f.s(f"PLANETSCALE_TOKEN=pscale_tkn_{rs(B64URL, 43)}", "saas", "PlanetScale token")
    f.s(f"HUBSPOT_TOKEN=pat-na1-{uuid4()}", "saas", "HubSpot private app token")
    f.s(f"TYPEFORM_TOKEN=tfp_{rs(B64URL, 44)}", "saas", "Typeform token")
    f.s(f"PREFECT_API_KEY=pnu_{rs(ALNUM, 36)}", "saas", "Prefect key")
    f.s(f"TS_AUTHKEY=tskey-auth-k{rs(ALNUM, 11)}CNTRL-{rs(ALNUM, 33)}", "saas", "Tailscale auth key")
    f.s(f"NGROK_AUTHTOKEN=2{rs(ALNUM, 26)}_{rs(ALNUM, 21)}", "saas", "ngrok authtoken")
    f.s(f"DATABRICKS_TOKEN=dapi{rs(HEX, 32)}", "saas", "Databricks token")
    f.s(f"ASANA_TOKEN=2/{R.randrange(10**15, 10**16)}/{R.randrange(10**15, 10**16)}:{rs(HEX, 32)}", "saas", "Asana PAT")
    f.s(f"SNOWFLAKE_PASSWORD={rand_pw(20)}", "generic", "Snowflake password")
    f.n("DD_SITE=datadoghq.eu", "saas", "site setting")
    f.n("DD_API_KEY_SECRET_ARN=arn:aws:secretsmanager:eu-west-1:481516234200:secret:dd-api-key-Zx9", "aws",
        "Secrets Manager ARN")
    f.n(f"SENTRY_RELEASE={sha1hex()}", "generic", "git SHA release")
    f.n(f"GOOGLE_ANALYTICS_ID=G-{rs(UP + DIG, 10)}", "saas", "analytics measurement id")
    f.n(f"RECAPTCHA_SITE_KEY=6L{rs(B64URL, 38)}", "saas", "reCAPTCHA site key (public)")

    f = C.file("services/cloud-tools/.env")
    f.s(f"GOOGLE_API_KEY=AIza{rs(B64URL, 35)}", "cloud", "Google API key")
    f.s(f"GOOGLE_CLIENT_SECRET=GOCSPX-{rs(B64URL, 28)}", "cloud", "Google OAuth client secret")
    f.n(f"GOOGLE_CLIENT_ID={R.randrange(10**11, 10**12)}-{rs(LO + DIG, 32)}.apps.googleusercontent.com", "cloud",
        "OAuth client id (public)")
    f.s(f"GOOGLE_REFRESH_TOKEN=1//0{rs(B64URL, 99)}", "cloud", "Google OAuth refresh token")
    f.s(f"GCP_ACCESS_TOKEN=ya29.a0{rs(B64URL, 150)}", "cloud", "Google OAuth access token")
    f.s(f"AZURE_STORAGE_KEY={b64(rbytes(64))}", "cloud", "Azure storage account key")
    f.s(f"AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=corpdata{rs(LO, 4)};AccountKey={b64(rbytes(64))};EndpointSuffix=core.windows.net",
        "cloud", "Azure storage connection string")
    f.n("AZURE_STORAGE_CONNECTION_STRING_DEV=UseDevelopmentStorage=true", "cloud", "emulator setting")
    f.s(f"AZURE_SERVICEBUS=Endpoint=sb://corp-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={b64(rbytes(32))}",
        "cloud", "Service Bus connection string")
    f.s(f"AZURE_COSMOS=AccountEndpoint=https://corp-cosmos.documents.azure.com:443/;AccountKey={b64(rbytes(64))};",
        "cloud", "Cosmos DB connection string")
    f.s(f"AZURE_BLOB_SAS=sv=2022-11-02&ss=b&srt=co&sp=rwdlaciytfx&se=2026-12-31T23:59:59Z&st=2024-01-01T00:00:00Z&spr=https&sig={b64(rbytes(32)).replace('+', '%2B').replace('/', '%2F').replace('=', '%3D')}",
        "cloud", "Azure SAS token")
    f.s(f"AZURE_FUNCTION_KEY={b64url(rbytes(40))}==", "cloud", "Azure Functions key")
    f.s(f"ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI{rs(ALNUM, 20)}", "cloud", "Alibaba key id")
    f.s(f"ALIBABA_CLOUD_ACCESS_KEY_SECRET={rs(ALNUM, 30)}", "cloud", "Alibaba secret")
    f.s(f"DIGITALOCEAN_ACCESS_TOKEN=dop_v1_{rs(HEX, 64)}", "cloud", "DigitalOcean token")
    f.s(f"SPACES_SECRET_ACCESS_KEY={rs(ALNUM + '+/', 43)}", "cloud", "DO Spaces secret")
    f.s(f"IBMCLOUD_API_KEY={rs(B64URL, 44)}", "cloud", "IBM Cloud API key")
    f.s(f"OCI_AUTH_TOKEN={rs(ALNUM + '()[]{};:<>.+-_', 20)}", "cloud", "OCI auth token")
    f.s(f"LINODE_TOKEN={rs(HEX, 64)}", "cloud", "Linode token")
    f.s(f"SCW_SECRET_KEY={uuid4()}", "cloud", "Scaleway secret key (UUID)")
    f.n(f"SCW_ACCESS_KEY=SCW{rs(UP + DIG, 17)}", "cloud", "Scaleway access key id")
    f.s(f"VULTR_API_KEY={rs(UP + DIG, 36)}", "cloud", "Vultr key")
    f.n(f"GOOGLE_CLOUD_PROJECT=corp-prod-{R.randrange(100000, 999999)}", "cloud", "project id")
    f.n("GOOGLE_APPLICATION_CREDENTIALS=/var/run/secrets/gcp/sa.json", "cloud", "credentials path")
    f.n(f"AZURE_KEYVAULT_REF=@Microsoft.KeyVault(SecretUri=https://corp-kv.vault.azure.net/secrets/db-password/{rs(HEX, 32)})",
        "cloud", "Key Vault reference")

    f = C.file("services/cloud-tools/gcp-sa.json")
    sa = {"type": "service_account", "project_id": f"corp-prod-{R.randrange(100000, 999999)}",
          "private_key_id": sha1hex(), "private_key": pem("PRIVATE KEY", rsa_pkcs8()) + "\n",
          "client_email": "deployer@corp-prod.iam.gserviceaccount.com", "client_id": str(R.randrange(10**20, 10**21)),
          "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token",
          "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
          "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/deployer%40corp-prod.iam.gserviceaccount.com",
          "universe_domain": "googleapis.com"}
    f.s(json.dumps(sa, indent=2), "cloud", "GCP service-account key file (block; the key is an escaped PEM)")

    f = C.file("services/cloud-tools/oci/config")
    f("[DEFAULT]")
    f.n("user=ocid1.user.oc1..aaaaaaaa" + rs(LO + DIG, 52), "cloud", "OCID")
    f.n(f"fingerprint={':'.join(rs(HEX, 2) for _ in range(16))}", "cloud", "fingerprint")
    f.n("key_file=~/.oci/oci_api_key.pem", "cloud", "key path")
    f("tenancy=ocid1.tenancy.oc1..aaaaaaaa" + rs(LO + DIG, 52), "region=eu-frankfurt-1")
    f.s(f"pass_phrase={rand_pw(18)}", "cloud", "OCI key pass phrase")


def python_src(C):
    f = C.file("services/orders/orders/settings.py")
    f('"""Django settings for orders."""', "import os", "from pathlib import Path", "",
      "BASE_DIR = Path(__file__).resolve().parent.parent")
    f.s(f"SECRET_KEY = 'django-insecure-{rs(LO + DIG + '!@#$%^&*(-_=+)', 50)}'", "generic", "Django SECRET_KEY")
    f.n('DEBUG = os.getenv("DEBUG", "0") == "1"', "generic", "env read")
    f("DATABASES = {", '    "default": {', '        "ENGINE": "django.db.backends.postgresql",',
      '        "NAME": "orders",', '        "USER": "orders_app",')
    f.s(f'        "PASSWORD": "{rand_pw(20)}",', "generic", "Django DATABASES password")
    f('        "HOST": "db.corp.internal",', "    },", '    "replica": {', '        "NAME": "orders",')
    f.n('        "PASSWORD": os.environ["REPLICA_DB_PASSWORD"],', "generic", "os.environ reference")
    f("    },", "}")
    f.n("AUTH_PASSWORD_VALIDATORS = [{'NAME': 'django.contrib.auth.password_validation.MinimumLengthValidator'}]",
        "generic", "validator class name")
    f.n('PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]', "generic", "hasher setting")
    f.s(f'EMAIL_HOST_PASSWORD = "{human_pw()}"', "generic", "email host password")
    f.n('EMAIL_HOST_USER = "noreply@corp.internal"', "generic", "username")
    f.s(f'AWS_SECRET_ACCESS_KEY = "{aws_secret()}"', "aws", "django-storages secret key")
    f.s(f'AWS_ACCESS_KEY_ID = "{aws_key_id()}"', "aws", "django-storages key id")
    f.n('AWS_STORAGE_BUCKET_NAME = "corp-orders-media"', "aws", "bucket name")
    f.n("SESSION_COOKIE_AGE = 60 * 60 * 24 * 14", "generic", "setting")
    f.n('CSRF_COOKIE_NAME = "csrftoken"', "generic", "cookie name")
    f.n('SOCIAL_AUTH_GITHUB_SECRET = os.getenv("SOCIAL_AUTH_GITHUB_SECRET")', "generic", "getenv")
    f.s(f'SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET = "GOCSPX-{rs(B64URL, 28)}"', "cloud", "Google OAuth secret in Django")
    f.s(f'CELERY_BROKER_URL = "redis://default:{rand_pw(24, symbols=False)}@redis.corp.internal:6379/1"',
        "encoded-credential", "celery broker URL")

    f = C.file("services/orders/orders/payments.py")
    f("import logging", "import os", "", "import stripe", "import requests", "", "log = logging.getLogger(__name__)", "")
    f.s(f'stripe.api_key = "{stripe("sk_live_", 24)}"', "payments", "stripe.api_key assignment")
    f.n('stripe.api_version = "2024-06-20"', "payments", "version")
    f("", "", "def charge(customer_id: str, amount: int) -> str:")
    f.n('    """Charges a customer. The API key comes from the environment in production."""', "generic", "docstring")
    f.n("    api_key = os.environ.get('STRIPE_API_KEY', stripe.api_key)", "generic", "env read")
    f('    intent = stripe.PaymentIntent.create(customer=customer_id, amount=amount, currency="eur")',
      "    return intent.id", "", "", "def refund_via_partner(order_id: str) -> None:", "    resp = requests.post(",
      '        "https://partner.example.net/v2/refunds",')
    f.s(f'        headers={{"Authorization": "Bearer {rand_pw(40, symbols=False)}"}},', "generic",
        "hardcoded bearer header")
    f('        json={"order": order_id},', "        timeout=10,", "    )", "    resp.raise_for_status()", "",
      "", "def verify_password(user, password: str) -> bool:")
    f.n("    return check_password(password, user.password)", "generic", "code using password variable")
    f("", "", "def partner_session():")
    f.s(f'    return requests.Session(), ("orders", "{rand_pw(18)}")', "generic", "auth tuple literal")
    f("", "", "class SignupForm:")
    f.n('    password = forms.CharField(widget=forms.PasswordInput, label=_("Enter your password"))', "generic",
        "form field")
    f.n('    password_confirm = forms.CharField(widget=forms.PasswordInput, label=_("Repeat password"))', "generic",
        "form field")
    f.n("    token = secrets.token_urlsafe(32)", "generic", "generated token")

    f = C.file("services/assistant/assistant/client.py")
    f("from openai import OpenAI", "import anthropic", "")
    f.s(f'client = OpenAI(api_key="{openai_proj()}")', "ai", "OpenAI key passed inline")
    f.s(f'claude = anthropic.Anthropic(api_key="{anthropic()}")', "ai", "Anthropic key passed inline")
    f.n('local = OpenAI(api_key=os.environ["OPENAI_API_KEY"])', "ai", "env read")
    f.n('ollama = OpenAI(base_url="http://localhost:11434/v1", api_key="ollama")', "ai", "dummy local key")
    f.s(f'HF_TOKEN = "hf_{rs(UP + LO, 34)}"', "ai", "HF token constant")
    f.s(f'login(token="hf_{rs(UP + LO, 34)}")', "ai", "huggingface_hub login")
    f.s(f'co = cohere.Client("{rs(ALNUM, 40)}")', "ai", "Cohere key positional")
    f.s(f'os.environ["REPLICATE_API_TOKEN"] = "r8_{rs(ALNUM, 37)}"', "ai", "os.environ assignment")

    f = C.file("services/assistant/notebooks/eval.ipynb")
    cells = []
    cells.append({"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
                  "source": ["import os\n", f'os.environ["OPENAI_API_KEY"] = "{openai_proj()}"\n',
                             f'os.environ["ANTHROPIC_API_KEY"] = "{anthropic()}"\n']})
    nb = json.dumps({"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                     "nbformat": 4, "nbformat_minor": 5}, indent=1)
    lines = nb.split("\n")
    for ln in lines:
        if "OPENAI_API_KEY" in ln:
            f.s(ln, "ai", "OpenAI key in notebook cell")
        elif "ANTHROPIC_API_KEY" in ln:
            f.s(ln, "ai", "Anthropic key in notebook cell")
        else:
            f(ln)

    f = C.file("services/reports/etl/load.py")
    f("import psycopg2", "import pymysql", "import boto3", "")
    f.s(f'conn = psycopg2.connect(host="warehouse.corp.internal", user="etl", password="{rand_pw(16)}", dbname="dw")',
        "generic", "password kwarg")
    f.s(f"mysql = pymysql.connect(host='legacy-db', user='report', passwd='{human_pw()}', db='crm')", "generic",
        "passwd kwarg")
    f("s3 = boto3.client(", '    "s3",')
    f.s(f'    aws_access_key_id="{aws_key_id()}",', "aws", "boto3 key id kwarg")
    f.s(f'    aws_secret_access_key="{aws_secret()}",', "aws", "boto3 secret kwarg")
    f(")")
    f.s(f'engine = create_engine("mssql+pyodbc://etl:{rand_pw(14, symbols=False)}@dwh-sql/dw?driver=ODBC+Driver+18")',
        "encoded-credential", "SQLAlchemy URL password")
    f.s(f'SFTP_PASSWORD = "{human_pw()}"', "generic", "module constant")
    f.n('SFTP_PASSWORD_ENV = "SFTP_PASSWORD"', "generic", "env var name constant")
    f.n("password = getpass.getpass('Password: ')", "generic", "interactive prompt")
    f.n('DEFAULT_TOKEN_EXPIRY = timedelta(hours=1)', "generic", "setting")
    f.n(f'REQUEST_ID = "{uuid4()}"', "generic", "UUID")
    f.s(f'api_key: str = "{rs(HEX, 32)}"', "generic", "annotated api_key")
    f.n("api_key: str = Field(..., description='API key used to call the partner')", "generic", "pydantic field")
    f.s(f"HEADERS = {{'X-API-Key': '{rs(ALNUM, 32)}'}}", "generic", "X-API-Key header")
    f.s(f"client = Minio('minio.corp.internal:9000', access_key='minioadmin-ci', secret_key='{rand_pw(32, symbols=False)}')",
        "generic", "minio secret_key kwarg")

    f = C.file("services/reports/etl/jwt_tools.py")
    f("import jwt", "")
    f.s(f'SIGNING_KEY = "{rs(B64URL, 43)}"', "generic", "JWT signing key")
    f.s(f'SERVICE_TOKEN = "{jwt({"sub": "reports", "scope": "read:all", "iat": 1712000000, "exp": 1900000000})}"', "jwt",
        "hardcoded HS256 JWT")
    f.n("token = jwt.encode({'sub': user.id}, SIGNING_KEY, algorithm='HS256')", "jwt", "JWT creation code")
    f.n("claims = jwt.decode(token, options={'verify_signature': False})", "jwt", "decode code")
    f.n('JWT_ALGORITHM = "RS256"', "jwt", "setting")


def js_src(C):
    f = C.file("web/api/src/config.js")
    f("'use strict';", "", "module.exports = {", "  port: process.env.PORT || 3000,")
    f.n("  dbPassword: process.env.DB_PASSWORD,", "generic", "process.env reference")
    f.s(f"  sessionSecret: '{rand_pw(32, symbols=False)}',", "generic", "JS object session secret")
    f.s(f"  githubToken: '{gh()}',", "vcs-ci", "GitHub PAT in JS config")
    f.s(f"  githubAppToken: '{gh('ghu_')}',", "vcs-ci", "GitHub user-to-server token")
    f.s(f"  githubRefresh: '{crc_token('ghr_', 70)}',", "vcs-ci", "GitHub refresh token")
    f.s(f"  githubFineGrained: '{gh_fine()}',", "vcs-ci", "GitHub fine-grained PAT")
    f.s(f"  sendgridKey: \"{sendgrid()}\",", "chat", "SendGrid key in JS")
    f.n("  passwordMinLength: 12,", "generic", "policy setting")
    f.n("  tokenHeader: 'x-auth-token',", "generic", "header name")
    f.n("  apiKey: process.env.API_KEY ?? '',", "generic", "env reference")
    f("};")

    f = C.file("web/api/src/services/mail.ts")
    f("import nodemailer from 'nodemailer';", "", "export const transport = nodemailer.createTransport({",
      "  host: 'smtp.corp.internal',", "  port: 587,", "  auth: {", "    user: 'mailer',")
    f.s(f"    pass: '{human_pw()}',", "generic", "nodemailer pass")
    f("  },", "});", "")
    f.s(f"const MAILGUN_KEY: string = 'key-{rs(HEX, 32)}';", "chat", "Mailgun key in TS")
    f.s(f"private readonly apiSecret: string = \"{rand_pw(28, symbols=False)}\";", "generic", "TS class field secret")
    f.n("const password = (document.getElementById('password') as HTMLInputElement).value;", "generic",
        "DOM read")
    f.n("if (!password || password.length < MIN_PASSWORD_LENGTH) throw new Error('Password too short');", "generic",
        "validation code")
    f.n("export type Credentials = { username: string; password: string };", "generic", "type declaration")
    f.s(f"const authHeader = 'Basic ' + '{b64(('api:' + rand_pw(20, symbols=False)).encode())}';", "encoded-credential",
        "Basic credential in TS")
    f.s(f"axios.defaults.headers.common['Authorization'] = 'Bearer {jwt({'sub': 'svc-web', 'role': 'admin', 'iat': 1711000000})}';",
        "jwt", "Bearer JWT in axios default")
    f.n("axios.defaults.headers.common['Authorization'] = `Bearer ${token}`;", "jwt", "template reference")

    f = C.file("web/api/src/firebase.ts")
    f("import { initializeApp } from 'firebase/app';", "", "const firebaseConfig = {")
    f.n("  apiKey: process.env.NEXT_PUBLIC_FIREBASE_API_KEY,", "cloud", "env reference")
    f("  authDomain: 'corp-web.firebaseapp.com',", "  projectId: 'corp-web',")
    f.n(f"  appId: '1:{R.randrange(10**11, 10**12)}:web:{rs(HEX, 22)}',", "cloud", "app id")
    f.n(f"  measurementId: 'G-{rs(UP + DIG, 10)}',", "saas", "measurement id")
    f("};", "export const app = initializeApp(firebaseConfig);")
    f.n(f"export const mapboxToken = 'pk.eyJ1IjoiY29ycC13ZWIiLCJhIjoiY{rs(ALNUM, 20)}In0.{rs(B64URL, 22)}';", "saas",
        "Mapbox public token")
    f.n(f"export const stripePublishable = 'pk_live_{rs(ALNUM, 99)}';", "payments", "publishable key")

    f = C.file("web/api/src/db.ts")
    f("import { Pool } from 'pg';", "", "export const pool = new Pool({")
    f.s(f"  connectionString: 'postgresql://api:{rand_pw(22, symbols=False)}@pg.corp.internal/api',", "encoded-credential",
        "pg connection string")
    f("});", "", "export const legacy = mysql.createConnection({", "  host: 'legacy-db',", "  user: 'api',")
    f.s(f"  password: '{rand_pw(16)}',", "generic", "mysql password in object")
    f("});")
    f.n("export const redisUrl = `redis://:${process.env.REDIS_PASSWORD}@cache:6379`;", "encoded-credential",
        "templated URL")

    f = C.file("web/api/package.json")
    f("{", '  "name": "@corp/api",', '  "version": "3.2.1",', '  "scripts": {', '    "start": "node dist/index.js",')
    f.s(f'    "deploy": "NETLIFY_AUTH_TOKEN=nfp_{rs(ALNUM, 36)} netlify deploy --prod"', "saas", "token in npm script")
    f("  },", '  "dependencies": {', '    "pg": "^8.11.3",', '    "nodemailer": "^6.9.9"', "  }", "}")

    f = C.file("web/api/src/i18n/en.json")
    f("{")
    for k, v in [("login.password", "Password"), ("login.password_placeholder", "Enter your password"),
                 ("login.forgot", "Forgot your password?"), ("reset.token_expired", "Your reset token has expired"),
                 ("settings.api_key", "API key"), ("settings.api_key_help", "Generate a new API key to use the REST API"),
                 ("errors.invalid_token", "Invalid or expired token"), ("errors.secret_required", "A client secret is required"),
                 ("signup.password_rules", "At least 12 characters, one digit and one symbol"),
                 ("settings.password_changed", "Your password was changed")]:
        f.n(f'  "{k}": "{v}",', "generic", "i18n string")
    f('  "app.title": "Orders"', "}")

    f = C.file("web/api/src/i18n/de.json")
    f("{")
    for k, v in [("login.password", "Passwort"), ("login.password_placeholder", "Passwort eingeben"),
                 ("reset.token_expired", "Ihr Token ist abgelaufen"), ("settings.api_key", "API-Schlüssel")]:
        f.n(f'  "{k}": "{v}",', "generic", "i18n string")
    f('  "app.title": "Bestellungen"', "}")


def go_src(C):
    f = C.file("services/gateway/internal/config/config.go")
    f("package config", "", "import (", '\t"os"', '\t"time"', ")", "", "type Config struct {")
    f.n('\tDBPassword string `json:"db_password" env:"DB_PASSWORD"`', "generic", "struct tag")
    f.n('\tAPIToken   string `yaml:"api_token"`', "generic", "struct tag")
    f("\tTimeout    time.Duration", "}", "", "const (")
    f.s(f'\tdefaultAdminPassword = "{human_pw()}"', "generic", "Go const password")
    f.s(f'\tslackToken           = "{slack_bot()}"', "chat", "Go const Slack token")
    f.n('\tpasswordEnv          = "DB_PASSWORD"', "generic", "env var name")
    f.n("\ttokenTTL             = 15 * time.Minute", "generic", "duration")
    f(")", "", "func Load() Config {", "\treturn Config{")
    f.n('\t\tDBPassword: os.Getenv("DB_PASSWORD"),', "generic", "os.Getenv")
    f.s(f'\t\tAPIToken:   "{rs(ALNUM, 40)}",', "generic", "Go struct literal token")
    f("\t\tTimeout:    30 * time.Second,", "\t}", "}", "", "func awsCreds() *credentials.Credentials {",
      "\treturn credentials.NewStaticCredentials(")
    f.s(f'\t\t"{aws_key_id()}",', "aws", "Go static credentials key id (bare literal)")
    f.s(f'\t\t"{aws_secret()}",', "aws", "Go static credentials secret (bare literal)")
    f('\t\t"",', "\t)", "}", "", "func dsn() string {")
    f.s(f'\treturn "orders:{rand_pw(18, symbols=False)}@tcp(mysql.corp.internal:3306)/orders?parseTime=true"',
        "encoded-credential", "Go MySQL DSN password")
    f("}", "", "func telegramBot() string {")
    f.s(f'\tbotToken := "{telegram()}"', "chat", "Go Telegram token")
    f("\treturn botToken", "}", "", "var webhookSecret = []byte(")
    f.s(f'\t"{rs(HEX, 64)}",', "generic", "bare webhook secret literal")
    f(")")
    f.n("var passwordRegexp = regexp.MustCompile(`^(?=.*[A-Z])(?=.*\\d).{12,}$`)", "generic", "password regex")
    f.n('var ErrBadPassword = errors.New("password does not match")', "generic", "error string")

    f = C.file("services/gateway/go.sum")
    for mod in ("github.com/aws/aws-sdk-go-v2", "github.com/go-chi/chi/v5", "golang.org/x/crypto",
                "github.com/redis/go-redis/v9", "google.golang.org/grpc"):
        v = f"v{R.randrange(1, 9)}.{R.randrange(0, 40)}.{R.randrange(0, 9)}"
        f.n(f"{mod} {v} h1:{b64(rbytes(32))}", "generic", "go.sum hash")
        f.n(f"{mod} {v}/go.mod h1:{b64(rbytes(32))}", "generic", "go.sum hash")

    f = C.file("services/gateway/cmd/gateway/main.go")
    f("package main", "", "import (", '\t"log"', '\t"net/http"', ")", "", "func main() {")
    f.s(f'\treq.SetBasicAuth("gateway", "{rand_pw(20, symbols=False)}")', "generic", "SetBasicAuth literal")
    f.s(f'\treq.Header.Set("Authorization", "token {gh()}")', "vcs-ci", "GitHub token header")
    f.n('\treq.Header.Set("Authorization", "Bearer "+os.Getenv("API_TOKEN"))', "generic", "env reference")
    f.n(f'\tlog.Printf("request id %s", "{uuid4()}")', "generic", "UUID")
    f.s(f'\tclient := github.NewClient(nil).WithAuthToken("{gh_fine()}")', "vcs-ci", "fine-grained PAT in Go")
    f("\thttp.ListenAndServe(\":8080\", nil)", "}")


def java_src(C):
    f = C.file("services/billing/src/main/resources/application.properties")
    f("spring.application.name=billing", "server.port=8080",
      "spring.datasource.url=jdbc:postgresql://pg.corp.internal:5432/billing", "spring.datasource.username=billing")
    f.s(f"spring.datasource.password={rand_pw(20)}", "generic", "spring datasource password")
    f.n("spring.datasource.hikari.maximum-pool-size=20", "generic", "setting")
    f.s(f"spring.mail.password={human_pw()}", "generic", "spring mail password")
    f.n("spring.security.user.password=${ADMIN_PASSWORD}", "generic", "placeholder reference")
    f.s(f"app.jwt.secret={b64(rbytes(48))}", "generic", "JWT HMAC secret")
    f.s(f"app.partner.api-key={rs(HEX, 32)}", "generic", "api-key property")
    f.n("app.security.password-min-length=12", "generic", "policy")
    f.n("app.security.token-validity-seconds=86400", "generic", "policy")
    f.s(f"spring.cloud.azure.storage.blob.account-key={b64(rbytes(64))}", "cloud", "Azure storage key property")
    f.s(f"management.datadog.metrics.export.api-key={rs(HEX, 32)}", "saas", "Datadog key property")
    f.s(f"legacy.datasource.url=jdbc:sqlserver://mssql.corp.internal:1433;databaseName=billing;user=sa;password={rand_pw(16, symbols=False)};encrypt=true",
        "encoded-credential", "JDBC sqlserver password")
    f.s(f"reporting.datasource.url=jdbc:mysql://mysql.corp.internal:3306/reports?user=reporter&password={rand_pw(16, symbols=False)}",
        "encoded-credential", "JDBC mysql password param")
    f.s(f"oracle.url=jdbc:oracle:thin:ledger/{rand_pw(14, symbols=False)}@//ora.corp.internal:1521/LEDGER", "encoded-credential",
        "JDBC oracle user/password")

    f = C.file("services/billing/src/main/resources/application-prod.yml")
    f("spring:", "  datasource:", "    url: jdbc:postgresql://pg-prod.corp.internal:5432/billing", "    username: billing")
    f.s(f"    password: '{rand_pw(24)}'", "generic", "spring YAML password")
    f("  security:", "    oauth2:", "    client:", "      registration:", "        github:",
      "          client-id: Iv1." + rs(HEX, 16))
    f.s(f"          client-secret: {rs(HEX, 40)}", "vcs-ci", "GitHub OAuth app client secret")
    f.n("          scope: read:user", "generic", "scope")
    f("  kafka:", "    properties:")
    f.s(f"      sasl.jaas.config: org.apache.kafka.common.security.plain.PlainLoginModule required username=\"billing\" password=\"{rand_pw(20, symbols=False)}\";",
        "generic", "Kafka JAAS password")
    f("stripe:")
    f.s(f"  secret-key: {stripe('sk_live_', 99)}", "payments", "Stripe key in YAML")

    f = C.file("services/billing/src/main/java/com/corp/billing/PartnerClient.java")
    f("package com.corp.billing;", "", "import java.net.http.HttpClient;", "", "public class PartnerClient {")
    f.s(f'    private static final String API_KEY = "{rs(ALNUM, 32)}";', "generic", "Java constant API_KEY")
    f.s(f'    private static final String TWILIO_AUTH_TOKEN = "{rs(HEX, 32)}";', "chat", "Twilio token constant")
    f.n('    private static final String PASSWORD_PARAM = "password";', "generic", "parameter name")
    f.n('    private static final int PASSWORD_MIN_LENGTH = 12;', "generic", "policy")
    f.n('    private final String apiKey = System.getenv("PARTNER_API_KEY");', "generic", "System.getenv")
    f.n('    @Value("${app.partner.api-key}") private String partnerKey;', "generic", "Spring @Value")
    f("", "    public AWSCredentials credentials() {", "        return new BasicAWSCredentials(")
    f.s(f'                "{aws_key_id()}",', "aws", "Java BasicAWSCredentials key id")
    f.s(f'                "{aws_secret()}");', "aws", "Java BasicAWSCredentials secret")
    f("    }", "", "    public Connection connect() throws SQLException {")
    f.s(f'        return DriverManager.getConnection(url, "billing", "{human_pw()}");', "generic",
        "DriverManager password argument")
    f("    }", "", "    public String authHeader() {")
    f.s(f'        return "Basic " + "{b64(("billing:" + rand_pw(18, symbols=False)).encode())}";', "encoded-credential",
        "Basic credential string in Java")
    f("    }", "", "    void setPassword(char[] password) {")
    f.n("        this.password = Arrays.copyOf(password, password.length);", "generic", "code")
    f("    }", "}")

    f = C.file("services/billing/pom.xml")
    f('<?xml version="1.0" encoding="UTF-8"?>', "<project>", "  <modelVersion>4.0.0</modelVersion>",
      "  <groupId>com.corp</groupId>", "  <artifactId>billing</artifactId>", "  <properties>")
    f.n("    <password.min.length>12</password.min.length>", "generic", "policy property")
    f.s(f"    <sonar.login>squ_{rs(HEX, 40)}</sonar.login>", "vcs-ci", "SonarQube token in pom")
    f("  </properties>", "</project>")

    f = C.file("home/dev/.m2/settings.xml")
    f("<settings>", "  <servers>", "    <server>", "      <id>corp-releases</id>", "      <username>deployer</username>")
    f.s(f"      <password>{rand_pw(20)}</password>", "generic", "maven settings password")
    f("    </server>", "    <server>", "      <id>corp-snapshots</id>", "      <username>deployer</username>")
    f.n("      <password>{" + b64(rbytes(32)) + "}</password>", "generic", "maven-encrypted password")
    f("    </server>", "    <server>", "      <id>github</id>", "      <username>jdoe</username>")
    f.s(f"      <password>{gh()}</password>", "vcs-ci", "GitHub PAT in maven settings")
    f("    </server>", "    <server>", "      <id>env</id>")
    f.n("      <password>${env.MAVEN_PASSWORD}</password>", "generic", "env reference")
    f("    </server>", "  </servers>", "</settings>")

    f = C.file("services/billing/gradle.properties")
    f("org.gradle.jvmargs=-Xmx2g", "org.gradle.parallel=true")
    f.s(f"ossrhPassword={human_pw()}", "generic", "gradle ossrh password")
    f.n("signing.keyId=" + rs(HEXUP, 8), "generic", "key id")
    f.s(f"signing.password={rand_pw(20)}", "generic", "signing password")
    f.n("signing.secretKeyRingFile=/home/ci/.gnupg/secring.gpg", "generic", "path")
    f.s(f"gradle.publish.secret={rs(ALNUM, 32)}", "registry", "Gradle plugin portal secret")


def ruby_php_dotnet(C):
    f = C.file("services/storefront/config/database.yml")
    f("default: &default", "  adapter: postgresql", "  pool: <%= ENV.fetch(\"RAILS_MAX_THREADS\") { 5 } %>",
      "production:", "  <<: *default", "  database: storefront", "  username: storefront")
    f.s(f"  password: {rand_pw(22, symbols=False)}", "generic", "database.yml password")
    f("development:", "  <<: *default")
    f.n("  password: <%= ENV['DATABASE_PASSWORD'] %>", "generic", "ERB env reference")

    f = C.file("services/storefront/config/initializers/services.rb")
    f.s(f"Stripe.api_key = '{stripe('sk_live_', 24)}'", "payments", "Ruby Stripe key")
    f.s(f"ShopifyAPI::Context.setup(api_key: 'b{rs(HEX, 31)}', api_secret_key: 'shpss_{rs(HEX, 32)}')", "payments",
        "Shopify secret in Ruby")
    f.s(f"Shopify.access_token = 'shpca_{rs(HEX, 32)}'", "payments", "Shopify custom app token")
    f.s(f"Shopify.private_app_password = 'shppa_{rs(HEX, 32)}'", "payments", "Shopify private app password")
    f.s(f"Rails.application.config.secret_key_base = '{rs(HEX, 128)}'", "generic", "secret_key_base")
    f.n("Rails.application.config.secret_key_base = ENV.fetch('SECRET_KEY_BASE')", "generic", "ENV.fetch")
    f.s(f"Square::Client.new(access_token: 'sq0atp-{rs(B64URL, 22)}')", "payments", "Square legacy access token")
    f.s(f"Sentry.init {{ |c| c.dsn = 'https://{rs(HEX, 32)}@o{R.randrange(10**5, 10**6)}.ingest.us.sentry.io/{R.randrange(10**6, 10**7)}' }}",
        "saas", "Sentry DSN in Ruby")
    f.n("devise_password_length = 12..128", "generic", "policy range")
    f.s(f"config.action_mailer.smtp_settings = {{ user_name: 'apikey', password: '{sendgrid()}' }}", "chat",
        "SendGrid as SMTP password")

    f = C.file("services/storefront/config/credentials.yml")
    f("aws:")
    f.s(f"  access_key_id: {aws_key_id()}", "aws", "Rails credentials key id")
    f.s(f"  secret_access_key: {aws_secret()}", "aws", "Rails credentials secret")
    f("github:")
    f.s(f"  app_private_key: \"{pem('RSA PRIVATE KEY', rsa_pkcs1()).replace(chr(10), chr(92) + 'n')}\"", "private-key",
        "escaped PEM in YAML string")
    f.s(f"  webhook_secret: {rs(HEX, 40)}", "generic", "webhook secret")

    f = C.file("services/cms/wp-config.php")
    f("<?php", "define( 'DB_NAME', 'wordpress' );", "define( 'DB_USER', 'wp' );")
    f.s(f"define( 'DB_PASSWORD', '{rand_pw(20)}' );", "generic", "WordPress DB_PASSWORD")
    f("define( 'DB_HOST', 'mysql.corp.internal' );")
    for k in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT"):
        f.s(f"define( '{k}', '{rs(ALNUM + '!@#$%^&*()-_[]{}<>~+=,.;:/?|', 64)}' );", "generic", f"WordPress {k}")
    f.n("define( 'WP_DEBUG', false );", "generic", "setting")

    f = C.file("services/cms/config/services.php")
    f("<?php", "", "return [", "    'mailgun' => [", "        'domain' => 'mg.corp.example',")
    f.s(f"        'secret' => '{rs(HEX, 32)}-{rs(HEX, 8)}-{rs(HEX, 8)}',", "chat", "Mailgun key in Laravel config")
    f("    ],", "    'stripe' => [")
    f.n("        'secret' => env('STRIPE_SECRET'),", "payments", "env() reference")
    f("    ],", "    'partner' => [")
    f.s(f"        'api_key' => '{rs(ALNUM, 40)}',", "generic", "PHP array api_key")
    f.s(f"        'password' => \"{human_pw()}\",", "generic", "PHP array password")
    f("    ],", "];")
    f.s(f"$pdo = new PDO('mysql:host=db;dbname=cms', 'cms', '{rand_pw(16)}');", "generic", "PDO password argument")
    f.n("$password = $_POST['password'] ?? '';", "generic", "request read")
    f.n("if (password_verify($password, $user->password_hash)) {", "generic", "code")

    f = C.file("services/cms/.env")
    f("APP_NAME=CMS", "APP_ENV=production")
    f.s(f"APP_KEY=base64:{b64(rbytes(32))}", "generic", "Laravel APP_KEY")
    f.s(f"DB_PASSWORD={rand_pw(18)}", "generic", ".env DB_PASSWORD")
    f.n("MAIL_PASSWORD=null", "generic", "null value")
    f.s(f"PUSHER_APP_SECRET={rs(HEX, 20)}", "chat", "Pusher secret")
    f.n("BCRYPT_ROUNDS=12", "generic", "setting")

    f = C.file("services/ledger/Web.config")
    f('<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <connectionStrings>")
    f.s(f'    <add name="Ledger" connectionString="Server=sql.corp.internal;Database=Ledger;User Id=ledger_app;Password={rand_pw(18, symbols=False)};" providerName="System.Data.SqlClient" />',
        "encoded-credential", "ADO.NET Password=")
    f.s(f'    <add name="Reports" connectionString="Data Source=reports-sql;Initial Catalog=Reports;uid=reports;pwd={human_pw()}" />',
        "encoded-credential", "ADO.NET pwd=")
    f.n('    <add name="Local" connectionString="Server=(localdb)\\MSSQLLocalDB;Integrated Security=true;" />',
        "encoded-credential", "integrated security, no password")
    f("  </connectionStrings>", "  <appSettings>")
    f.s(f'    <add key="SmtpPassword" value="{rand_pw(16)}" />', "generic", "appSettings password")
    f.s(f'    <add key="PartnerApiKey" value="{rs(HEX, 32)}" />', "generic", "appSettings api key")
    f.n('    <add key="PasswordMinLength" value="12" />', "generic", "policy")
    f.n('    <add key="ApiKeyHeader" value="X-Api-Key" />', "generic", "header name")
    f.s(f'    <add key="StorageConnection" value="DefaultEndpointsProtocol=https;AccountName=ledgerdocs;AccountKey={b64(rbytes(64))};EndpointSuffix=core.windows.net" />',
        "cloud", "Azure storage in web.config")
    f("  </appSettings>", "  <system.web>")
    f.s(f'    <machineKey validationKey="{rs(HEXUP, 128)}" decryptionKey="{rs(HEXUP, 64)}" validation="HMACSHA256" decryption="AES" />',
        "generic", "ASP.NET machineKey")
    f("  </system.web>", "</configuration>")

    f = C.file("services/ledger/appsettings.Production.json")
    f("{", '  "ConnectionStrings": {')
    f.s(f'    "Default": "Host=pg.corp.internal;Database=ledger;Username=ledger;Password={rand_pw(20, symbols=False)}"', "encoded-credential",
        "Npgsql Password=")
    f("  },", '  "Jwt": {', '    "Issuer": "ledger",')
    f.s(f'    "Key": "{rs(ALNUM, 48)}"', "generic", "JWT key setting")
    f("  },", '  "AzureAd": {', '    "Instance": "https://login.microsoftonline.com/",')
    f.n(f'    "ClientId": "{uuid4()}",', "cloud", "client id")
    f.s(f'    "ClientSecret": "{rs(ALNUM, 3)}8Q~{rs(ALNUM + "_-.~", 34)}"', "cloud", "Azure AD client secret in appsettings")
    f("  },", '  "AWS": {', '    "Region": "eu-west-1",')
    f.s(f'    "AccessKey": "{aws_key_id()}",', "aws", "appsettings AWS key id")
    f.s(f'    "SecretKey": "{aws_secret()}"', "aws", "appsettings AWS secret")
    f("  },", '  "Odbc": {')
    f.s(f'    "Legacy": "Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:legacy,1433;Uid=legacy;Pwd={rand_pw(16, symbols=False)};Encrypt=yes"',
        "encoded-credential", "ODBC Pwd=")
    f("  },", '  "Logging": { "LogLevel": { "Default": "Information" } }', "}")

    f = C.file("services/ledger/src/Startup.cs")
    f("using System;", "namespace Ledger", "{", "    public static class Secrets", "    {")
    f.s(f'        private const string ApiSecret = "{rand_pw(32, symbols=False)}";', "generic", "C# const secret")
    f.s(f'        public static readonly string SlackWebhook = "{slack_webhook()}";', "chat", "Slack webhook in C#")
    f.n('        public static string DbPassword => Environment.GetEnvironmentVariable("DB_PASSWORD");', "generic",
        "GetEnvironmentVariable")
    f.n('        public static string Key => Configuration["Jwt:Key"];', "generic", "configuration read")
    f.s(f'        var creds = new NetworkCredential("svc-ledger", "{human_pw()}");', "generic", "NetworkCredential password")
    f.n('        [DataType(DataType.Password)] public string Password { get; set; }', "generic", "model property")
    f("    }", "}")


def data_files(C):
    f = C.file("db/seeds/001_users.sql")
    f("INSERT INTO users (id, email, password_hash, created_at) VALUES")
    f.s(f"  (1, 'admin@corp.internal', '{bcrypt('2b', 12)}', now()),", "password-hash", "bcrypt in SQL seed")
    f.s(f"  (2, 'ops@corp.internal', '{bcrypt('2a', 10)}', now()),", "password-hash", "bcrypt 2a in SQL seed")
    f.s(f"  (3, 'svc@corp.internal', '{argon2()}', now());", "password-hash", "argon2id in SQL seed")
    f.n("ALTER TABLE users ADD COLUMN password_hash VARCHAR(255) NOT NULL;", "generic", "schema")
    f.s(f"CREATE USER reporting WITH PASSWORD '{rand_pw(18, symbols=False)}';", "generic", "SQL CREATE USER password")
    f.s(f"ALTER USER app IDENTIFIED BY '{human_pw()}';", "generic", "SQL IDENTIFIED BY")
    f.n("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporting;", "generic", "SQL grant")
    f.n(f"INSERT INTO api_clients (client_id, name) VALUES ('{uuid4()}', 'mobile');", "generic", "UUID client id")

    f = C.file("db/seed-data/users.json")
    f("[", "  {", '    "model": "auth.user",', '    "pk": 1,', '    "fields": {', '      "username": "admin",')
    f.s(f'      "password": "{django_pbkdf2()}",', "password-hash", "Django pbkdf2 hash")
    f('      "is_superuser": true', "    }", "  },", "  {", '    "model": "auth.user",', '    "pk": 2,', '    "fields": {',
      '      "username": "support",')
    f.s(f'      "password": "argon2{argon2()}",', "password-hash", "Django argon2 hash")
    f('      "is_superuser": false', "    }", "  },", "  {", '    "model": "auth.user",', '    "pk": 3,', '    "fields": {',
      '      "username": "disabled",')
    f.n('      "password": "!' + rs(ALNUM, 40) + '",', "password-hash", "Django unusable password marker")
    f("    }", "  }", "]")

    f = C.file("services/auth/grafana.ini")
    f("[security]", "admin_user = admin")
    f.s(f"admin_password = {human_pw()}", "generic", "grafana ini admin password")
    f.s(f"secret_key = {rs(ALNUM, 16)}", "generic", "grafana secret_key")
    f.n("disable_initial_admin_creation = false", "generic", "boolean")
    f("[database]", "type = postgres")
    f.n("password = \"\"\"#password;\"\"\"", "generic", "documented quoting example")
    f.n("password = $__env{GF_DB_PASSWORD}", "generic", "env expansion")
    f("[auth.generic_oauth]")
    f.s(f"client_secret = {rs(ALNUM, 40)}", "generic", "OAuth client_secret ini")

    f = C.file("services/auth/keys/jwks-private.json")
    key = jwk_rsa_private()
    text = json.dumps({"keys": [key]}, indent=2)
    f.s(text, "private-key", "JWK set with RSA private key (d)")
    f = C.file("services/auth/keys/signing.jwk")
    f.s(json.dumps(jwk_ec_private()), "private-key", "single-line EC JWK with d")
    f = C.file("services/auth/keys/jwks-public.json")
    pub = {"keys": [{"kty": "RSA", "kid": uuid4(), "use": "sig", "alg": "RS256", "n": b64url(rbytes(256)), "e": "AQAB"}]}
    f.n(json.dumps(pub, indent=2), "private-key", "public JWK set")
    f = C.file("services/auth/keys/ed25519.pem")
    f.s(pem("PRIVATE KEY", ed25519_pkcs8()), "private-key", "PKCS#8 Ed25519 key")
    f = C.file("services/auth/keys/ec-pkcs8.pem")
    f.s(pem("PRIVATE KEY", ec_pkcs8()), "private-key", "PKCS#8 EC key")

    f = C.file("services/auth/github_app.py")
    f('"""GitHub App authentication."""', "")
    f.s(f"PRIVATE_KEY = {jstr(pem('RSA PRIVATE KEY', rsa_pkcs1()) + chr(10))}", "private-key",
        "PEM escaped in a Python string")
    f("", "def load_key():")
    f.n('    return open(os.environ["GITHUB_APP_KEY_PATH"]).read()', "private-key", "key path from env")
    f('', 'SIGNING_KEY = """\\')
    f.s(pem("EC PRIVATE KEY", ec_sec1()), "private-key", "PEM in Python triple-quoted string")
    f('"""')

    f = C.file("services/auth/config.json")
    f("{", '  "issuer": "https://auth.corp.internal",')
    f.s(f'  "signingKey": {jstr(pem("PRIVATE KEY", rsa_pkcs8(1024)) + chr(10))},', "private-key", "PEM escaped in JSON")
    f.n(f'  "publicKey": {jstr(rsa_public_pem(128) + chr(10))},',
        "private-key", "public key escaped in JSON")
    f.s(f'  "serviceToken": "{jwt({"iss": "https://auth.corp.internal", "sub": "billing", "aud": "ledger", "exp": 1893456000}, "RS256", kid=uuid4())}",',
        "jwt", "RS256 JWT in JSON")
    f.s(f'  "supabaseServiceRoleKey": "{jwt({"iss": "supabase", "ref": rs(LO, 20), "role": "service_role", "iat": 1700000000, "exp": 2015000000})}",',
        "jwt", "Supabase service role key")
    f.n('  "tokenLifetimeSeconds": 900,', "jwt", "setting")
    f.n('  "jwksUri": "https://auth.corp.internal/.well-known/jwks.json"', "jwt", "URL")
    f("}")

    f = C.file("services/auth/terraform-keys.tf")
    f('resource "tls_private_key" "deploy" {', '  algorithm = "ED25519"', '}', '',
      'resource "github_actions_secret" "deploy_key" {', '  repository = "orders"', '  secret_name = "DEPLOY_KEY"')
    f.n("  plaintext_value = tls_private_key.deploy.private_key_openssh", "private-key", "resource reference")
    f('}', '', 'locals {', '  legacy_key = <<-EOT')
    f.s(indent(pem("RSA PRIVATE KEY", rsa_pkcs1()), 4), "private-key", "PEM in Terraform heredoc")
    f("  EOT", "}")

    f = C.file("ci/.github/workflows/ssh-deploy.yml")
    f("name: ssh-deploy", "on: workflow_dispatch", "jobs:", "  deploy:", "    runs-on: ubuntu-latest", "    env:",
      "      SSH_KEY: |")
    f.s(indent(openssh_key("ed25519", b"ci@github"), 8), "private-key", "OpenSSH key in CI YAML block")
    f("    steps:", "      - run: echo \"$SSH_KEY\" > key && chmod 600 key")

    f = C.file("services/auth/tokens.http")
    f("### get orders", "GET https://api.corp.internal/v1/orders")
    f.s(f"Authorization: Bearer {jwt({'sub': 'jdoe', 'scope': 'orders:read', 'iat': 1712345678, 'exp': 1912345678})}", "jwt",
        "Bearer JWT in .http file")
    f("", "### legacy", "GET https://legacy.corp.internal/api/status")
    f.s(f"Authorization: Basic {b64(('monitor:' + human_pw()).encode())}", "encoded-credential", "Basic header in .http file")
    f("", "### partner", "POST https://partner.example.net/api")
    f.s(f"X-Api-Key: {rs(ALNUM, 40)}", "generic", "X-Api-Key header")
    f.n("Authorization: Bearer {{token}}", "jwt", "template variable")
    f.n("Authorization: Basic {{basicAuth}}", "encoded-credential", "template variable")

    f = C.file("scripts/ops/backup.sh")
    f("#!/usr/bin/env bash", "set -euo pipefail")
    f.s(f"export PGPASSWORD='{rand_pw(20, symbols=False)}'", "generic", "PGPASSWORD export")
    f.s(f"export RESTIC_PASSWORD=\"{human_pw()}\"", "generic", "restic password")
    f.s(f"mysqldump -u backup -p'{rand_pw(16, symbols=False)}' --all-databases > /backup/all.sql", "generic", "mysqldump -p")
    f.s(f"curl -s -H 'Authorization: Basic {b64(('backup:' + rand_pw(16)).encode())}' https://nas.corp.internal/api/upload",
        "encoded-credential", "curl Basic header")
    f.s(f"curl -s -H \"Authorization: token {gh()}\" https://api.github.com/repos/corp/orders/releases", "vcs-ci",
        "curl GitHub token")
    f.s(f"curl -X POST https://api.telegram.org/bot{telegram()}/sendMessage -d chat_id=-100123 -d text=done", "chat",
        "Telegram bot URL")
    f.s(f"sshpass -p '{human_pw()}' ssh backup@nas.corp.internal true", "generic", "sshpass -p")
    f.s(f"smbclient //fs/backup -U 'CORP\\\\backup%{rand_pw(14, symbols=False)}' -c 'ls'", "generic", "smbclient user%pass")
    f.n('read -rsp "Password: " PASSWORD', "generic", "interactive prompt")
    f.n('PASSWORD=$(aws secretsmanager get-secret-value --secret-id prod/backup --query SecretString --output text)',
        "aws", "secret fetched at runtime")
    f.n('htpasswd -bB /etc/nginx/.htpasswd admin "$ADMIN_PASSWORD"', "password-hash", "command with variable")
    f.n(f'echo "{sha1hex()}  backup.tar.gz" | sha1sum -c -', "generic", "checksum line")
    f.n(f'sha256sum -c <<< "{rs(HEX, 64)}  restic_0.16.4_linux_amd64.bz2"', "generic", "checksum line")

    f = C.file("scripts/ops/rotate.ps1")
    f.s(f'$password = ConvertTo-SecureString "{rand_pw(18)}" -AsPlainText -Force', "generic", "PowerShell plain password")
    f.n('$cred = Get-Credential -UserName "CORP\\svc-rotate" -Message "Enter password"', "generic", "prompt")
    f.s(f'$env:AZURE_CLIENT_SECRET = "{rs(ALNUM, 3)}8Q~{rs(ALNUM + "_-.~", 34)}"', "cloud", "Azure secret in PowerShell")


def web_and_locks(C):
    f = C.file("web/site/index.html")
    f("<!doctype html>", "<html lang=\"en\">", "<head>", "  <meta charset=\"utf-8\">")
    f.n(f'  <script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.bundle.min.js" integrity="{sri("sha384", 48)}" crossorigin="anonymous"></script>',
        "generic", "subresource integrity hash")
    f.n(f'  <link rel="stylesheet" href="/static/app.css" integrity="{sri("sha256", 32)}">', "generic", "SRI hash")
    f.n(f'  <meta name="google-site-verification" content="{rs(B64URL, 43)}">', "generic", "site verification token (public)")
    f.n(f'  <meta name="csrf-token" content="{rs(B64URL, 86)}">', "generic", "rendered CSRF token")
    f("</head>", "<body>")
    f.n(f'  <img alt="logo" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAYAAACqaXHe{b64(rbytes(900))}">',
        "generic", "base64 PNG data URI")
    f.n(f'  <img alt="icon" src="data:image/gif;base64,R0lGODlhEAAQAPcAA{b64(rbytes(300))}">', "generic", "base64 GIF data URI")
    f.n(f'  <div class="g-recaptcha" data-sitekey="6L{rs(B64URL, 38)}"></div>', "saas", "reCAPTCHA site key")
    f("  <form method=\"post\" action=\"/login\">")
    f.n('    <label for="password">Password</label>', "generic", "HTML label")
    f.n('    <input type="password" id="password" name="password" autocomplete="current-password" minlength="12" required>',
        "generic", "password input")
    f.n(f'    <input type="hidden" name="authenticity_token" value="{rs(B64URL, 86)}==">', "generic", "rendered form token")
    f("  </form>", "</body>", "</html>")

    f = C.file("web/site/static/app.css")
    f(".login-form { display: grid; gap: 1rem; }")
    f.n(".password-strength-meter { height: 4px; background: #e5e7eb; }", "generic", "CSS class")
    f.n(f"@font-face {{ font-family: Inter; src: url(data:font/woff2;base64,d09GMgABAAAAA{b64(rbytes(1200))}) format('woff2'); }}",
        "generic", "base64 font data URI")
    f.n(f".hero {{ background-image: url('data:image/svg+xml;base64,{b64(('<svg xmlns=' + chr(34) + 'http://www.w3.org/2000/svg' + chr(34) + ' viewBox=' + chr(34) + '0 0 10 10' + chr(34) + '><path d=' + chr(34) + 'M0 0h' + str(R.randrange(9)) + 'v10H0z' + chr(34) + '/></svg>').encode())}'); }}",
        "generic", "base64 SVG data URI")
    f.n(".token-list { color: #3b82f6; }", "generic", "CSS class")

    f = C.file("web/site/static/vendor.min.js")
    ids = lambda: rs(LO, 1) + rs(ALNUM, R.randrange(0, 2))  # noqa: E731
    for _ in range(4):
        parts = []
        for _ in range(60):
            parts.append(f"function {ids()}({ids()},{ids()}){{return {ids()}.{rs(LO, 6)}({ids()})||\"{rs(ALNUM, R.randrange(8, 40))}\"}}")
        f.n(";".join(parts) + ";", "generic", "minified JS line")

    f = C.file("web/site/static/js/main.7f3a2c1b.chunk.js")
    f.n('(self.webpackChunk=self.webpackChunk||[]).push([[179],{' + ",".join(
        f'{R.randrange(1000, 9999)}:function(e,t,n){{"use strict";n.d(t,{{a:function(){{return {rs(LO, 1)}}}}});var {rs(LO, 1)}="{rs(B64URL, 32)}"}}'
        for _ in range(25)) + "}]);", "generic", "webpack chunk with hashes")
    f.n('var ALPHABET="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";', "generic", "base64 alphabet")
    f.n(f'var BUILD_ID="{rs(HEX, 40)}",PUBLIC_PATH="/static/";', "generic", "build id hash")
    f.n("var t=e.password,n=e.token,r=e.secret;if(!t)throw Error(\"password required\")", "generic", "minified code")
    f.n(f'//# sourceMappingURL=main.7f3a2c1b.chunk.js.map', "generic", "source map comment")

    f = C.file("web/site/package-lock.json")
    f("{", '  "name": "site",', '  "lockfileVersion": 3,', '  "packages": {')
    for name in ("react", "react-dom", "scheduler", "loose-envify", "js-tokens", "axios", "follow-redirects",
                 "form-data", "asynckit", "combined-stream"):
        v = f"{R.randrange(0, 19)}.{R.randrange(0, 30)}.{R.randrange(0, 9)}"
        f(f'    "node_modules/{name}": {{', f'      "version": "{v}",',
          f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-{v}.tgz",')
        f.n(f'      "integrity": "{sri()}",', "generic", "package-lock integrity")
        f("    },")
    f('    "": { "name": "site" }', "  }", "}")

    f = C.file("web/site/yarn.lock")
    f("# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.", "# yarn lockfile v1", "")
    for name in ("lodash", "chalk", "debug", "ms", "semver"):
        v = f"{R.randrange(1, 9)}.{R.randrange(0, 20)}.{R.randrange(0, 9)}"
        f(f'{name}@^{v}:', f'  version "{v}"', f'  resolved "https://registry.yarnpkg.com/{name}/-/{name}-{v}.tgz#{sha1hex()}"')
        f.n(f'  integrity {sri()}', "generic", "yarn.lock integrity")
        f("")

    f = C.file("services/gateway/Cargo.lock")
    f("# This file is automatically @generated by Cargo.", "version = 4", "")
    for name in ("aho-corasick", "memchr", "regex", "serde", "serde_json", "tokio"):
        f("[[package]]", f'name = "{name}"', f'version = "1.{R.randrange(0, 40)}.{R.randrange(0, 9)}"',
          'source = "registry+https://github.com/rust-lang/crates.io-index"')
        f.n(f'checksum = "{rs(HEX, 64)}"', "generic", "Cargo.lock checksum")
        f("")

    f = C.file("services/reports/requirements.txt")
    for name in ("requests==2.32.3", "urllib3==2.2.2", "certifi==2024.7.4", "psycopg2-binary==2.9.9"):
        f(f"{name} \\")
        f.n(f"    --hash=sha256:{rs(HEX, 64)} \\", "generic", "pip hash")
        f.n(f"    --hash=sha256:{rs(HEX, 64)}", "generic", "pip hash")

    f = C.file("services/reports/poetry.lock")
    f("[[package]]", 'name = "pydantic"', 'version = "2.8.2"', "files = [")
    for _ in range(4):
        f.n(f'    {{file = "pydantic-2.8.2-py3-none-any.whl", hash = "sha256:{rs(HEX, 64)}"}},', "generic", "poetry hash")
    f("]")

    f = C.file("services/gateway/Dockerfile.release")
    f.n(f"FROM golang:1.22@sha256:{rs(HEX, 64)} AS build", "generic", "image digest")
    f("WORKDIR /src", "COPY . .", "RUN go build -o /gateway ./cmd/gateway")
    f.n(f"FROM gcr.io/distroless/static@sha256:{rs(HEX, 64)}", "generic", "image digest")
    f.n("ARG GITHUB_TOKEN", "vcs-ci", "build arg declaration")
    f.n('RUN --mount=type=secret,id=github_token,env=GITHUB_TOKEN go mod download', "vcs-ci", "secret mount")
    f('COPY --from=build /gateway /gateway', 'ENTRYPOINT ["/gateway"]')

    f = C.file("docs/CHANGELOG.md")
    f("# Changelog", "")
    for _ in range(6):
        f.n(f"- {R.choice(['fix', 'feat', 'chore'])}: {R.choice(['rotate', 'refresh', 'validate'])} {R.choice(['tokens', 'passwords', 'api keys', 'secrets'])} on {R.choice(['login', 'startup', 'deploy'])} ({rs(HEX, 7)})",
            "generic", "changelog line with short SHA")
    f.n(f"Full diff: https://github.com/corp/orders/compare/{sha1hex()}...{sha1hex()}", "generic", "compare URL with SHAs")

    f = C.file(".gitmodules")
    f('[submodule "vendor-proto"]', "\tpath = third_party/proto", "\turl = https://github.com/corp/proto.git")
    f.n(f"\t# pinned at {sha1hex()}", "generic", "git SHA")

    f = C.file("data/ids.csv")
    f("id,created_at,status,request_id,etag")
    for i in range(8):
        f.n(f"{uuid4()},2024-0{R.randrange(1, 9)}-1{R.randrange(0, 9)}T10:0{i}:00Z,{R.choice(['ok', 'failed'])},{rs(HEX, 32)},\"{rs(HEX, 32)}\"",
            "generic", "UUIDs, request ids, ETags")

    f = C.file("data/wallets.json")
    f("{")
    f.n(f'  "treasury_address": "0x{rs(HEX, 40)}",', "generic", "Ethereum address (public)")
    f.n(f'  "tx_hash": "0x{rs(HEX, 64)}",', "generic", "transaction hash")
    f.n(f'  "btc_address": "bc1q{rs("qpzry9x8gf2tvdw0s3jn54khce6mua7l", 38)}",', "generic", "bitcoin address")
    f.n(f'  "gpg_fingerprint": "{" ".join(rs(HEXUP, 4) for _ in range(10))}",', "generic", "GPG fingerprint")
    f.n(f'  "ssh_host_fingerprint": "SHA256:{b64(rbytes(32)).rstrip("=")}",', "generic", "SSH fingerprint")
    f.n(f'  "sha256": "{rs(HEX, 64)}",', "generic", "sha256 field")
    f.n(f'  "md5": "{rs(HEX, 32)}",', "generic", "md5 field")
    f.n(f'  "content_hash": "{b64(rbytes(32))}",', "generic", "content hash field")
    f.n(f'  "public_key": "{b64(rbytes(32))}",', "generic", "public key field")
    f.n(f'  "nonce": "{rs(HEX, 24)}"', "generic", "nonce")
    f("}")


def configs_and_docs(C):
    f = C.file("config/app.ini")
    f("[server]", "host = 0.0.0.0", "port = 8443", "", "[database]", "user = app")
    f.s(f"password = {rand_pw(20)}", "generic", "INI password")
    f.n("password_file = /run/secrets/db", "generic", "file reference")
    f("", "[ldap]", "bind_dn = cn=svc-app,ou=services,dc=corp,dc=internal")
    f.s(f"bind_password = {human_pw()}", "generic", "LDAP bind password")
    f("", "[oauth]")
    f.s(f"client_secret = {rs(B64URL, 40)}", "generic", "OAuth client secret")
    f.n("token_url = https://auth.corp.internal/oauth/token", "generic", "URL")
    f.n("secret_header = X-Hub-Signature-256", "generic", "header name")

    f = C.file("config/app.toml")
    f("[server]", 'bind = "0.0.0.0:8443"', "", "[database]")
    f.s(f'password = "{rand_pw(22)}"', "generic", "TOML password")
    f.n('password_env = "APP_DB_PASSWORD"', "generic", "env name")
    f("", "[smtp]")
    f.s(f"pass = '{human_pw()}'", "generic", "TOML smtp pass")
    f("", "[webhooks]")
    f.s(f'signing_secret = "{rs(ALNUM, 32)}"', "generic", "webhook signing secret")
    f.n("max_token_age_secs = 300", "generic", "setting")

    f = C.file("config/app.yaml")
    f("server:", "  port: 8443", "database:", "  user: app")
    f.s(f'  password: "{rand_pw(24)}"', "generic", "YAML password")
    f("cache:")
    f.s(f"  auth_token: {rs(ALNUM, 32)}", "generic", "YAML auth_token")
    f("upstream:")
    f.s(f"  api_key: {rs(HEX, 40)}", "generic", "YAML api_key hex")
    f.s(f"  apiSecret: '{rand_pw(30, symbols=False)}'", "generic", "YAML camelCase secret")
    f.n("  api_key_header: X-API-Key", "generic", "header name")
    f.n("  password: null", "generic", "null")
    f.n("  token: ~", "generic", "YAML null")
    f.n("  secret: '********'", "generic", "masked value")
    f.n("  password: REPLACE_ME", "generic", "placeholder")
    f.n("  password: xxxxxxxxxxxxxxxx", "generic", "placeholder")
    f.n("  access_token: TODO", "generic", "placeholder")
    f.n("  client_secret: <client-secret>", "generic", "placeholder")
    f.n("  secret_name: prod/upstream/api", "generic", "name of a secret")
    f.n("  token_endpoint: https://auth.corp.internal/token", "generic", "URL")
    f.n("  password_policy: strong", "generic", "setting")
    f.n("  secret_ref: vault:secret/data/upstream#api_key", "generic", "vault reference")

    f = C.file("config/app.xml")
    f('<?xml version="1.0"?>', "<config>", "  <database>", "    <user>app</user>")
    f.s(f"    <password>{rand_pw(18)}</password>", "generic", "XML element password")
    f("  </database>")
    f.s(f'  <smtp host="smtp.corp.internal" user="mailer" password="{human_pw()}"/>', "generic", "XML attribute password")
    f.s(f'  <partner apiKey="{rs(ALNUM, 32)}" endpoint="https://partner.example.net"/>', "generic", "XML attribute apiKey")
    f.n('  <password-policy minLength="12" requireDigit="true"/>', "generic", "policy element")
    f.n("  <secret>${PARTNER_SECRET}</secret>", "generic", "placeholder reference")
    f("</config>")

    f = C.file("config/application.conf")
    f("akka {", "  loglevel = INFO", "}", "db {", '  url = "jdbc:postgresql://pg/app"')
    f.s(f'  password = "{rand_pw(20)}"', "generic", "HOCON password")
    f.n("  password = ${?DB_PASSWORD}", "generic", "HOCON env substitution")
    f("}", "play.http.secret {")
    f.s(f'  key = "{rs(ALNUM + "_-", 48)}"', "generic", "Play secret key")
    f("}")

    f = C.file("config/prometheus/web.yml")
    f("basic_auth_users:")
    f.s(f"  prometheus: {bcrypt('2y', 10)}", "password-hash", "Prometheus web.yml bcrypt")
    f = C.file("config/argocd/argocd-secret.yaml")
    f("apiVersion: v1", "kind: Secret", "metadata:", "  name: argocd-secret", "stringData:")
    f.s(f"  admin.password: {bcrypt('2a', 10)}", "password-hash", "ArgoCD admin bcrypt")
    f.n("  admin.passwordMtime: '2024-03-01T10:11:12Z'", "generic", "timestamp")
    f.s(f"  server.secretkey: {b64(rbytes(32))}", "generic", "ArgoCD server secret key")
    f = C.file("config/mosquitto/passwd")
    f.s(f"sensor-gw:$7$101${b64(rbytes(12))}${b64(rbytes(64))}", "password-hash", "Mosquitto PBKDF2 hash")
    f.s(f"dashboard:$6${rs(CRYPT64, 12)}${rs(CRYPT64, 86)}", "password-hash", "sha512crypt in passwd file")
    f = C.file("config/keycloak/realm-export.json")
    f("{", '  "realm": "corp",', '  "users": [', "    {", '      "username": "svc-admin",', '      "credentials": [', "        {",
      '          "type": "password",')
    f.s(f'          "hashedSaltedValue": "{b64(rbytes(64))}",', "password-hash", "Keycloak pbkdf2 hash value")
    f.n(f'          "salt": "{b64(rbytes(16))}",', "password-hash", "salt (not secret alone)")
    f('          "hashIterations": 27500,', '          "algorithm": "pbkdf2-sha256"', "        }", "      ]", "    }", "  ],",
      '  "clients": [', "    {", '      "clientId": "orders",')
    f.s(f'      "secret": "{rs(ALNUM, 32)}",', "generic", "Keycloak client secret")
    f.n('      "publicClient": false', "generic", "boolean")
    f("    }", "  ]", "}")

    f = C.file("config/postman/prod.postman_environment.json")
    f("{", '  "name": "prod",', '  "values": [')
    f.s(f'    {{ "key": "access_token", "value": "{jwt({"sub": "qa-bot", "iss": "https://auth.corp.internal", "exp": 1890000000})}", "enabled": true }},',
        "jwt", "JWT in Postman environment")
    f.s(f'    {{ "key": "api_key", "value": "{rs(HEX, 32)}", "enabled": true }},', "generic", "Postman key/value api_key")
    f.n('    { "key": "base_url", "value": "https://api.corp.internal", "enabled": true }', "generic", "URL")
    f("  ]", "}")

    f = C.file("web/site/src/session.js")
    f.s(f"localStorage.setItem('id_token', '{jwt({'sub': 'u_' + rs(DIG, 8), 'email': 'jdoe@corp.internal', 'exp': 1900000000}, 'RS256')}');",
        "jwt", "JWT in localStorage call")
    f.n("localStorage.setItem('id_token', response.data.id_token);", "jwt", "runtime value")
    f.s(f"document.cookie = 'session={jwt({'sid': rs(HEX, 16), 'adm': True})}; path=/';", "jwt", "JWT cookie literal")

    f = C.file("docs/README.md")
    f("# Orders platform", "", "## Getting started", "", "Copy `.env.example` to `.env` and fill in:", "", "```sh")
    f.n("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "aws", "documentation example")
    f.n("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws", "documentation example")
    f.n("export GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "vcs-ci", "placeholder token")
    f.n("export STRIPE_SECRET_KEY=sk_live_...", "payments", "placeholder")
    f.n("export OPENAI_API_KEY=<your OpenAI key>", "ai", "placeholder")
    f.n("export SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "chat",
        "documented placeholder webhook")
    f("```", "", "The staging stack is shared; its key is below (rotate after the demo):", "", "```sh")
    f.s(f"export STAGING_API_KEY={rs(ALNUM, 40)}", "generic", "leaked staging key in README")
    f.s(f"export HF_TOKEN=hf_{rs(UP + LO, 34)}", "ai", "HF token in README")
    f("```", "", "To call the API:", "", "```sh")
    f.s(f"curl -H 'Authorization: Bearer {jwt({'sub': 'demo', 'scope': 'orders:write', 'exp': 1900000000})}' https://api.corp.internal/v1/orders",
        "jwt", "JWT in README curl")
    f.n("curl -H \"Authorization: Bearer $TOKEN\" https://api.corp.internal/v1/orders", "jwt", "variable")
    f.n("curl -u \"$USER:$PASSWORD\" https://nexus.corp.internal", "encoded-credential", "variables")
    f("```", "", "Passwords must be at least 12 characters.")
    f.n("Set `password_min_length: 12` and `token_ttl: 3600` in config/app.yaml.", "generic", "prose")
    f.n("The `api_key` field is documented in docs/api.md; never commit a real one.", "generic", "prose")

    f = C.file("docs/api-guide.md")
    f("# API guide", "", "Authenticate with a bearer token:", "", "```http", "GET /v1/me HTTP/1.1", "Host: api.corp.internal")
    f.n("Authorization: Bearer <token>", "jwt", "placeholder")
    f("```", "", "Example response:", "", "```json")
    f.n(f'{{"id": "{uuid4()}", "token_type": "Bearer", "expires_in": 3600}}', "generic", "token metadata")
    f("```", "", "Webhook signatures use HMAC-SHA256:", "")
    f.n(f"    X-Signature: sha256={rs(HEX, 64)}", "generic", "example signature header")
    f.n("Rotate the `client_secret` in the console; the old one stays valid for 24 hours.", "generic", "prose")
    f("", "Our demo account, for the conference (disabled after):", "")
    f.s(f"    user: demo@corp.internal  password: {human_pw()}", "generic", "password in prose")

    f = C.file("services/orders/.env.example")
    f.n("DATABASE_URL=postgres://orders:password@localhost:5432/orders", "encoded-credential", "default password URL")
    f.n("STRIPE_SECRET_KEY=sk_live_replace_me", "payments", "placeholder")
    f.n("SLACK_BOT_TOKEN=", "chat", "empty")
    f.n("JWT_SECRET=change-me-in-production", "generic", "placeholder")
    f.n("ADMIN_PASSWORD=admin", "generic", "trivial default")
    f.n("API_TOKEN=<token>", "generic", "placeholder")
    f.n("SESSION_SECRET=${SESSION_SECRET:?required}", "generic", "interpolation")
    f.n("REDIS_URL=redis://user:${REDIS_PASSWORD}@localhost:6379", "encoded-credential", "interpolated URL")


def hard_cases(C):
    """Code that names passwords, tokens and keys without holding one, and more tokens in code."""
    f = C.file("services/orders/orders/auth.py")
    f("import hmac", "import os", "import secrets", "", "from transformers import AutoTokenizer", "")
    f.n('tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")', "generic", "tokenizer, not a token")
    f.n("MAX_TOKENS = 4096", "ai", "token count")
    f.n('secret_key = settings.SECRET_KEY', "generic", "attribute reference")
    f.n("api_key = self._api_key", "generic", "attribute reference")
    f.n('PASSWORD_FIELD = "password_confirmation"', "generic", "field name")
    f.n('TOKEN_URL = "https://auth.corp.internal/oauth2/token"', "generic", "URL")
    f.n('auth_token = request.headers.get("X-Auth-Token")', "generic", "header read")
    f.n("client = Client(client_id=client_id, client_secret=client_secret)", "generic", "kwarg passthrough")
    f.n('password = "password"', "generic", "trivial value equal to the name")
    f.n('token_type = "Bearer"', "generic", "token type")
    f.n(f'commit_sha = "{sha1hex()}"', "generic", "git SHA under a non-secret name")
    f.n(f'idempotency_key = "{uuid4()}"', "generic", "idempotency key UUID")
    f.n('cache_key = f"user:{user_id}:profile"', "generic", "cache key template")
    f.n("reset_token = secrets.token_urlsafe(32)", "generic", "generated at runtime")
    f.n('password_reset_url = reverse("password_reset_confirm")', "generic", "URL name")
    f.n("if hmac.compare_digest(signature, expected): return True", "generic", "code")
    f.n('if pem.startswith("-----BEGIN PRIVATE KEY-----"):', "private-key", "PEM header literal in code")
    f.n('BCRYPT_PREFIX = re.compile(r"^\\$2[aby]\\$\\d{2}\\$")', "password-hash", "bcrypt regex")
    f.n('HASH_ALGORITHM = "argon2id"', "password-hash", "algorithm name")
    f.n(f'STRIPE_PRICE_ID = "price_{rs(ALNUM, 24)}"', "payments", "Stripe price id (object id)")
    f.n(f'STRIPE_PRODUCT = "prod_{rs(ALNUM, 14)}"', "payments", "Stripe product id")
    f.n(f'customer = stripe.Customer.retrieve("cus_{rs(ALNUM, 14)}")', "payments", "Stripe customer id")
    f.s(f'service_token = "{jwt({"sub": "orders", "aud": "payments", "exp": 1900000000}, "HS512")}"', "jwt",
        "HS512 JWT literal")
    f.s(f'API_PASSWORD = "{human_pw()}"', "generic", "module constant password")
    f.s(f'requests.get(url, auth=("svc-orders", "{rand_pw(20, symbols=False)}"))', "generic", "requests auth tuple")
    f.s(f'redis.Redis(host="cache", password="{rand_pw(24)}")', "generic", "redis password kwarg")

    f = C.file("web/api/src/auth/session.ts")
    f.n("export const MAX_PASSWORD_LENGTH = 128;", "generic", "policy")
    f.n("const { password, ...rest } = req.body;", "generic", "destructuring")
    f.n("const secret = await secretsManager.getSecretValue({ SecretId: 'prod/api/jwt' }).promise();", "aws",
        "Secrets Manager call")
    f.n("const token = req.headers.authorization?.split(' ')[1];", "jwt", "header read")
    f.n('const JWT_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";', "jwt", "JWT header constant alone")
    f.n(f"const prefs = '{b64(json.dumps({'theme': 'dark', 'lang': 'en', 'sidebar': False}).encode())}';", "jwt",
        "base64 JSON that is not a token")
    f.n("apiKey: `${process.env.API_KEY}`,", "generic", "template")
    f.n("password: '{{ password }}',", "generic", "template placeholder")
    f.n("const passwordInput = screen.getByLabelText(/password/i);", "generic", "UI code")
    f.s(f"const INTERNAL_TOKEN = '{jwt({'sub': 'web', 'roles': ['internal'], 'iat': 1710000000}, 'ES256')}';", "jwt",
        "ES256 JWT literal")
    f.s(f"const webhookSecret = '{rand_pw(32, symbols=False)}';", "generic", "TS webhook secret")
    f.s(f"export const adminPassword = \"{human_pw()}\";", "generic", "exported password")
    f.n("npm_config_registry=https://registry.npmjs.org/", "registry", "npm_ config variable")
    f.n("export const SLACK_CHANNEL_ID = 'C0" + rs(UP + DIG, 9) + "';", "chat", "Slack channel id")
    f.n("export const SLACK_TEAM = 'T0" + rs(UP + DIG, 9) + "';", "chat", "Slack team id")
    f.n("const spinner = 'sk-spinner sk-fading-circle';", "ai", "CSS class starting with sk-")
    f.n("const model = 'claude-3-5-sonnet-20241022';", "ai", "model name")

    f = C.file("services/gateway/internal/auth/auth.go")
    f("package auth", "")
    f.n("\tPassword: cfg.Password,", "generic", "field copy")
    f.n('\ttoken := r.Header.Get("Authorization")', "generic", "header read")
    f.n("\tsecret := []byte(os.Getenv(\"JWT_SECRET\"))", "generic", "env read")
    f.n('\tconst tokenPrefix = "Bearer "', "generic", "prefix constant")
    f.n(f'\tvar githubSHA = "{sha1hex()}"', "vcs-ci", "git SHA")
    f.s(f'\tjwtKey := []byte("{rand_pw(32, symbols=False)}")', "generic", "Go JWT key literal")
    f.s(f'\tconst sessionToken = "{jwt({"sid": rs(HEX, 16), "uid": 42, "exp": 1900000000})}"', "jwt", "Go JWT const")
    f.s(f'\tdb, _ := sql.Open("postgres", "host=pg user=gateway password={rand_pw(18, symbols=False)} dbname=gw sslmode=require")',
        "encoded-credential", "libpq key/value password")

    f = C.file("services/billing/src/main/java/com/corp/billing/User.java")
    f("package com.corp.billing;", "", "public class User {")
    f.n('    @JsonProperty("password") private String password;', "generic", "annotation")
    f.n("    @Column(name = \"password_hash\", nullable = false) private String passwordHash;", "password-hash", "column")
    f.n("    public String getToken() { return token; }", "generic", "getter")
    f.n('    private static final String TOKEN_HEADER = "X-Auth-Token";', "generic", "header constant")
    f.s(f'    private static final String SIGNING_SECRET = "{rs(B64URL, 43)}";', "generic", "Java signing secret")
    f.s(f'    private static final String SERVICE_JWT = "{jwt({"sub": "billing", "scope": "ledger:write"}, "RS256")}";', "jwt",
        "Java JWT constant")
    f("}")

    f = C.file("services/cms/src/Api.php")
    f("<?php", "", "class Api", "{")
    f.n("    private string $password = '';", "generic", "empty")
    f.n("    public function __construct(private string $apiKey = '') {}", "generic", "constructor param")
    f.s(f"    private const TOKEN = '{jwt({'sub': 'cms', 'iat': 1700000000})}';", "jwt", "PHP JWT const")
    f.s(f"    private $apiSecret = '{rand_pw(28, symbols=False)}';", "generic", "PHP property secret")
    f.n("    $hash = password_hash($password, PASSWORD_ARGON2ID);", "password-hash", "hashing call")
    f("}")

    f = C.file("services/ledger/src/Client.cs")
    f("namespace Ledger;", "public class Client", "{")
    f.n("    public string Password { get; init; } = string.Empty;", "generic", "property")
    f.n("    Password = model.Password,", "generic", "assignment from model")
    f.s(f'    private const string BearerToken = "{jwt({"sub": "ledger", "tid": uuid4()}, "RS256")}";', "jwt", "C# JWT const")
    f.s(f'    private static readonly string ConnectionString = "Server=sql;Database=ledger;User ID=ledger;Password={human_pw()};";',
        "encoded-credential", "ADO.NET in C#")
    f("}")

    f = C.file("infra/k8s/monitoring/har-capture.json")
    f("{", '  "log": {', '    "entries": [', "      {", '        "request": {', '          "headers": [')
    f.s(f'            {{ "name": "Cookie", "value": "session={jwt({"uid": R.randrange(1000), "adm": False, "exp": 1900000000})}" }},',
        "jwt", "JWT in HAR cookie")
    f.s(f'            {{ "name": "Authorization", "value": "Basic {b64(("grafana:" + rand_pw(16)).encode())}" }},',
        "encoded-credential", "Basic in HAR")
    f.n(f'            {{ "name": "X-Request-Id", "value": "{uuid4()}" }}', "generic", "request id")
    f("          ]", "        }", "      }", "    ]", "  }", "}")

    f = C.file("docs/security-notes.md")
    f("# Security notes", "")
    f.n("GitHub tokens start with `ghp_`, `gho_`, `ghu_`, `ghs_` or `ghr_`; fine-grained ones with `github_pat_`.", "vcs-ci",
        "prose about prefixes")
    f.n("Vault tokens start with `hvs.`; set `VAULT_TOKEN_TTL=768h` for CI roles.", "registry", "prose")
    f.n("npm automation tokens look like `npm_` followed by 36 characters.", "registry", "prose")
    f.n("PyPI tokens start with `pypi-`; upload with `twine upload --repository-url https://upload.pypi.org/legacy/`.",
        "registry", "prose")
    f.n("Use `$6$` (sha512crypt) or `$y$` (yescrypt) in /etc/shadow, never `$1$`.", "password-hash", "prose")
    f.n("An example redacted key:", "private-key", "prose")
    f.n("-----BEGIN RSA PRIVATE KEY-----\n...redacted...\n-----END RSA PRIVATE KEY-----", "private-key", "redacted PEM")
    f.n("Slack bot tokens (`xoxb-`) belong in the secret store, never in `.env`.", "chat", "prose")
    f.n("Set `GITLAB_TOKEN: $CI_JOB_TOKEN` in jobs instead of a personal token.", "vcs-ci", "variable reference")
    f.n("Runner registration uses `gitlab-runner register --token $RUNNER_TOKEN`.", "vcs-ci", "variable reference")
    f.n("The AWS key `AKIAIOSFODNN7EXAMPLE` in our docs is AWS's documented example.", "aws", "documented example")


def main():
    check = "--check" in sys.argv
    here = os.path.dirname(os.path.abspath(__file__))
    C = Corpus()
    for build in (home_dotfiles, system_files, infra, ci, env_files, python_src, js_src, go_src, java_src,
                  ruby_php_dotnet, data_files, web_and_locks, configs_and_docs, hard_cases):
        build(C)
    out_root = tempfile.mkdtemp(prefix="sl-corpus-") if check else here
    tree = os.path.join(out_root, "tree")
    if os.path.isdir(tree):
        shutil.rmtree(tree)
    for path, f in C.files.items():
        full = os.path.join(tree, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", newline="\n") as fh:
            fh.write("\n".join(f.lines) + "\n")
    labels = sorted(C.labels, key=lambda x: (x["file"], x["line"]))
    seen = set()
    for lab in labels:
        key = (lab["file"], lab["line"])
        assert key not in seen, f"two labels on one line: {key}"
        seen.add(key)
    with open(os.path.join(out_root, "labels.json"), "w", newline="\n") as fh:
        json.dump({"seed": SEED, "tree": "tree", "labels": labels}, fh, indent=1)
        fh.write("\n")
    n_sec = sum(1 for x in labels if x["kind"] == "secret")
    n_neg = len(labels) - n_sec
    if check:
        import filecmp
        import subprocess
        diff = subprocess.run(["diff", "-r", "-q", os.path.join(here, "tree"), tree], capture_output=True, text=True)
        same_labels = filecmp.cmp(os.path.join(here, "labels.json"), os.path.join(out_root, "labels.json"), shallow=False)
        shutil.rmtree(out_root)
        if diff.returncode != 0 or not same_labels:
            print(diff.stdout or "labels.json differs", file=sys.stderr)
            sys.exit(1)
        print(f"corpus up to date: {len(C.files)} files, {n_sec} secrets, {n_neg} negatives")
        return
    by_cat = {}
    for x in labels:
        by_cat.setdefault(x["category"], [0, 0])[0 if x["kind"] == "secret" else 1] += 1
    print(f"wrote {len(C.files)} files, {n_sec} secrets, {n_neg} negatives")
    for c in CATEGORIES:
        s, n = by_cat.get(c, [0, 0])
        print(f"  {c:20} {s:4} secrets {n:4} negatives")


if __name__ == "__main__":
    main()
