//! Rotation schedules: the longest interval between two rotations a schedule allows.
//! (Implemented with SL102/SL103.)

use chrono::{DateTime, Utc};

use crate::inventory::RotationRules;

/// The longest gap, in days, between two consecutive rotations the rules schedule, looking
/// forward from `anchor`. `Ok(None)` when the rules give no schedule; `Err` with a message
/// when the expression cannot be understood.
pub fn max_interval_days(rules: &RotationRules, anchor: DateTime<Utc>) -> Result<Option<f64>, String> {
    let _ = anchor;
    if let Some(expr) = &rules.schedule_expression {
        return Err(format!("unsupported schedule expression {expr:?}"));
    }
    Ok(rules.automatically_after_days.map(|d| d as f64))
}
