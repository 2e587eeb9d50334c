//! The embedded demo account.
use crate::inventory::Inventory;

const DEMO: &str = include_str!("../demo/inventory.json");

/// The demo inventory. A test checks it parses.
pub fn inventory() -> Inventory {
    Inventory::from_json("<embedded demo>", DEMO).expect("the embedded demo inventory is valid (tested)")
}
