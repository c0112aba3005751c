//! An account row as the store reads it, and the wire JSON each row keeps of itself
//! (`row_json`), so that a page of accounts is string copies. Used by `accounts` and `links`.

use super::db::{Db, Row};
use crate::model::{Account, AccountStatus};
use crate::server::error::ApiError;

pub const COLUMNS: &str =
    "a.pk, a.id, a.name, a.email, a.phone, a.industry, a.description, a.website,
    a.status, a.billing_address_line, a.billing_street, a.billing_city, a.billing_state,
    a.billing_postcode, a.billing_country, a.created_on, a.created_by, a.org_id,
    a.assigned_json, a.teams_json, a.contacts_json, a.tags_json";

/// An account with its integer key, which the link tables use.
pub struct Keyed {
    pub pk: i64,
    pub account: Account,
}

pub fn account_from_row(r: &Row<'_>) -> Result<Keyed, ApiError> {
    Ok(Keyed {
        pk: r.i64(0)?,
        account: Account {
            id: r.uuid(1)?,
            name: r.text(2)?,
            email: r.text(3)?,
            phone: r.text(4)?,
            industry: r.text(5)?,
            description: r.text(6)?,
            website: r.text(7)?,
            status: AccountStatus::parse(&r.text(8)?).unwrap_or_default(),
            billing_address_line: r.text(9)?,
            billing_street: r.text(10)?,
            billing_city: r.text(11)?,
            billing_state: r.text(12)?,
            billing_postcode: r.text(13)?,
            billing_country: r.text(14)?,
            created_on: r.ts(15)?,
            created_by: r.opt_uuid(16)?,
            org: r.uuid(17)?,
            assigned_to: r.json_list(18)?,
            teams: r.json_list(19)?,
            contacts: r.json_list(20)?,
            tags: r.json_list(21)?,
        },
    })
}

/// The wire JSON of an account, as `row_json` keeps it.
pub fn to_json(account: &Account) -> Result<String, ApiError> {
    serde_json::to_string(account).map_err(|e| ApiError::internal(format!("account JSON: {e}")))
}

/// The account's JSON as stored, or built from its columns when the row has none yet (rows
/// are filled at start-up; this is a safety net).
pub fn stored_or_built(db: &Db<'_>, pk: i64, stored: Option<String>) -> Result<String, ApiError> {
    match stored {
        Some(json) => Ok(json),
        None => match read(db, pk)? {
            Some(row) => to_json(&row.account),
            None => Err(ApiError::NotFound),
        },
    }
}

fn read(db: &Db<'_>, pk: i64) -> Result<Option<Keyed>, ApiError> {
    db.opt(
        &format!("SELECT {COLUMNS} FROM accounts a WHERE a.pk = $1"),
        &[&pk],
        account_from_row,
    )
}

/// Rewrites the account's `row_json` from its columns (link copies included). Every change of
/// an account row or its links ends with this, through `links::refresh_link_copies`.
pub fn refresh_json(db: &Db<'_>, pk: i64) -> Result<(), ApiError> {
    if let Some(row) = read(db, pk)? {
        db.exec(
            "UPDATE accounts SET row_json = $2 WHERE pk = $1",
            &[&pk, &to_json(&row.account)?],
        )?;
    }
    Ok(())
}

/// Fills `row_json` of accounts stored before it existed.
pub fn backfill_json(db: &Db<'_>) -> Result<usize, ApiError> {
    let pks = db.rows("SELECT pk FROM accounts WHERE row_json IS NULL", &[], |r| {
        r.i64(0)
    })?;
    for pk in &pks {
        refresh_json(db, *pk)?;
    }
    Ok(pks.len())
}
