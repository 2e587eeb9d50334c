//! Rotation schedules as the rotation checks read them.

use chrono::{DateTime, Utc};

use crate::inventory::Secret;
use crate::schedule::ScheduleError;

/// The rotation interval of a secret with rotation enabled, as SL102/SL103 read it: `Err`
/// with a reason when there is no schedule or it cannot be understood.
pub(crate) fn rotation_interval(s: &Secret, anchor: DateTime<Utc>) -> Result<f64, ScheduleError> {
    let Some(rules) = &s.rotation_rules else {
        return Err("rotation is enabled but no rotation rules were collected"
            .to_string()
            .into());
    };
    match crate::schedule::max_interval_days(rules, anchor)? {
        Some(d) => Ok(d),
        None => Err(
            "rotation is enabled but the rotation rules have no schedule"
                .to_string()
                .into(),
        ),
    }
}
