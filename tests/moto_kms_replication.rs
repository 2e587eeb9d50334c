//! KMS and replication checks (SL402, SL403, SL501–SL503) against moto in server mode, through
//! the real collection path (see `tests/common/mod.rs`, and `tests/moto/seed.py` for the
//! `kms_state` and `replication_health` scenarios).
//!
//! What moto 5.2.1 does and does not do here, checked by these tests:
//! - `DescribeKey` reports `Disabled`, and `PendingDeletion` with its `DeletionDate`; a key that
//!   never existed answers `NotFoundException`.
//! - `DescribeSecret` returns `ReplicationStatus`; a name conflict in the replica region gives
//!   a `Failed` replica with a status message. moto never reports `InProgress`.
//! - moto ignores the `KmsKeyId` given for a replica and always reports
//!   `alias/aws/secretsmanager`, so a replica on a customer managed key (SL503 pass) and the
//!   description of replica keys in a region outside the audit cannot be exercised here; the
//!   unit tests cover them.

mod common;

use common::{Audit, MotoServer, Sandbox, assert_complete, audit, now};
use serde_json::Value;

fn arn<'a>(seeded: &'a Value, key: &str) -> &'a str {
    seeded[key]
        .as_str()
        .unwrap_or_else(|| panic!("seed output has no {key}: {seeded:#}"))
}

#[test]
fn disabled_pending_and_missing_keys_fail_sl402() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    let seeded = moto.seed("kms_state", epoch);
    let seeded = &seeded["kms_state"];
    let sb = Sandbox::new();
    let (run, r) = audit(&sb, &moto, &as_of, Audit::default());

    // Disabled CMK: a critical failure naming the state.
    r.assert_status("SL402", "prod/kms/disabled", "fail");
    let disabled = r.findings_for("SL402", "prod/kms/disabled")[0];
    assert_eq!(disabled["severity"], "critical");
    assert_eq!(
        disabled["evidence"]["key_state"], "Disabled",
        "{disabled:#}"
    );
    assert_eq!(disabled["evidence"]["key_arn"], arn(seeded, "disabled_key"));
    assert!(
        disabled["message"]
            .as_str()
            .unwrap()
            .contains("is disabled"),
        "{disabled:#}"
    );

    // Scheduled for deletion: the deletion date DescribeKey reported is in the evidence.
    r.assert_status("SL402", "prod/kms/pending", "fail");
    let pending = r.findings_for("SL402", "prod/kms/pending")[0];
    assert_eq!(
        pending["evidence"]["key_state"], "PendingDeletion",
        "{pending:#}"
    );
    let date = pending["evidence"]["deletion_date"]
        .as_str()
        .unwrap_or_else(|| panic!("no deletion_date: {pending:#}"));
    let date = chrono::DateTime::parse_from_rfc3339(date).expect("RFC 3339");
    let want = seeded["deletion_date"]
        .as_i64()
        .expect("seeded deletion date");
    assert!(
        (date.timestamp() - want).abs() <= 1,
        "deletion_date {date} vs seeded {want}"
    );
    let ymd = date.format("%Y-%m-%d").to_string();
    assert!(
        pending["message"]
            .as_str()
            .unwrap()
            .contains(&format!("scheduled for deletion on {ymd}")),
        "{pending:#}"
    );

    // A key that does not exist is a finding (recorded from NotFoundException), not a gap.
    r.assert_status("SL402", "prod/kms/gone", "fail");
    let gone = r.findings_for("SL402", "prod/kms/gone")[0];
    assert_eq!(gone["evidence"]["key_kind"], "missing", "{gone:#}");
    assert!(
        r.gaps().is_empty(),
        "NotFoundException is not a gap: {:#?}",
        r.gaps()
    );

    r.assert_status("SL402", "prod/kms/rotating", "pass");
    r.assert_status("SL402", "prod/kms/rotating-alias", "pass");

    // SL403: one finding per customer key, on the key.
    let rotating = r.on_arn("SL403", arn(seeded, "rotating_key"));
    assert_eq!(rotating["status"], "pass", "{rotating:#}");
    assert_eq!(rotating["resource"]["type"], "kms-key");
    assert_eq!(
        rotating["evidence"]["secrets"][0]["name"],
        "prod/kms/rotating"
    );
    assert_eq!(
        rotating["evidence"]["secrets"][1]["name"], "prod/kms/rotating-alias",
        "{rotating:#}"
    );
    let disabled_key = r.on_arn("SL403", arn(seeded, "disabled_key"));
    assert_eq!(
        disabled_key["status"], "fail",
        "rotation is off by default: {disabled_key:#}"
    );
    let pending_key = r.on_arn("SL403", arn(seeded, "pending_key"));
    assert_eq!(pending_key["status"], "not_applicable", "{pending_key:#}");
    assert_complete(&run, &r);

    // One DescribeKey per key, though the rotating key is named by ARN and by alias.
    let calls = moto.calls();
    assert_eq!(
        calls["counts"]["TrentService.DescribeKey"].as_u64(),
        Some(4),
        "{:#}",
        calls["counts"]
    );
}

