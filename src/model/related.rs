//! Records that hang off an account: the detail view lists them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::common::timestamp;

/// A sales opportunity (deal). `amount` is a decimal string, as Django serializes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Opportunity {
    pub id: Uuid,
    pub name: String,
    pub account: Uuid,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub probability: i64,
    #[serde(default)]
    pub closed_on: Option<NaiveDate>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_on: DateTime<Utc>,
}

/// A support case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Case {
    pub id: Uuid,
    pub name: String,
    pub account: Uuid,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub case_type: String,
    #[serde(default)]
    pub closed_on: Option<NaiveDate>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_on: DateTime<Utc>,
}

/// A task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Task {
    pub id: Uuid,
    pub title: String,
    pub account: Uuid,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_on: DateTime<Utc>,
}

/// An invoice. `total_amount` is a decimal string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Invoice {
    pub id: Uuid,
    pub invoice_title: String,
    pub invoice_number: String,
    pub account: Uuid,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub total_amount: String,
    #[serde(default)]
    pub currency: String,
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    #[serde(with = "timestamp")]
    #[schema(value_type = String, format = DateTime)]
    pub created_on: DateTime<Utc>,
}
