//! The published JSON Schemas (draft 2020-12) of `report.json` and of the inventory
//! (`collect -o`), generated from the Rust types with `schemars`, so they follow the serde
//! attributes (renames, optional fields, skipped ones) by construction.
//!
//! The report's schema is what secretlens *writes* (schemars' serialize contract: a field
//! that is always written is required; one written only when set is optional): what a
//! pipeline can rely on. The inventory's is what `evaluate` *accepts* (the deserialize
//! contract: a field with a default may be left out), which every inventory `collect` writes
//! satisfies, and which a hand-made or generated inventory must follow. Objects are open
//! (no `additionalProperties: false`): fields are added within a schema version and readers
//! ignore what they do not know. `schema_version` is pinned with `const`, so a document of
//! another version fails validation. `secretlens schema report|inventory` prints them; the
//! copies in `schema/` are kept equal to the generated ones by a test (`scripts/regen.sh`
//! rewrites them).

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};

use crate::inventory::Inventory;
use crate::report::Report;

/// The documents with a published schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Document {
    /// `report.json`.
    Report,
    /// The inventory JSON of `collect -o` (and `demo --inventory-out`).
    Inventory,
}

impl Document {
    pub const ALL: [Document; 2] = [Document::Report, Document::Inventory];

    /// The published file, relative to the repository root.
    pub fn file(self) -> &'static str {
        match self {
            Document::Report => "schema/report.schema.json",
            Document::Inventory => "schema/inventory.schema.json",
        }
    }

    /// The schema as published: pretty JSON with a trailing newline.
    pub fn render(self) -> String {
        let schema = match self {
            Document::Report => generate::<Report>(
                Contract::Serialize,
                "secretlens report.json",
                "The report `secretlens audit`, `evaluate` and `demo` write as report.json.",
                crate::report::REPORT_SCHEMA_VERSION,
            ),
            Document::Inventory => generate::<Inventory>(
                Contract::Deserialize,
                "secretlens inventory",
                "The inventory `secretlens evaluate FILE` reads (and `secretlens collect -o FILE` writes).",
                crate::inventory::SCHEMA_VERSION,
            ),
        };
        serde_json::to_string_pretty(&schema).expect("a schema is plain JSON") + "\n"
    }
}

/// Which side of serde the schema describes.
#[derive(Clone, Copy)]
enum Contract {
    /// What is written.
    Serialize,
    /// What is read.
    Deserialize,
}

fn generate<T: JsonSchema>(
    contract: Contract,
    title: &str,
    description: &str,
    version: u32,
) -> Schema {
    let settings = SchemaSettings::draft2020_12();
    let settings = match contract {
        Contract::Serialize => settings.for_serialize(),
        Contract::Deserialize => settings.for_deserialize(),
    };
    let mut schema = settings.into_generator().into_root_schema_for::<T>();
    schema.insert("title".into(), title.into());
    schema.insert(
        "description".into(),
        format!("{description} Schema version {version}: see docs/outputs.md for what changes it.")
            .into(),
    );
    let pinned = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut("schema_version"))
        .and_then(|v| v.as_object_mut())
        .expect("the document has a schema_version property");
    pinned.insert("const".into(), version.into());
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files in `schema/` are the generated schemas; `SECRETLENS_UPDATE=1` rewrites them
    /// (as `scripts/regen.sh` does).
    #[test]
    fn published_schemas_are_the_generated_ones() {
        let root = env!("CARGO_MANIFEST_DIR");
        for doc in Document::ALL {
            let path = std::path::Path::new(root).join(doc.file());
            let want = doc.render();
            if std::env::var_os("SECRETLENS_UPDATE").is_some() {
                std::fs::write(&path, &want).expect("write the schema");
            }
            let have = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                have == want,
                "{} differs from `secretlens schema {}`: run scripts/regen.sh",
                doc.file(),
                format!("{doc:?}").to_lowercase()
            );
        }
    }

    #[test]
    fn schemas_are_draft_2020_12_and_pin_the_version() {
        for (doc, version) in [
            (Document::Report, crate::report::REPORT_SCHEMA_VERSION),
            (Document::Inventory, crate::inventory::SCHEMA_VERSION),
        ] {
            let v: serde_json::Value =
                serde_json::from_str(&doc.render()).expect("the schema is JSON");
            assert_eq!(
                v["$schema"], "https://json-schema.org/draft/2020-12/schema",
                "{doc:?}"
            );
            assert_eq!(v["properties"]["schema_version"]["const"], version);
            assert!(
                v["required"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|f| f == "schema_version")),
                "{doc:?}: schema_version is required"
            );
        }
        let report: serde_json::Value =
            serde_json::from_str(&Document::Report.render()).expect("JSON");
        // serde attributes are followed: `type` (renamed), and an optional field is optional.
        let defs = &report["$defs"];
        assert!(defs["Resource"]["properties"]["type"].is_object());
        assert!(defs["Resource"]["properties"].get("kind").is_none());
        let finding_required = defs["Finding"]["required"].as_array().expect("required");
        assert!(finding_required.iter().any(|f| f == "evidence"));
        assert!(!finding_required.iter().any(|f| f == "waiver"));
        // The inventory's schema is what is read: a field with a default may be left out
        // (inventories written before gaps carried their cause still read).
        let inventory: serde_json::Value =
            serde_json::from_str(&Document::Inventory.render()).expect("JSON");
        let gap_required = inventory["$defs"]["Gap"]["required"]
            .as_array()
            .expect("required");
        assert!(gap_required.iter().any(|f| f == "error_code"));
        assert!(!gap_required.iter().any(|f| f == "cause"));
        assert_eq!(
            defs["Status"]["enum"],
            serde_json::json!(["fail", "error", "suppressed", "pass", "not_applicable"])
        );
    }
}
