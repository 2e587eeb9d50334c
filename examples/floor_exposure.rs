//! The exposure benchmark floor: a minimal client that makes only the API calls `secretlens
//! audit` makes for credentials outside Secrets Manager in one region with `[exposure] sources =
//! ["lambda", "ecs", "ssm"]` — `ListFunctions` (all pages), `ListTaskDefinitions` (ACTIVE, all
//! pages) then `DescribeTaskDefinition` for the latest revision of each family at the same
//! concurrency, `DescribeParameters` (String, StringList; all pages) then `GetParameters` per 10
//! names — and nothing else (no judging, no evaluation, no rendering).
//!
//! `cargo run --release --example floor_exposure -- ENDPOINT REGION [CONCURRENCY]`; used by
//! `scripts/bench-exposure.sh`.
#![allow(clippy::print_stdout)] // a benchmark prints its measurements.

use std::collections::BTreeMap;

use futures::StreamExt;

mod common;

#[tokio::main]
async fn main() {
    let (sdk, concurrency) = common::setup("floor_exposure").await;
    let mut calls = 0usize;

    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let (mut marker, mut functions) = (None, 0usize);
    loop {
        let page = lambda
            .list_functions()
            .max_items(50)
            .set_marker(marker)
            .send()
            .await
            .expect("ListFunctions");
        calls += 1;
        functions += page.functions().len();
        marker = page.next_marker().map(str::to_string);
        if marker.is_none() {
            break;
        }
    }

    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let (mut token, mut latest) = (None, BTreeMap::<String, (u64, String)>::new());
    loop {
        let page = ecs
            .list_task_definitions()
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .set_next_token(token)
            .send()
            .await
            .expect("ListTaskDefinitions");
        calls += 1;
        for arn in page.task_definition_arns() {
            if let Some((family, rev)) = arn.rsplit_once(':') {
                let rev: u64 = rev.parse().unwrap_or(0);
                let e = latest
                    .entry(family.to_string())
                    .or_insert((rev, arn.clone()));
                if rev >= e.0 {
                    *e = (rev, arn.clone());
                }
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let described = futures::stream::iter(latest.into_values().map(|(_, arn)| {
        let ecs = ecs.clone();
        async move {
            ecs.describe_task_definition()
                .task_definition(arn)
                .send()
                .await
                .is_ok()
        }
    }))
    .buffer_unordered(concurrency)
    .collect::<Vec<bool>>()
    .await;
    calls += described.len();

    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let (mut token, mut names) = (None, Vec::new());
    loop {
        let filter = aws_sdk_ssm::types::ParameterStringFilter::builder()
            .key("Type")
            .option("Equals")
            .values("String")
            .values("StringList")
            .build()
            .expect("filter");
        let page = ssm
            .describe_parameters()
            .parameter_filters(filter)
            .max_results(50)
            .set_next_token(token)
            .send()
            .await
            .expect("DescribeParameters");
        calls += 1;
        names.extend(
            page.parameters()
                .iter()
                .filter_map(|p| p.name().map(str::to_string)),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    for batch in names.chunks(10) {
        ssm.get_parameters()
            .set_names(Some(batch.to_vec()))
            .send()
            .await
            .expect("GetParameters");
        calls += 1;
    }
    println!(
        "functions={functions} task_definitions={} parameters={} calls={calls}",
        described.len(),
        names.len()
    );
}
