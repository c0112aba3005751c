//! The link tables of accounts (contacts, assignees, teams, tags) and the JSON copies of them
//! that each account row carries: the one place that keeps the two in step.

use uuid::Uuid;

use super::db::Db;
use super::fold;
use crate::server::error::ApiError;

/// Link lists to set; `None` leaves a list as it is.
#[derive(Default)]
pub struct AccountLinks {
    pub contacts: Option<Vec<Uuid>>,
    pub assigned_to: Option<Vec<Uuid>>,
    pub teams: Option<Vec<Uuid>>,
    pub tags: Option<Vec<String>>,
}

/// Replaces each link list that `links` names.
pub fn set_links(db: &Db<'_>, org: Uuid, pk: i64, links: &AccountLinks) -> Result<(), ApiError> {
    let lists = [
        ("account_contacts", "contact_id", &links.contacts),
        ("account_assignees", "user_id", &links.assigned_to),
        ("account_teams", "team_id", &links.teams),
    ];
    for (table, column, ids) in lists {
        let Some(ids) = ids else { continue };
        db.exec(
            &format!("DELETE FROM {table} WHERE account_pk = $1"),
            &[&pk],
        )?;
        let insert = format!(
            "INSERT INTO {table} (account_pk, {column}) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        );
        for id in ids {
            db.exec(&insert, &[&pk, id])?;
        }
    }
    if let Some(tags) = &links.tags {
        db.exec("DELETE FROM account_tags WHERE account_pk = $1", &[&pk])?;
        for tag in tags {
            let tag_id = ensure_tag(db, org, tag)?;
            db.exec(
                "INSERT INTO account_tags (account_pk, tag_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
                &[&pk, &tag_id],
            )?;
        }
    }
    refresh_link_copies(db, pk)
}

/// Rewrites the account's JSON copies of its link tables, and the row's whole wire JSON. Every
/// change to an account row or a link table must end with this: it is the one place that keeps
/// them.
pub fn refresh_link_copies(db: &Db<'_>, pk: i64) -> Result<(), ApiError> {
    let sql = db.pick(
        "UPDATE accounts SET
            assigned_json = (SELECT json_group_array(user_id) FROM
                (SELECT user_id FROM account_assignees WHERE account_pk = $1 ORDER BY user_id)),
            teams_json = (SELECT json_group_array(team_id) FROM
                (SELECT team_id FROM account_teams WHERE account_pk = $1 ORDER BY team_id)),
            contacts_json = (SELECT json_group_array(contact_id) FROM
                (SELECT contact_id FROM account_contacts WHERE account_pk = $1 ORDER BY contact_id)),
            tags_json = (SELECT json_group_array(name) FROM
                (SELECT t.name FROM account_tags at JOIN tags t ON t.id = at.tag_id
                 WHERE at.account_pk = $1 ORDER BY t.name_key))
         WHERE pk = $1",
        "UPDATE accounts SET
            assigned_json = (SELECT coalesce(json_agg(user_id::text ORDER BY user_id::text), '[]')::text
                FROM account_assignees WHERE account_pk = $1),
            teams_json = (SELECT coalesce(json_agg(team_id::text ORDER BY team_id::text), '[]')::text
                FROM account_teams WHERE account_pk = $1),
            contacts_json = (SELECT coalesce(json_agg(contact_id::text ORDER BY contact_id::text), '[]')::text
                FROM account_contacts WHERE account_pk = $1),
            tags_json = (SELECT coalesce(json_agg(t.name ORDER BY t.name_key), '[]')::text
                FROM account_tags at JOIN tags t ON t.id = at.tag_id WHERE at.account_pk = $1)
         WHERE pk = $1",
    );
    db.exec(sql, &[&pk])?;
    super::account_row::refresh_json(db, pk)
}

/// The tag's id, creating it on first use.
pub fn ensure_tag(db: &Db<'_>, org: Uuid, name: &str) -> Result<i64, ApiError> {
    db.exec(
        "INSERT INTO tags (org_id, name, name_key) VALUES ($1, $2, $3)
         ON CONFLICT (org_id, name_key) DO NOTHING",
        &[&org, &name, &fold(name)],
    )?;
    db.one(
        "SELECT id FROM tags WHERE org_id = $1 AND name_key = $2",
        &[&org, &fold(name)],
        |r| r.i64(0),
    )
}

/// Before a contact goes: the accounts that link it, whose copies must be refreshed after.
pub fn accounts_of_contact(db: &Db<'_>, contact: Uuid) -> Result<Vec<i64>, ApiError> {
    db.rows(
        "SELECT account_pk FROM account_contacts WHERE contact_id = $1",
        &[&contact],
        |r| r.i64(0),
    )
}
