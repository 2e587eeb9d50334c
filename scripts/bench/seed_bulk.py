#!/usr/bin/env python3
"""Seeds a moto server with N secrets for the audit benchmark (scripts/bench-audit.sh).

Varied like a real account: a third rotate (moto needs no Lambda for RotationRules alone),
a quarter use one of 5 customer keys (key ids, ARNs or aliases), a tenth carry a resource
policy, names and tags follow or break the conventions. Deterministic (seeded RNG).
Usage: seed_bulk.py ENDPOINT N
"""
import json
import random
import sys

import boto3

endpoint, n = sys.argv[1], int(sys.argv[2])
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench")
sm = boto3.client("secretsmanager", **kw)
kms = boto3.client("kms", **kw)
rng = random.Random(1000)
keys = []
for i in range(5):
    k = kms.create_key(Description=f"bench key {i}")["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/bench-{i}", TargetKeyId=k["KeyId"])
    if i % 2 == 0:
        kms.enable_key_rotation(KeyId=k["KeyId"])
    keys += [k["KeyId"], k["Arn"], f"alias/bench-{i}"]
envs = ["prod", "staging", "dev", "test"]
for i in range(n):
    env = rng.choice(envs)
    name = f"{env}/svc-{i % 40}/secret-{i}" if rng.random() > 0.1 else f"Legacy_Secret_{i}"
    args = dict(Name=name, SecretString="bench-not-read")
    if rng.random() < 0.25:
        args["KmsKeyId"] = rng.choice(keys)
    tags = [{"Key": "Environment", "Value": env}]
    if rng.random() < 0.7:
        tags += [{"Key": "Team", "Value": f"team-{i % 7}"}, {"Key": "Application", "Value": f"app-{i % 40}"}]
    args["Tags"] = tags
    sm.create_secret(**args)
    if rng.random() < 0.33:
        sm.rotate_secret(SecretId=name, RotationRules={"AutomaticallyAfterDays": rng.choice([30, 60, 120])})
    if rng.random() < 0.1:
        sm.put_resource_policy(SecretId=name, ResourcePolicy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
                           "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}))
print(f"seeded {n} secrets")
