//! Waivers against moto: a waiver suppresses a failing finding of a collected secret, with its
//! reason; an expired waiver is reported by SL902.

mod common;

use common::{Audit, MotoServer, Sandbox, audit, now};

#[test]
fn a_waiver_suppresses_a_fail_and_an_expired_one_is_sl902() {
    let moto = MotoServer::start();
    let (epoch, as_of) = now();
    moto.seed("rotation", epoch);
    let sb = Sandbox::new();
    let cfg = sb.write(
        "waivers.toml",
        r#"
[[waiver]]
check = "SL101"
resource = "prod/legacy/*"
reason = "Legacy database, decommissioned next quarter (TICKET-1)."
expires = "2099-12-31"
owner = "team-db"

[[waiver]]
check = "SL104"
resource = "prod/legacy/db"
reason = "Accepted last year."
expires = "2020-01-01"
owner = "team-db"
"#,
    );
    let (_, report) = audit(
        &sb,
        &moto,
        &as_of,
        Audit {
            extra: &[
                "--config",
                cfg.to_str().expect("utf-8 path"),
                "--allow-partial",
            ],
            ..Audit::default()
        },
    );

    let sl101 = report.findings_for("SL101", "prod/legacy/db");
    assert_eq!(sl101.len(), 1, "{sl101:#?}");
    assert_eq!(sl101[0]["status"], "suppressed", "{:#}", sl101[0]);
    assert_eq!(
        sl101[0]["waiver"]["reason"],
        "Legacy database, decommissioned next quarter (TICKET-1)."
    );
    assert_eq!(sl101[0]["waiver"]["owner"], "team-db");

    // The expired waiver suppresses nothing: SL104 still fails, and SL902 says why.
    report.assert_status("SL104", "prod/legacy/db", "fail");
    let sl902: Vec<_> = report
        .findings()
        .iter()
        .filter(|f| f["check_id"] == "SL902")
        .collect();
    assert_eq!(sl902.len(), 2, "{sl902:#?}");
    let expired: Vec<_> = sl902.iter().filter(|f| f["status"] == "fail").collect();
    assert_eq!(expired.len(), 1, "{sl902:#?}");
    assert!(
        expired[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("expired"),
        "{:#}",
        expired[0]
    );
    assert!(
        sl902.iter().any(|f| f["status"] == "pass"),
        "the matching waiver passes SL902"
    );
}
