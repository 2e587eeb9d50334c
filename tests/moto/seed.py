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
        444455556666)."""
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
        return out

    SCENARIOS = ("rotation", "kms", "policy", "deletion", "replication", "kms_state", "replication_health", "multi_account")
    # Accepted by name, not part of "all".
    EXTRA_SCENARIOS = (
        "cloudtrail_trail",
        "cloudtrail_events",
        "cloudtrail_malformed",
        "leaked_key",
        "leaked_key_inactive",
        "access",
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("endpoint")
    p.add_argument("scenarios", help=f"comma-separated: {', '.join(Seeder.SCENARIOS)} or all")
    p.add_argument("--now", type=int, required=True, help="epoch seconds to backdate against")
    args = p.parse_args()
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
