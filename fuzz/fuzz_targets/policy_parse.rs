//! Fuzzes the IAM policy parser (strict and lenient) and, for documents that parse, one
//! evaluation: neither may panic, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secretlens::policy::{Policy, PolicySet, Principal, Request, evaluate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Policy::parse_lenient(text);
    if let Ok(policy) = Policy::parse(text) {
        let principal = Principal::parse("arn:aws:sts::111122223333:assumed-role/app/s").expect("valid principal");
        let mut request = Request::new(
            principal,
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
        );
        request.context.insert("aws:SourceIp", vec!["203.0.113.7".into()]);
        let as_identity = PolicySet { identity: vec![policy.clone()], ..Default::default() };
        let _ = evaluate(&as_identity, &request);
        let as_resource = PolicySet { resource: Some(policy.clone()), ..Default::default() };
        let _ = evaluate(&as_resource, &request);
        let as_scp = PolicySet { scps: vec![vec![policy]], ..Default::default() };
        let _ = evaluate(&as_scp, &request);
    }
});
