#!/usr/bin/env python3
"""TEST-ONLY: seeds a scenario into a running tests/moto/secretlens_moto.py server.

    seed.py ENDPOINT SCENARIO[,SCENARIO...] --now EPOCH_SECONDS

Uses boto3 with dummy credentials against ENDPOINT, and the test extension's
``/_secretlens_test/secret_dates`` route to backdate secrets relative to ``--now`` (the same
instant the test passes to ``secretlens audit --as-of``). Prints one JSON object on stdout:
what was created (names, ARNs, key ids) per scenario. Resets the server's call log at the end,
so that the calls recorded afterwards are the auditor's alone.
"""

import argparse
import json
import os
import sys
import urllib.request

DAY = 86400


def use_dummy_credentials():
    """Drops every ``AWS_*`` variable and sets dummy credentials, no config or credentials file
    and no instance metadata, so that boto3 can only ever talk to the test endpoint. Runs when
    this module is imported (tests/moto/test_fault_proxy.py imports it for this)."""
    for var in list(os.environ):
        if var.startswith("AWS_"):
            del os.environ[var]
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": "/nonexistent/secretlens-test-aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/secretlens-test-aws-credentials",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )


use_dummy_credentials()

import boto3  # noqa: E402  (after the environment is clean)


class Seeder:
    def __init__(self, endpoint, now):
        self.endpoint = endpoint.rstrip("/")
        self.now = now
        self.out = {}

    def client(self, service, region="us-east-1"):
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint)

    def test_route(self, route, payload=None):
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(
            f"{self.endpoint}/_secretlens_test/{route}",
            data=data,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)

    def days_ago(self, days):
        return self.now - days * DAY

    def set_dates(self, name, region="us-east-1", **dates):
        return self.test_route("secret_dates", {"region": region, "name": name, **dates})

    # ---- scenarios ------------------------------------------------------------------------

    def rotation(self):
        """prod/legacy/db: 200 days old, never rotated, never accessed. prod/app/api-key:
        rotated every 30 days, last yesterday, next in 29 days, created 100 days ago, last
        accessed yesterday (AWS reports LastAccessedDate truncated to the day)."""
        sm = self.client("secretsmanager")
        legacy = sm.create_secret(Name="prod/legacy/db", SecretString="not-read")
        self.set_dates(
            "prod/legacy/db",
            created_date=self.days_ago(200),
            last_changed_date=self.days_ago(200),
        )
        api = sm.create_secret(Name="prod/app/api-key", SecretString="not-read")
        # moto 5.2.1 looks the rotation Lambda up in its own Lambda backend and fails with
        # ResourceNotFoundException when it does not exist (and invoking one needs Docker), so
        # rotation is enabled with RotationRules alone, which moto accepts: RotationEnabled
        # becomes true and RotationLambdaARN is "".
        sm.rotate_secret(SecretId="prod/app/api-key", RotationRules={"AutomaticallyAfterDays": 30})
        self.set_dates(
            "prod/app/api-key",
            created_date=self.days_ago(100),
            last_changed_date=self.days_ago(1),
            last_rotated_date=self.days_ago(1),
            next_rotation_date=self.now + 29 * DAY,
            last_accessed_date=(self.now // DAY - 1) * DAY,
        )
        return {"legacy": legacy["ARN"], "api_key": api["ARN"]}

    def kms(self):
        """prod/app/cmk encrypted with a customer managed key through alias/app;
        prod/app/default-key with no KmsKeyId (the AWS managed key)."""
        kms = self.client("kms")
        key = kms.create_key(Description="secretlens test CMK")["KeyMetadata"]
        kms.create_alias(AliasName="alias/app", TargetKeyId=key["KeyId"])
        sm = self.client("secretsmanager")
        cmk = sm.create_secret(Name="prod/app/cmk", SecretString="not-read", KmsKeyId="alias/app")
        default = sm.create_secret(Name="prod/app/default-key", SecretString="not-read")
        return {
            "key_id": key["KeyId"],
            "key_arn": key["Arn"],
            "cmk": cmk["ARN"],
            "default_key": default["ARN"],
        }

    def policy(self):
        """prod/app/shared with a resource policy."""
        sm = self.client("secretsmanager")
        shared = sm.create_secret(Name="prod/app/shared", SecretString="not-read")
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowAppRole",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": "*",
                }
            ],
        }
        sm.put_resource_policy(SecretId="prod/app/shared", ResourcePolicy=json.dumps(policy))
        return {"shared": shared["ARN"], "sid": "AllowAppRole"}

    def deletion(self):
        """prod/app/retired scheduled for deletion with a 7-day recovery window."""
        sm = self.client("secretsmanager")
        retired = sm.create_secret(Name="prod/app/retired", SecretString="not-read")
        sm.delete_secret(SecretId="prod/app/retired", RecoveryWindowInDays=7)
        return {"retired": retired["ARN"]}

    def replication(self):
        """prod/app/replicated in us-east-1, replicated to eu-west-1; prod/eu/local lives in
        eu-west-1 only."""
        sm = self.client("secretsmanager")
        primary = sm.create_secret(Name="prod/app/replicated", SecretString="not-read")
        sm.replicate_secret_to_regions(
            SecretId="prod/app/replicated", AddReplicaRegions=[{"Region": "eu-west-1"}]
        )
        local = self.client("secretsmanager", "eu-west-1").create_secret(
            Name="prod/eu/local", SecretString="not-read"
        )
        return {"primary": primary["ARN"], "local": local["ARN"]}

    def multi_account(self):
        """One secret in each of two member accounts, created with credentials of the
        SecretlensAudit role assumed in that account (moto maps assumed-role credentials to the
        role's account)."""
        out = {}
        sts = self.client("sts")
        for account in ("111111111111", "222222222222"):
            creds = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/SecretlensAudit", RoleSessionName="seed"
            )["Credentials"]
            sm = boto3.client(
                "secretsmanager",
                endpoint_url=self.endpoint,
                region_name="us-east-1",
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
            out[account] = sm.create_secret(Name=f"prod/member-{account[:3]}/db", SecretString="not-read")["ARN"]
        return out

    def kms_state(self):
        """SL402/SL403 (tests/moto_kms_replication.rs): prod/kms/disabled under a CMK that is
        then disabled; prod/kms/pending under a CMK then scheduled for deletion in 7 days;
        prod/kms/rotating under a CMK with automatic rotation on; prod/kms/gone naming a key ARN
        that never existed (moto accepts it; DescribeKey answers NotFoundException);
        prod/kms/rotating-alias under the rotating CMK named by an alias (one key, two
        references: described once)."""
        kms = self.client("kms")
        disabled = kms.create_key(Description="secretlens test: disabled")["KeyMetadata"]
        pending = kms.create_key(Description="secretlens test: pending deletion")["KeyMetadata"]
        rotating = kms.create_key(Description="secretlens test: rotating")["KeyMetadata"]
        kms.enable_key_rotation(KeyId=rotating["KeyId"])
        kms.create_alias(AliasName="alias/rotating", TargetKeyId=rotating["KeyId"])
        account = rotating["Arn"].split(":")[4]
        gone = f"arn:aws:kms:us-east-1:{account}:key/00000000-0000-4000-8000-000000000000"
        sm = self.client("secretsmanager")
        out = {}
        for name, key in (
            ("prod/kms/disabled", disabled["KeyId"]),
            ("prod/kms/pending", pending["Arn"]),
            ("prod/kms/rotating", rotating["Arn"]),
            ("prod/kms/gone", gone),
            ("prod/kms/rotating-alias", "alias/rotating"),
        ):
            out[name] = sm.create_secret(Name=name, SecretString="not-read", KmsKeyId=key)["ARN"]
        kms.disable_key(KeyId=disabled["KeyId"])
        deletion = kms.schedule_key_deletion(KeyId=pending["KeyId"], PendingWindowInDays=7)
        out.update(
            {
                "disabled_key": disabled["Arn"],
                "pending_key": pending["Arn"],
                "rotating_key": rotating["Arn"],
                "gone_key": gone,
                "deletion_date": int(deletion["DeletionDate"].timestamp()),
            }
        )
        return out

    def replication_health(self):
        """SL501-SL503 (tests/moto_kms_replication.rs), all in us-east-1:
        prod/dr/replicated under CMK alias/dr, replicated to eu-west-1 without a replica key (so
        the replica uses aws/secretsmanager); prod/dr/single, not replicated; prod/dr/conflict,
        whose replication to eu-west-1 Failed because eu-west-1 already has a secret of that
        name (moto's only way to a Failed replica); dr/tagged/api-key, tagged DR=required and
        not replicated (selected only by a required_tag config)."""
        kms = self.client("kms")
        key = kms.create_key(Description="secretlens test: dr")["KeyMetadata"]
        kms.create_alias(AliasName="alias/dr", TargetKeyId=key["KeyId"])
        sm = self.client("secretsmanager")
        eu = self.client("secretsmanager", "eu-west-1")
        out = {"key_arn": key["Arn"]}
        out["replicated"] = sm.create_secret(Name="prod/dr/replicated", SecretString="not-read", KmsKeyId="alias/dr")["ARN"]
        sm.replicate_secret_to_regions(SecretId="prod/dr/replicated", AddReplicaRegions=[{"Region": "eu-west-1"}])
        out["single"] = sm.create_secret(Name="prod/dr/single", SecretString="not-read")["ARN"]
        out["conflict_eu"] = eu.create_secret(Name="prod/dr/conflict", SecretString="not-read")["ARN"]
        out["conflict"] = sm.create_secret(Name="prod/dr/conflict", SecretString="not-read")["ARN"]
        sm.replicate_secret_to_regions(SecretId="prod/dr/conflict", AddReplicaRegions=[{"Region": "eu-west-1"}])
        out["tagged"] = sm.create_secret(
            Name="dr/tagged/api-key", SecretString="not-read", Tags=[{"Key": "DR", "Value": "required"}]
        )["ARN"]
        return out

    # ---- CloudTrail (tests/moto_cloudtrail.rs); not part of "all" ---------------------------

    def cloudtrail_trail(self):
        """A multi-region trail homed in us-east-1, logging all management events."""
        self.client("s3").create_bucket(Bucket="secretlens-test-trail")
        ct = self.client("cloudtrail")
        trail = ct.create_trail(Name="org-main", S3BucketName="secretlens-test-trail", IsMultiRegionTrail=True)
        ct.put_event_selectors(
            TrailName="org-main",
            EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}],
        )
        ct.start_logging(Name="org-main")
        return {"trail": trail["TrailARN"]}

    def cloudtrail_events(self):
        """prod/ct/db readable by role ct-app (identity policy); role ct-intruder has no
        grant. Seeded GetSecretValue events (shapes from the Secrets Manager CloudTrail docs):
        ct-app twice, ct-intruder once; a RotationFailed on prod/ct/rotating (rotating every
        30 days, last rotated 40 days ago). Needs IAM collection ([collection] iam = true)."""
        sm = self.client("secretsmanager")
        db = sm.create_secret(Name="prod/ct/db", SecretString="not-read")["ARN"]
        rot = sm.create_secret(Name="prod/ct/rotating", SecretString="not-read")["ARN"]
        sm.rotate_secret(SecretId="prod/ct/rotating", RotationRules={"AutomaticallyAfterDays": 30})
        self.set_dates(
            "prod/ct/rotating",
            created_date=self.days_ago(100),
            last_rotated_date=self.days_ago(40),
            next_rotation_date=self.days_ago(10),
        )
        iam = self.client("iam")
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        )
        app = iam.create_role(RoleName="ct-app", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        intruder = iam.create_role(RoleName="ct-intruder", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
        iam.put_role_policy(
            RoleName="ct-app",
            PolicyName="read-db",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": db}
                    ],
                }
            ),
        )
        account = db.split(":")[4]
        events = [
            self.read_event(app, account, db, "prod/ct/db", 2 * 3600, "10.0.0.5"),
            self.read_event(app, account, db, "prod/ct/db", 26 * 3600, "10.0.0.6"),
            self.read_event(intruder, account, db, "prod/ct/db", 3600, "203.0.113.9"),
            {
                "eventVersion": "1.05",
                "userIdentity": {"accountId": account, "invokedBy": "secretsmanager.amazonaws.com"},
                "eventTime": self.iso(self.now - 3 * DAY),
                "eventSource": "secretsmanager.amazonaws.com",
                "eventName": "RotationFailed",
                "awsRegion": "us-east-1",
                "sourceIPAddress": "secretsmanager.amazonaws.com",
                "userAgent": "secretsmanager.amazonaws.com",
                "requestParameters": None,
                "responseElements": None,
                "additionalEventData": {"SecretId": rot},
                "eventID": "rotation-failed-1",
                "readOnly": False,
                "eventType": "AwsServiceEvent",
                "recipientAccountId": account,
            },
            # Older than the 7-day window: never counted.
            self.read_event(intruder, account, db, "prod/ct/db", 20 * DAY, "203.0.113.10"),
        ]
        self.test_route("cloudtrail_events", {"region": "us-east-1", "events": events})
        return {"db": db, "rotating": rot, "app": app, "intruder": intruder}

    def cloudtrail_malformed(self):
        """Two unparseable events (truncated JSON, not an object) in us-east-1."""
        good = json.dumps(self.read_event("arn:aws:iam::123456789012:role/x", "123456789012", "x", "x", 60, "10.0.0.1"))
        self.test_route("cloudtrail_events", {"region": "us-east-1", "events": [good[: len(good) // 2], "[1, 2]"]})
        return {"malformed": 2}

    @staticmethod
    def iso(epoch):
        import datetime

        return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def read_event(self, role_arn, account, secret_arn, secret_id, ago_secs, ip):
        """A GetSecretValue by an assumed-role session of `role_arn`."""
        role = role_arn.rsplit("/", 1)[-1]
        return {
            "eventVersion": "1.08",
            "userIdentity": {
                "type": "AssumedRole",
                "principalId": f"AROAEXAMPLE:{role}-session",
                "arn": f"arn:aws:sts::{account}:assumed-role/{role}/i-0abc",
                "accountId": account,
                "accessKeyId": "ASIAEXAMPLE",
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": "AROAEXAMPLE",
                        "arn": role_arn,
                        "accountId": account,
                        "userName": role,
                    },
                    "attributes": {"creationDate": self.iso(self.now - ago_secs - 60), "mfaAuthenticated": "false"},
                },
            },
            "eventTime": self.iso(self.now - ago_secs),
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": "GetSecretValue",
            "awsRegion": "us-east-1",
            "sourceIPAddress": ip,
            "userAgent": "aws-sdk-java/2.20 Linux/5.10",
            "requestParameters": {"secretId": secret_id},
            "responseElements": None,
            "requestID": f"req-{ago_secs}-{role}",
            "eventID": f"evt-{ago_secs}-{role}",
            "readOnly": True,
            "resources": [{"accountId": account, "type": "AWS::SecretsManager::Secret", "ARN": secret_arn}],
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account,
            "eventCategory": "Management",
        }

    def leaked_key(self):
        """IAM user leaky-ci with one active access key (moto issues a real-format AKIA id that
        encodes the account). Returns the user and the key id; the secret key is discarded."""
        iam = self.client("iam")
        iam.create_user(UserName="leaky-ci")
        key = iam.create_access_key(UserName="leaky-ci")["AccessKey"]
        return {"user": "leaky-ci", "key_id": key["AccessKeyId"]}

    def leaked_key_inactive(self):
        """Deactivates every access key of leaky-ci (run after leaked_key)."""
        iam = self.client("iam")
        ids = [k["AccessKeyId"] for k in iam.list_access_keys(UserName="leaky-ci")["AccessKeyMetadata"]]
        for kid in ids:
            iam.update_access_key(UserName="leaky-ci", AccessKeyId=kid, Status="Inactive")
        return {"deactivated": ids}

    def access(self):
        """Who can read what (tests/moto_access.rs); start moto with --load-iam-managed-policies.
        Account 123456789012, us-east-1. Policies: read-app (customer managed: GetSecretValue on
        access/app-*), s3-only (a boundary). Group devs with AWS managed SecretsManagerReadWrite;
        user dev-user in it with an active access key. Roles: app-role (read-app), denied-role
        (secretsmanager:* with an explicit Deny of GetSecretValue on access/app-*), power-role
        (NotAction iam:*), bounded-role (GetSecretValue on * under the s3-only boundary).
        Secrets: access/app-db (tag Environment=prod, no resource policy), access/public
        (Principal "*"), access/org ("*" with aws:PrincipalOrgID), access/cross (account
        444455556666). KMS grants: access/granted is encrypted with a customer managed key whose
        (default) policy trusts the account; grant-role and nogrant-role may GetSecretValue on it
        but have no kms:Decrypt; a grant (returned as "grant_id") gives grant-role Decrypt."""
        acct = "123456789012"
        iam = self.client("iam")
        doc = lambda *s: json.dumps({"Version": "2012-10-17", "Statement": list(s)})
        app_arn = f"arn:aws:secretsmanager:us-east-1:{acct}:secret:access/app-*"
        read_app = iam.create_policy(PolicyName="read-app", PolicyDocument=doc(
            {"Sid": "ReadApp", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": app_arn}))["Policy"]["Arn"]
        s3_only = iam.create_policy(PolicyName="s3-only", PolicyDocument=doc(
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}))["Policy"]["Arn"]
        trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
        iam.create_group(GroupName="devs")
        iam.attach_group_policy(GroupName="devs", PolicyArn="arn:aws:iam::aws:policy/SecretsManagerReadWrite")
        iam.create_user(UserName="dev-user")
        iam.add_user_to_group(GroupName="devs", UserName="dev-user")
        key = iam.create_access_key(UserName="dev-user")["AccessKey"]["AccessKeyId"]
        iam.create_role(RoleName="app-role", AssumeRolePolicyDocument=trust)
        iam.attach_role_policy(RoleName="app-role", PolicyArn=read_app)
        iam.create_role(RoleName="denied-role", AssumeRolePolicyDocument=trust)
        iam.put_role_policy(RoleName="denied-role", PolicyName="all-but-app", PolicyDocument=doc(
            {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"},
            {"Sid": "NoAppSecrets", "Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": app_arn}))
        iam.create_role(RoleName="power-role", AssumeRolePolicyDocument=trust)
        iam.put_role_policy(RoleName="power-role", PolicyName="power", PolicyDocument=doc(
            {"Sid": "PowerUser", "Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}))
        iam.create_role(RoleName="bounded-role", AssumeRolePolicyDocument=trust, PermissionsBoundary=s3_only)
        iam.put_role_policy(RoleName="bounded-role", PolicyName="read-all", PolicyDocument=doc(
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
        sm = self.client("secretsmanager")
        out = {"access_key": key}
        out["app_db"] = sm.create_secret(Name="access/app-db", SecretString="not-read",
                                         Tags=[{"Key": "Environment", "Value": "prod"}])["ARN"]
        policies = {
            "public": doc({"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}),
            "org": doc({"Sid": "OrgOnly", "Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}),
            "cross": doc({"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                          "Action": "secretsmanager:GetSecretValue", "Resource": "*"}),
        }
        for name, policy in policies.items():
            out[name] = sm.create_secret(Name=f"access/{name}", SecretString="not-read")["ARN"]
            sm.put_resource_policy(SecretId=f"access/{name}", ResourcePolicy=policy)
        granted_arn = f"arn:aws:secretsmanager:us-east-1:{acct}:secret:access/granted-*"
        for r in ("grant-role", "nogrant-role"):
            iam.create_role(RoleName=r, AssumeRolePolicyDocument=trust)
            iam.put_role_policy(RoleName=r, PolicyName="read-granted", PolicyDocument=doc(
                {"Sid": "ReadGranted", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": granted_arn}))
        kms = self.client("kms")
        key = kms.create_key(Description="access grants")["KeyMetadata"]["Arn"]
        out["granted"] = sm.create_secret(Name="access/granted", SecretString="not-read", KmsKeyId=key)["ARN"]
        out["grant_id"] = kms.create_grant(KeyId=key, GranteePrincipal=f"arn:aws:iam::{acct}:role/grant-role",
                                           Operations=["Decrypt", "DescribeKey"], Name="app-decrypt")["GrantId"]
        return out

    def exposure(self):
        """Credentials outside Secrets Manager (tests/moto_exposure.rs), us-east-1. Plants:
        synthetic credentials in Lambda environments, ECS task definitions, EC2 user data (plain,
        gzip, MIME), a launch template, a launch configuration, CloudFormation outputs and
        parameters, SSM String/StringList parameters, CodeBuild PLAINTEXT variables, a Step
        Functions definition and a Batch job definition. Decoys: references to secrets,
        placeholders, flags, identifiers, a terminated instance, an old ECS revision, NoEcho
        parameters, SecureString parameters and non-PLAINTEXT CodeBuild variables. Returns
        {"plants": [{arn_contains, location, value}], "decoys": [{arn_contains, location}],
        "secret_values": [every planted value, and the values that must never be read]}."""
        import base64, gzip, random, string, zlib

        rnd = random.Random(14)
        acct = "123456789012"
        alnum = string.ascii_letters + string.digits

        def r(alpha, n):
            return "".join(rnd.choice(alpha) for _ in range(n))

        def password():
            while True:
                v = r(alnum + "#%+=!", 18)
                if any(c.isupper() for c in v) and any(c.islower() for c in v) and any(c.isdigit() for c in v):
                    return v

        def github():
            body = r(alnum, 30)
            n, out = zlib.crc32(body.encode()), ""
            b62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
            while n:
                n, m = divmod(n, 62)
                out = b62[m] + out
            return "ghp_" + body + out.rjust(6, "0")

        def pem():
            lines = "\n".join(r(alnum + "+/", 64) for _ in range(8))
            return f"-----BEGIN RSA PRIVATE KEY-----\nMIIEow{lines}\n-----END RSA PRIVATE KEY-----"

        plants, decoys, never = [], [], []

        def plant(arn_contains, location, value):
            plants.append({"arn_contains": arn_contains, "location": location, "value": value})
            return value

        def decoy(arn_contains, location):
            decoys.append({"arn_contains": arn_contains, "location": location})

        sm = self.client("secretsmanager")
        ref_arn = sm.create_secret(Name="prod/orders/db", SecretString="not-read")["ARN"]
        iam = self.client("iam")
        role = iam.create_role(RoleName="exposure-lambda", AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        iam.create_user(UserName="exposed-ci")
        live_key = iam.create_access_key(UserName="exposed-ci")["AccessKey"]["AccessKeyId"]

        # Lambda: one leaky function, one clean one full of decoys.
        lam = self.client("lambda")
        import io, zipfile
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("index.py", "def handler(e, c):\n    return 1\n")
        code = {"ZipFile": buf.getvalue()}
        env = {
            "DB_PASSWORD": plant("function:orders-api", "DB_PASSWORD", password()),
            "STRIPE_SECRET_KEY": plant("function:orders-api", "STRIPE_SECRET_KEY", "sk_live_" + r(alnum, 24)),
            "GITHUB_TOKEN": plant("function:orders-api", "GITHUB_TOKEN", github()),
            "AWS_ACCESS_KEY_ID": plant("function:orders-api", "AWS_ACCESS_KEY_ID", live_key),
            "AWS_SECRET_ACCESS_KEY": plant("function:orders-api", "AWS_SECRET_ACCESS_KEY", r(alnum, 18) + "/" + r(alnum, 10) + "+" + r(alnum, 10)),
            "SLACK_WEBHOOK_URL": plant("function:orders-api", "SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T" + r(string.ascii_uppercase + string.digits, 8) + "/B" + r(string.ascii_uppercase + string.digits, 10) + "/" + r(alnum, 24)),
            "DATABASE_URL": plant("function:orders-api", "DATABASE_URL", "postgres://orders:" + r(alnum, 20) + "@db.internal:5432/orders"),
            "SERVICE_API_KEY": plant("function:orders-api", "SERVICE_API_KEY", r(alnum, 32)),
        }
        lam.create_function(FunctionName="orders-api", Runtime="python3.12", Role=role, Handler="index.handler", Code=code, Environment={"Variables": env})
        clean = {
            "DB_SECRET_ARN": ref_arn,
            "DB_PASSWORD": ref_arn,
            "DB_SECRET": "prod/orders/db",
            "MYSQL_ALLOW_EMPTY_PASSWORD": "yes",
            "REQUEST_ID": "3f2b8c1e-9a4d-4e6f-8b7a-2c1d0e9f8a7b",
            "PASSWORD_MIN_LENGTH": "12",
            "API_KEY": "changeme",
            "ADMIN_PASSWORD": "<password>",
            "AUTH_TOKEN": "${AUTH_TOKEN}",
            "TOKEN_URL": "https://auth.internal/oauth2/token",
            "BUILD_SHA": "9fceb02d0ae598e95dc970b74767f19372d61af8",
            "SECRET_NAME": "prod/orders/api-key-2024",
            "AWS_ACCESS_KEY_ID_PARAM": "/prod/keys/ci",
            "ENABLE_TOKEN_CACHE": "true",
        }
        for k in clean:
            decoy("function:clean-fn", k)
        header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
        claims = base64.urlsafe_b64encode(json.dumps({"sub": "svc-notifier", "iat": 1767225600}).encode()).decode().rstrip("=")
        notifier = {
            "SMTP_PASSWORD": plant("function:notifier", "SMTP_PASSWORD", password()),
            "JWT_SIGNING_KEY": plant("function:notifier", "JWT_SIGNING_KEY", r(alnum, 40)),
            "UPSTREAM_BEARER": plant("function:notifier", "UPSTREAM_BEARER", f"{header}.{claims}." + r(alnum + "-_", 43)),
            "TWILIO_AUTH_TOKEN": plant("function:notifier", "TWILIO_AUTH_TOKEN", r("0123456789abcdef", 32)),
        }
        lam.create_function(FunctionName="notifier", Runtime="python3.12", Role=role, Handler="index.handler", Code=code, Environment={"Variables": notifier})
        lam.create_function(FunctionName="clean-fn", Runtime="python3.12", Role=role, Handler="index.handler", Code=code, Environment={"Variables": clean})

        # ECS: revision 1 of `web` is old (decoys only), revision 2 is the latest, with plants.
        ecs = self.client("ecs")
        ecs.register_task_definition(family="web", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128,
            "environment": [{"name": "LOG_LEVEL", "value": "info"}]}])
        ecs.register_task_definition(family="web", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128,
            "environment": [
                {"name": "SENDGRID_PASSWORD", "value": plant("task-definition/web:2", "container web: SENDGRID_PASSWORD", password())},
                {"name": "GITLAB_TOKEN", "value": plant("task-definition/web:2", "container web: GITLAB_TOKEN", "glpat-" + r(alnum, 20))},
                {"name": "CONFIG_HASH", "value": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
            ],
            "secrets": [{"name": "DB_PASSWORD", "valueFrom": ref_arn}],
            "command": ["sh", "-c", "curl -fsS https://deploy:" + plant("task-definition/web:2", "container web: command line 1", r(alnum, 22)) + "@artifacts.internal/pkg.tgz | tar xz"],
        }])
        decoy("task-definition/web:2", "container web: CONFIG_HASH")
        decoy("task-definition/web:2", "container web: DB_PASSWORD")
        ecs.register_task_definition(family="api", containerDefinitions=[{"name": "api", "image": "api", "memory": 128,
            "environment": [{"name": "MYSQL_ALLOW_EMPTY_PASSWORD", "value": "yes"}, {"name": "JAVA_OPTS", "value": "-Xmx512m"},
                            {"name": "PASSWORD_FILE", "value": "/run/secrets/db_password"}]}])
        for k in ("MYSQL_ALLOW_EMPTY_PASSWORD", "JAVA_OPTS", "PASSWORD_FILE"):
            decoy("task-definition/api:1", "container api: " + k)

        # EC2: plain and gzip user data on live instances, a terminated instance, a launch
        # template (two versions) and a launch configuration.
        ec2 = self.client("ec2")
        ami = "ami-12c6146b"
        gl = plant("build-runner", "userData line 3", "glpat-" + r(alnum, 20))
        script = f"#!/bin/bash\nyum -y update\nexport GITLAB_TOKEN={gl}\necho done\n"
        ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, UserData=script,
                          TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "build-runner"}]}])
        key = pem()
        plants.append({"arn_contains": "bastion", "location": "userData line 3", "value": key})
        gz = gzip.compress(f"#!/bin/bash\ncat > /root/.ssh/id_rsa <<'EOF'\n{key}\nEOF\n".encode())
        ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, UserData=gz,
                          TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "bastion"}]}])
        dead = r(alnum, 20)
        never.append("glpat-" + dead)
        t = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, UserData=f"export GITLAB_TOKEN=glpat-{dead}\n")["Instances"][0]["InstanceId"]
        ec2.terminate_instances(InstanceIds=[t])
        lt_v1 = plant("launch-template/", "version 1 userData line 1", github())
        lt = ec2.create_launch_template(LaunchTemplateName="web-lt", LaunchTemplateData={"ImageId": ami,
            "UserData": base64.b64encode(f"export GH_TOKEN={lt_v1}\n".encode()).decode()})["LaunchTemplate"]["LaunchTemplateId"]
        slack = "xoxb-" + r(string.digits, 11) + "-" + r(string.digits, 13) + "-" + r(alnum, 24)
        plant("launch-template/", "version 2 userData line 2", slack)
        ec2.create_launch_template_version(LaunchTemplateId=lt, LaunchTemplateData={"ImageId": ami,
            "UserData": base64.b64encode(f"#!/bin/sh\nSLACK_BOT_TOKEN={slack}\n".encode()).decode()})
        asg = self.client("autoscaling")
        lc_pw = plant("launchConfigurationName/legacy-lc", "userData line 2", "mysql://app:" + r(alnum, 20) + "@db.internal/app")
        asg.create_launch_configuration(LaunchConfigurationName="legacy-lc", ImageId=ami, InstanceType="t3.micro",
                                        UserData=f"#!/bin/sh\nDATABASE_URL={lc_pw}\n")

        # CloudFormation: outputs and parameters; a NoEcho parameter and a dynamic reference are decoys.
        cfn = self.client("cloudformation")
        api_key = plant("stack/payments", "parameter PaymentApiKey", r(alnum, 32))
        out_token = plant("stack/payments", "output ServiceToken", "sk_live_" + r(alnum, 24))
        template = {
            "Parameters": {
                "PaymentApiKey": {"Type": "String"},
                "DbPassword": {"Type": "String", "NoEcho": True},
                "Stage": {"Type": "String"},
            },
            "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {
                "ServiceToken": {"Value": out_token},
                "BucketId": {"Value": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"},
                "DbSecretArn": {"Value": ref_arn},
                "ApiEndpoint": {"Value": "https://api.internal/v1"},
            },
        }
        noecho = password()
        never.append(noecho)
        cfn.create_stack(StackName="payments", TemplateBody=json.dumps(template), Parameters=[
            {"ParameterKey": "PaymentApiKey", "ParameterValue": api_key},
            {"ParameterKey": "DbPassword", "ParameterValue": noecho},
            {"ParameterKey": "Stage", "ParameterValue": "prod"},
        ])
        for loc in ("parameter DbPassword", "parameter Stage", "output BucketId", "output DbSecretArn", "output ApiEndpoint"):
            decoy("stack/payments", loc)

        # SSM: String/StringList plants; references, flags and a SecureString are decoys.
        ssm = self.client("ssm")
        ssm.put_parameter(Name="/prod/orders/db_password", Type="String", Value=plant("parameter/prod/orders/db_password", "/prod/orders/db_password", password()))
        ssm.put_parameter(Name="/prod/alerts/slack_webhook", Type="String", Value=plant("parameter/prod/alerts/slack_webhook", "/prod/alerts/slack_webhook",
            "https://hooks.slack.com/services/T" + r(string.ascii_uppercase + string.digits, 8) + "/B" + r(string.ascii_uppercase + string.digits, 10) + "/" + r(alnum, 24)))
        ssm.put_parameter(Name="/prod/ci/tokens", Type="StringList", Value="ci," + plant("parameter/prod/ci/tokens", "/prod/ci/tokens", github()))
        ssm.put_parameter(Name="/prod/orders/db_secret_arn", Type="String", Value=ref_arn)
        ssm.put_parameter(Name="/prod/flags/use_token_cache", Type="String", Value="true")
        ssm.put_parameter(Name="/prod/orders/db_password_length", Type="String", Value="24")
        secure = password()
        never.append(secure)
        ssm.put_parameter(Name="/prod/orders/real_password", Type="SecureString", Value=secure)
        for n in ("/prod/orders/db_secret_arn", "/prod/flags/use_token_cache", "/prod/orders/db_password_length"):
            decoy("parameter" + n, n)

        # CodeBuild: PLAINTEXT plants; SECRETS_MANAGER and PARAMETER_STORE variables are decoys.
        cb = self.client("codebuild")
        cb.create_project(name="release", source={"type": "S3", "location": "artifacts-bucket/release/source.zip"}, artifacts={"type": "NO_ARTIFACTS"},
            serviceRole=role, environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL",
            "environmentVariables": [
                {"name": "GITHUB_TOKEN", "value": plant("project/release", "GITHUB_TOKEN", github()), "type": "PLAINTEXT"},
                {"name": "DOCKER_PASSWORD", "value": plant("project/release", "DOCKER_PASSWORD", password()), "type": "PLAINTEXT"},
                {"name": "NPM_TOKEN", "value": "prod/ci/npm", "type": "SECRETS_MANAGER"},
                {"name": "SONAR_TOKEN", "value": "/prod/ci/sonar", "type": "PARAMETER_STORE"},
                {"name": "NODE_ENV", "value": "production", "type": "PLAINTEXT"},
            ]})
        for k in ("NPM_TOKEN", "SONAR_TOKEN", "NODE_ENV"):
            decoy("project/release", k)

        # Step Functions: a definition with a webhook and a key; the secret ARN is a decoy.
        sfn = self.client("stepfunctions")
        hook = "https://hooks.slack.com/services/T" + r(string.ascii_uppercase + string.digits, 8) + "/B" + r(string.ascii_uppercase + string.digits, 10) + "/" + r(alnum, 24)
        gkey = "AIza" + r(alnum + "-_", 35)
        definition = json.dumps({"StartAt": "Fetch", "States": {
            "Fetch": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:secretsmanager:getSecretValue",
                      "Parameters": {"SecretId": ref_arn}, "Next": "Notify"},
            "Notify": {"Type": "Pass", "Parameters": {"url": hook, "mapsKey": gkey}, "End": True}}}, indent=2)
        lines = definition.split("\n")
        line_of = lambda v: next(i + 1 for i, l in enumerate(lines) if v in l)
        plant("stateMachine:nightly-export", f"definition line {line_of(hook)}", hook)
        plant("stateMachine:nightly-export", f"definition line {line_of(gkey)}", gkey)
        decoy("stateMachine:nightly-export", f"definition line {line_of(ref_arn)}")
        sfn.create_state_machine(name="nightly-export", definition=definition, roleArn=role)

        # Batch: a job definition with a password in its environment.
        batch = self.client("batch")
        batch.register_job_definition(jobDefinitionName="etl", type="container", containerProperties={
            "image": "etl", "vcpus": 1, "memory": 512,
            "environment": [
                {"name": "WAREHOUSE_PASSWORD", "value": plant("job-definition/etl", "WAREHOUSE_PASSWORD", password())},
                {"name": "WAREHOUSE_USER", "value": "etl_loader"},
            ],
            "command": ["python", "etl.py", "--since", "yesterday"]})
        decoy("job-definition/etl", "WAREHOUSE_USER")
        return {"plants": plants, "decoys": decoys, "never": never, "live_key": live_key}

    def organization(self):
        """SCPs and RCPs (tests/moto_org.rs). The caller's account 123456789012 creates an
        organization (so it is the management account) with SERVICE_CONTROL_POLICY and
        RESOURCE_CONTROL_POLICY enabled, and two member accounts (moto picks their ids):
        "restricted", moved into OU "restricted" which has the SCP DenySecretReads (Deny
        secretsmanager:GetSecretValue), and "free", under the root, with the RCP LockedSecrets
        (Deny GetSecretValue to "*" on secrets named org/locked*) attached to the account. In each
        of the three accounts (with credentials of the role SecretlensAudit assumed there: moto
        maps them to that account): role "reader" allowed GetSecretValue on "*", and secret
        org/app; in "free" also org/locked."""
        mgmt = "123456789012"
        org = self.client("organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        for t in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
            org.enable_policy_type(RootId=root, PolicyType=t)
        accounts = {}
        for name in ("restricted", "free"):
            status = org.create_account(AccountName=name, Email=f"{name}@example.com")
            accounts[name] = status["CreateAccountStatus"]["AccountId"]
        ou = org.create_organizational_unit(ParentId=root, Name="restricted")["OrganizationalUnit"]["Id"]
        org.move_account(AccountId=accounts["restricted"], SourceParentId=root, DestinationParentId=ou)
        doc = lambda *s: json.dumps({"Version": "2012-10-17", "Statement": list(s)})
        scp = org.create_policy(
            Name="DenySecretReads", Type="SERVICE_CONTROL_POLICY", Description="no reads",
            Content=doc({"Sid": "NoReads", "Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}),
        )["Policy"]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=scp, TargetId=ou)
        rcp = org.create_policy(
            Name="LockedSecrets", Type="RESOURCE_CONTROL_POLICY", Description="locked",
            Content=doc({"Sid": "Locked", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue",
                         "Resource": "arn:aws:secretsmanager:*:*:secret:org/locked*"}),
        )["Policy"]["PolicySummary"]["Id"]
        org.attach_policy(PolicyId=rcp, TargetId=accounts["free"])
        sts = self.client("sts")
        out = {"management": mgmt, "ou": ou, "root": root, "scp": scp, "rcp": rcp, "secrets": {}}
        out.update(accounts)
        trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
        for account in (mgmt, accounts["restricted"], accounts["free"]):
            creds = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/SecretlensAudit", RoleSessionName="seed"
            )["Credentials"]

            def client(service, creds=creds):
                return boto3.client(
                    service,
                    endpoint_url=self.endpoint,
                    region_name="us-east-1",
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"],
                )

            iam = client("iam")
            iam.create_role(RoleName="reader", AssumeRolePolicyDocument=trust)
            iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=doc(
                {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
            sm = client("secretsmanager")
            names = ["org/app"] + (["org/locked"] if account == accounts["free"] else [])
            out["secrets"][account] = {n: sm.create_secret(Name=n, SecretString="not-read")["ARN"] for n in names}
        return out

    def securityhub_fix(self):
        """Fixes one finding of the rotation scenario between two audits (tests/moto_securityhub.rs):
        prod/legacy/db gets the required tags (Environment, Team, Application), so SL302 passes."""
        self.client("secretsmanager").tag_resource(
            SecretId="prod/legacy/db",
            Tags=[
                {"Key": "Environment", "Value": "prod"},
                {"Key": "Team", "Value": "data"},
                {"Key": "Application", "Value": "legacy"},
            ],
        )
        return {"tagged": "prod/legacy/db"}

    def securityhub_findings(self):
        """Every finding moto's Security Hub holds in us-east-1 (any record state), per account:
        the caller's 123456789012 and, through the role SecretlensAudit, 111111111111 and
        222222222222. Per finding: Id, GeneratorId, RecordState, Compliance status, ProductArn,
        AwsAccountId, Title."""
        out = {}
        sts = self.client("sts")
        for account in ("123456789012", "111111111111", "222222222222"):
            if account == "123456789012":
                sh = self.client("securityhub")
            else:
                creds = sts.assume_role(
                    RoleArn=f"arn:aws:iam::{account}:role/SecretlensAudit", RoleSessionName="seed"
                )["Credentials"]
                sh = boto3.client(
                    "securityhub",
                    endpoint_url=self.endpoint,
                    region_name="us-east-1",
                    aws_access_key_id=creds["AccessKeyId"],
                    aws_secret_access_key=creds["SecretAccessKey"],
                    aws_session_token=creds["SessionToken"],
                )
            found, token = [], None
            while True:
                page = sh.get_findings(MaxResults=100, **({"NextToken": token} if token else {}))
                for f in page["Findings"]:
                    found.append({
                        "Id": f["Id"],
                        "GeneratorId": f.get("GeneratorId"),
                        "RecordState": f.get("RecordState"),
                        "Compliance": (f.get("Compliance") or {}).get("Status"),
                        "ProductArn": f.get("ProductArn"),
                        "AwsAccountId": f.get("AwsAccountId"),
                        "Title": f.get("Title"),
                    })
                token = page.get("NextToken")
                if not token:
                    break
            out[account] = found
        return out

    def s3(self):
        """Bucket secretlens-s3 (for tests/moto_s3.rs) with objects that are not what they are
        read as: junk.json (JSON, neither a report nor an inventory), text.txt (not JSON) and
        v1-report.json (a schema-1 report with one failing finding, a valid --baseline)."""
        from botocore.config import Config

        s3 = boto3.client(
            "s3", region_name="us-east-1", endpoint_url=self.endpoint, config=Config(s3={"addressing_style": "path"})
        )
        bucket = "secretlens-s3"
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="junk.json", Body=b'{"findings": 3}')
        s3.put_object(Bucket=bucket, Key="text.txt", Body=b"hello, not JSON\n")
        v1 = {
            "schema_version": 1,
            "as_of": "2026-11-01T00:00:00Z",
            "generated_at": "2026-11-01T00:00:00Z",
            "findings": [
                {
                    "id": "00000000deadbeef", "check_id": "SL101", "check_name": "rotation-disabled",
                    "title": "Automatic rotation is not enabled", "category": "rotation", "severity": "high",
                    "status": "fail",
                    "resource": {"arn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:gone-AbCdEf",
                                 "name": "gone", "type": "secret", "account": "111122223333", "region": "us-east-1"},
                    "message": "automatic rotation is not enabled", "evidence": {"rotation_enabled": None},
                    "remediation": "Enable rotation.",
                    "frameworks": [{"framework": "AWS FSBP", "control": "SecretsManager.1"}],
                }
            ],
        }
        s3.put_object(Bucket=bucket, Key="v1-report.json", Body=json.dumps(v1).encode())
        return {"bucket": bucket, "keys": ["junk.json", "text.txt", "v1-report.json"]}

    SCENARIOS = ("rotation", "kms", "policy", "deletion", "replication", "kms_state", "replication_health", "multi_account")
    # Accepted by name, not part of "all".
    EXTRA_SCENARIOS = (
        "securityhub_fix",
        "securityhub_findings",
        "cloudtrail_trail",
        "cloudtrail_events",
        "cloudtrail_malformed",
        "leaked_key",
        "leaked_key_inactive",
        "access",
        "exposure",
        "organization",
        "s3",
    )



# --- notify (tests/moto_notify.rs) -------------------------------------------------------------
NOTIFY_QUEUES = ("secretlens-alerts-q", "secretlens-alerts-q.fifo", "secretlens-bus-q")


def _seed_notify(self):
    """notify: SNS topics (standard and FIFO) and an EventBridge bus with a rule on
    `source: secretlens`, each delivering to its own SQS queue (NOTIFY_QUEUES)."""
    sqs, sns, events = self.client("sqs"), self.client("sns"), self.client("events")
    out = {}

    def queue(name):
        attrs = {"FifoQueue": "true"} if name.endswith(".fifo") else {}
        url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    for topic, q in (("secretlens-alerts", NOTIFY_QUEUES[0]), ("secretlens-alerts.fifo", NOTIFY_QUEUES[1])):
        attrs = {"FifoTopic": "true"} if topic.endswith(".fifo") else {}
        arn = sns.create_topic(Name=topic, Attributes=attrs)["TopicArn"]
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue(q))
        out[topic] = arn
    out["bus"] = events.create_event_bus(Name="secretlens-bus")["EventBusArn"]
    events.put_rule(Name="secretlens-changes", EventBusName="secretlens-bus",
                    EventPattern=json.dumps({"source": ["secretlens"]}))
    events.put_targets(Rule="secretlens-changes", EventBusName="secretlens-bus",
                       Targets=[{"Id": "queue", "Arn": queue(NOTIFY_QUEUES[2])}])
    return out


def _seed_notify_read(self):
    """notify_read: drains the notify scenario's queues; returns each queue's message bodies."""
    sqs = self.client("sqs")
    out = {}
    for name in NOTIFY_QUEUES:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        out[name] = []
        while True:
            msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not msgs:
                break
            for m in msgs:
                out[name].append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out


Seeder.notify = _seed_notify
Seeder.notify_read = _seed_notify_read
Seeder.EXTRA_SCENARIOS += ("notify", "notify_read")


# --- fanout (tests/moto_driver.rs, scripts/bench-fanout.sh) -------------------------------------
FANOUT_BUCKET, FANOUT_TOPIC, FANOUT_QUEUE = "secretlens-org", "secretlens-alerts", "secretlens-alerts-q"


def _seed_fanout(self):
    """fanout: an organization (management 123456789012) with ``--fanout ACCOUNTSxSECRETS``
    member accounts (default 20x3; moto picks their ids). In each member (credentials of the
    role SecretlensAudit assumed there): role "app-reader" allowed GetSecretValue on "*" and
    SECRETS secrets app/NN; app/00 is 200 days old and never rotated or accessed (failing
    checks), the others 10 days old. Also the run's bucket, the alert topic and an SQS queue
    subscribed to it (read back with the scenario fanout_alerts)."""
    n_accounts, n_secrets = self.fanout_size
    org = self.client("organizations")
    org.create_organization(FeatureSet="ALL")
    sqs, sns = self.client("sqs"), self.client("sns")
    from botocore.config import Config
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=self.endpoint, config=Config(s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket=FANOUT_BUCKET)
    topic = sns.create_topic(Name=FANOUT_TOPIC)["TopicArn"]
    url = sqs.create_queue(QueueName=FANOUT_QUEUE)["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
    sts = self.client("sts")
    doc = lambda *s: json.dumps({"Version": "2012-10-17", "Statement": list(s)})  # noqa: E731
    trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    accounts = []
    for i in range(n_accounts):
        status = org.create_account(AccountName=f"member-{i:02d}", Email=f"member-{i:02d}@example.com")
        account = status["CreateAccountStatus"]["AccountId"]
        accounts.append(account)
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/SecretlensAudit", RoleSessionName="seed")["Credentials"]
        kw = dict(endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                  aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
        iam = boto3.client("iam", **kw)
        iam.create_role(RoleName="app-reader", AssumeRolePolicyDocument=trust)
        iam.put_role_policy(RoleName="app-reader", PolicyName="read", PolicyDocument=doc(
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
        sm = boto3.client("secretsmanager", **kw)
        for j in range(n_secrets):
            name = f"app/{j:02d}"
            sm.create_secret(Name=name, SecretString="not-read")
            age = 200 if j == 0 else 10
            self.test_route("secret_dates", {"region": "us-east-1", "name": name, "account": account,
                                             "created_date": self.days_ago(age), "last_changed_date": self.days_ago(age)})
    return {"management": "123456789012", "accounts": sorted(accounts), "bucket": FANOUT_BUCKET, "topic": topic}


def _seed_fanout_alerts(self):
    """fanout_alerts: drains the fanout scenario's queue; the messages published to the topic."""
    sqs = self.client("sqs")
    url = sqs.get_queue_url(QueueName=FANOUT_QUEUE)["QueueUrl"]
    out = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            return out
        for m in msgs:
            out.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


Seeder.fanout = _seed_fanout
Seeder.fanout_alerts = _seed_fanout_alerts
Seeder.fanout_size = (20, 3)
Seeder.EXTRA_SCENARIOS += ("fanout", "fanout_alerts")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("endpoint")
    p.add_argument("scenarios", help=f"comma-separated: {', '.join(Seeder.SCENARIOS)} or all")
    p.add_argument("--now", type=int, required=True, help="epoch seconds to backdate against")
    p.add_argument("--fanout", default="20x3", help="the fanout scenario's ACCOUNTSxSECRETS")
    args = p.parse_args()
    try:
        Seeder.fanout_size = tuple(int(x) for x in args.fanout.split("x"))
        assert len(Seeder.fanout_size) == 2
    except (ValueError, AssertionError):
        p.error(f"--fanout {args.fanout!r}: expected ACCOUNTSxSECRETS, e.g. 20x3")
    names = Seeder.SCENARIOS if args.scenarios == "all" else args.scenarios.split(",")
    seeder = Seeder(args.endpoint, args.now)
    for name in names:
        if name not in Seeder.SCENARIOS + Seeder.EXTRA_SCENARIOS:
            p.error(f"unknown scenario {name!r}: use {', '.join(Seeder.SCENARIOS)} or all")
        seeder.out[name] = getattr(seeder, name)()
    seeder.test_route("calls/reset", {})
    json.dump(seeder.out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
