#!/usr/bin/env python3
"""Writes a synthetic secretlens inventory of N secrets (for the evaluate+render benchmark).
Usage: synth_inventory.py N OUT.json"""
import json
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(100000)
acct = "111122223333"
regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
keys, aliases = [], []
for r in regions:
    for i in range(10):
        kid = f"{i:08d}-0000-4000-8000-{r.replace('-', '')[:12]:0>12}"
        keys.append({"arn": f"arn:aws:kms:{r}:{acct}:key/{kid}", "key_id": kid, "account": acct, "region": r,
                     "key_manager": "CUSTOMER", "key_state": rng.choice(["Enabled"] * 9 + ["Disabled"]),
                     "rotation_enabled": rng.random() < 0.6})
        aliases.append({"account": acct, "region": r, "name": f"alias/k{i}", "target_key_id": kid})
secrets = []
for i in range(n):
    r = regions[i % 3]
    env = rng.choice(["prod", "staging", "dev", "test"])
    name = f"{env}/svc-{i % 300}/secret-{i}" if rng.random() > 0.1 else f"Legacy_{i}"
    created = 1700000000 + rng.randint(0, 60_000_000)
    s = {"arn": f"arn:aws:secretsmanager:{r}:{acct}:secret:{name}-{i:06d}", "name": name, "account": acct,
         "region": r, "created_date": created, "tags": {"Environment": env, "Team": f"t{i % 9}"}}
    if rng.random() < 0.5:
        s["kms_key_id"] = f"alias/k{rng.randint(0, 9)}"
    if rng.random() < 0.5:
        s["rotation_enabled"] = True
        s["rotation_rules"] = {"automatically_after_days": rng.choice([30, 60, 120])}
        s["last_rotated_date"] = created + rng.randint(0, 5_000_000)
    if rng.random() < 0.7:
        s["last_accessed_date"] = (created + rng.randint(0, 10_000_000)) // 86400 * 86400
    if rng.random() < 0.1:
        s["resource_policy"] = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{acct}:role/app-{i % 50}"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    if env == "prod":
        s["replication"] = [] if rng.random() < 0.5 else [{"region": "us-west-2", "status": "InSync"}]
    secrets.append(s)
# Dates in the model are RFC 3339 strings.
import datetime
def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
for s in secrets:
    for k in ("created_date", "last_rotated_date", "last_accessed_date"):
        if k in s:
            s[k] = iso(s[k])
inv = {"schema_version": 1, "tool_version": "bench", "source": "fixture", "collected_at": "2026-11-30T00:00:00Z",
       "as_of": "2026-11-30T00:00:00Z", "accounts": [acct],
       "scopes": [{"account": acct, "region": r} for r in regions], "secrets": secrets,
       "kms_keys": keys, "kms_aliases": aliases, "gaps": []}
with open(out, "w") as f:
    json.dump(inv, f)
print(f"wrote {n} secrets to {out}")
