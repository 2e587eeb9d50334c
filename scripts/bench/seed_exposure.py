#!/usr/bin/env python3
"""Seeds moto for scripts/bench-exposure.sh: N Lambda functions (5 environment variables each,
one a credential in every tenth), N ECS task definition families (one revision, 4 variables),
N SSM String parameters (every tenth a credential). us-east-1. Usage: seed_exposure.py ENDPOINT N"""
import io, json, os, random, string, sys, zipfile
for v in list(os.environ):
    if v.startswith("AWS_"):
        del os.environ[v]
os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_EC2_METADATA_DISABLED": "true"})
import boto3  # noqa: E402

ep, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(14)
alnum = string.ascii_letters + string.digits
c = lambda s: boto3.client(s, region_name="us-east-1", endpoint_url=ep)
iam, lam, ecs, ssm = c("iam"), c("lambda"), c("ecs"), c("ssm")
role = iam.create_role(RoleName="bench-fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("index.py", "def handler(e, c):\n    return 1\n")
code = buf.getvalue()
pw = lambda: "".join(rnd.choice(alnum) for _ in range(18)) + "#7"
for i in range(n):
    env = {"LOG_LEVEL": "info", "TABLE": f"orders-{i}", "REGION_HINT": "us-east-1", "FEATURE_X": "true",
           "DB_PASSWORD": pw() if i % 10 == 0 else f"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-{i}"}
    lam.create_function(FunctionName=f"fn-{i:04d}", Runtime="python3.12", Role=role, Handler="index.handler",
                        Code={"ZipFile": code}, Environment={"Variables": env})
    ecs.register_task_definition(family=f"svc-{i:04d}", containerDefinitions=[{"name": "app", "image": "app", "memory": 128,
        "environment": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "PORT", "value": "8080"},
                        {"name": "API_TOKEN", "value": pw() if i % 10 == 0 else "${API_TOKEN}"}, {"name": "MODE", "value": "prod"}]}])
    ssm.put_parameter(Name=f"/bench/app-{i:04d}/setting", Type="String", Value=pw() if i % 10 == 0 else f"value-{i}")
print(f"seeded {n} functions, {n} task definitions, {n} parameters", file=sys.stderr)
