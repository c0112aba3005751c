//! `GET /api/dashboard/`: the counts a support desk opens the day with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Open accounts.
    #[serde(default)]
    pub accounts_count: i64,
    #[serde(default)]
    pub contacts_count: i64,
    /// Leads neither converted nor closed.
    #[serde(default)]
    pub leads_count: i64,
    #[serde(default)]
    pub opportunities_count: i64,
    #[serde(default)]
    pub cases_open_count: i64,
    #[serde(default)]
    pub urgent_counts: UrgentCounts,
    /// By stage value (`PROSPECTING`…).
    #[serde(default)]
    pub pipeline_by_stage: BTreeMap<String, StageSum>,
    /// The currency `pipeline_by_stage` values are summed in.
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UrgentCounts {
    #[serde(default)]
    pub overdue_tasks: i64,
    #[serde(default)]
    pub tasks_due_today: i64,
    #[serde(default)]
    pub followups_today: i64,
    #[serde(default)]
    pub hot_leads: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StageSum {
    #[serde(default)]
    pub count: i64,
    /// A decimal string.
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub label: String,
    /// `open`, `won` or `lost`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub order: i64,
}