#[test]
fn replicated_secret_passes_sl501_once_and_unreplicated_fails() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    let seeded = moto.seed("replication_health", epoch);
    let seeded = &seeded["replication_health"];
    let sb = Sandbox::new();
    let (run, r) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            regions: "us-east-1,eu-west-1",
            ..Audit::default()
        },
    );

    let replicated = arn(seeded, "replicated");
    let sl501 = r.on_arn("SL501", replicated);
    assert_eq!(sl501["status"], "pass", "{sl501:#}");
    assert_eq!(
        sl501["evidence"]["replica_regions"],
        serde_json::json!(["eu-west-1"])
    );
    r.assert_status("SL501", "prod/dr/single", "fail");
    assert_eq!(
        r.findings_for("SL501", "prod/dr/single")[0]["message"],
        "not replicated to any other region, at least 1 required"
    );

    // The eu-west-1 replica is evidence on its primary: no finding of any check names it,
    // and every check reports the primary at most once.
    let replica_arn = replicated.replace(":us-east-1:", ":eu-west-1:");
    let on_replica: Vec<&Value> = r
        .findings()
        .iter()
        .filter(|f| {
            f["resource"]["arn"] == replica_arn.as_str()
                || (f["resource"]["region"] == "eu-west-1"
                    && f["resource"]["name"] == "prod/dr/replicated")
        })
        .collect();
    assert!(
        on_replica.is_empty(),
        "findings on the replica: {on_replica:#?}"
    );
    for check in r.0["checks"].as_array().expect("checks") {
        let id = check["id"].as_str().expect("id");
        let n = r.findings_for(id, "prod/dr/replicated").len();
        assert!(n <= 1, "{id} reported prod/dr/replicated {n} times");
    }

    // Health: InSync passes; the name conflict in eu-west-1 made moto fail the replica.
    assert_eq!(r.on_arn("SL502", replicated)["status"], "pass");
    let conflict = r.on_arn("SL502", arn(seeded, "conflict"));
    assert_eq!(conflict["status"], "fail", "{conflict:#}");
    assert_eq!(conflict["evidence"]["replicas"][0]["region"], "eu-west-1");
    assert!(
        conflict["message"]
            .as_str()
            .unwrap()
            .starts_with("replica in eu-west-1 Failed: Replication failed"),
        "{conflict:#}"
    );
    r.assert_status("SL502", "prod/dr/single", "not_applicable");

    // The primary uses alias/dr, the replica was created without a key: aws/secretsmanager.
    let sl503 = r.on_arn("SL503", replicated);
    assert_eq!(sl503["status"], "fail", "{sl503:#}");
    assert_eq!(
        sl503["evidence"]["default_key_regions"],
        serde_json::json!(["eu-west-1"])
    );
    assert_eq!(sl503["evidence"]["primary_key"], arn(seeded, "key_arn"));
    r.assert_status("SL503", "prod/dr/single", "not_applicable");
    assert_complete(&run, &r);
}

#[test]
fn replication_is_read_from_the_primary_without_auditing_the_replica_region() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    let seeded = moto.seed("replication_health", epoch);
    let seeded = &seeded["replication_health"];
    let sb = Sandbox::new();
    let (run, r) = audit(&sb, &moto, &as_of, Audit::default());

    assert_eq!(
        r.on_arn("SL501", arn(seeded, "replicated"))["status"],
        "pass"
    );
    assert_eq!(
        r.0["regions"],
        serde_json::json!(["us-east-1"]),
        "the replica region is not added to the scopes"
    );
    assert_complete(&run, &r);
}

#[test]
fn required_tag_selects_secrets_for_collection_and_sl501() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    let seeded = moto.seed("replication_health", epoch);
    let seeded = &seeded["replication_health"];
    let sb = Sandbox::new();
    sb.write(
        "tag-only.toml",
        "[replication]\nname_pattern = \"\"\nrequired_tag = \"DR=required\"\n",
    );
    let (run, r) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            extra: &["--config", "tag-only.toml"],
            ..Audit::default()
        },
    );

    // Collection described the tagged secret (else SL501 would be `error`, not `fail`).
    let tagged = r.on_arn("SL501", arn(seeded, "tagged"));
    assert_eq!(tagged["status"], "fail", "{tagged:#}");
    assert_eq!(tagged["evidence"]["selected_by"], "tag DR=required");
    // Without the name rule, prod/ secrets are not selected.
    r.assert_status("SL501", "prod/dr/single", "not_applicable");
    assert_complete(&run, &r);

    let calls = moto.calls();
    let describes = calls["counts"]["secretsmanager.DescribeSecret"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        describes >= 1,
        "DescribeSecret was called for the tagged secret: {calls:#}"
    );
}
