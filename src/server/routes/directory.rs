//! Contacts, users and teams: enough for an account's links to be real.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::PathId;
use crate::model::{
    Contact, ContactInput, ContactList, Paging, Team, TeamInput, TeamList, UserList,
};
use crate::server::AppState;
use crate::server::auth::OrgCtx;
use crate::server::error::{ApiError, ApiJson};
use crate::server::store::contacts::{self, ContactFields};
use crate::server::store::directory;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/api/contacts/", get(list_contacts).post(create_contact))
        .route(
            "/api/contacts/{id}/",
            get(get_contact)
                .put(update_contact)
                .patch(update_contact)
                .delete(delete_contact),
        )
        .route("/api/users/", get(list_users))
        .route("/api/teams/", get(list_teams).post(create_team))
}
use crate::server::validate::Errors;

#[utoipa::path(get, path = "/api/contacts/", tag = "contacts",
    params(("name" = Option<String>, Query), ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = ContactList)))]
pub async fn list_contacts(
    State(state): State<AppState>,
    ctx: OrgCtx,
    RawQuery(query): RawQuery,
) -> Result<Json<ContactList>, ApiError> {
    let mut paging = Paging::default();
    let mut name = None;
    let mut errors = Errors::default();
    for (k, v) in form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            // As for accounts: no stored name needs control characters to be found.
            "name" if v.chars().any(char::is_control) => {
                errors.add("name", "Must not contain control characters.");
            }
            "name" if !v.trim().is_empty() => name = Some(v.trim().to_string()),
            "limit" | "offset" => match v.parse::<i64>() {
                Ok(n) if n >= 0 && k == "limit" => paging.limit = Some(n),
                Ok(n) if n >= 0 => paging.offset = Some(n),
                _ => errors.add(&k, "Must be a whole number of 0 or more."),
            },
            _ => {}
        }
    }
    errors.finish()?;
    let (limit, offset) = paging.resolve();
    let (count, contacts) = state
        .store
        .read(move |c| contacts::list(c, ctx.org_id, name.as_deref(), limit, offset))
        .await?;
    Ok(Json(ContactList {
        contacts_count: count,
        contact_obj_list: contacts,
    }))
}

#[utoipa::path(post, path = "/api/contacts/", tag = "contacts", request_body = ContactInput,
    responses((status = 201, body = Contact), (status = 400, body = crate::model::ErrorBody)))]
pub async fn create_contact(
    State(state): State<AppState>,
    ctx: OrgCtx,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<Response, ApiError> {
    let fields = ContactFields::merge(None, input)?;
    let contact = state
        .store
        .write(move |tx| {
            let id = contacts::insert(tx, ctx.org_id, Some(ctx.user_id), &fields)?;
            contacts::get(tx, ctx.org_id, id)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(contact)).into_response())
}

#[utoipa::path(get, path = "/api/contacts/{id}/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "contacts", responses((status = 200, body = Contact)))]
pub async fn get_contact(
    State(state): State<AppState>,
    ctx: OrgCtx,
    PathId(id): PathId,
) -> Result<Json<Contact>, ApiError> {
    Ok(Json(
        state
            .store
            .read(move |c| contacts::get(c, ctx.org_id, id))
            .await?,
    ))
}

#[utoipa::path(method(put, patch), path = "/api/contacts/{id}/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "contacts", request_body = ContactInput,
    responses((status = 200, body = Contact)))]
pub async fn update_contact(
    State(state): State<AppState>,
    ctx: OrgCtx,
    PathId(id): PathId,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<Json<Contact>, ApiError> {
    Ok(Json(
        state
            .store
            .write(move |tx| {
                let current = contacts::get(tx, ctx.org_id, id)?;
                let fields = ContactFields::merge(Some(&current), input)?;
                contacts::update(tx, ctx.org_id, id, &fields)?;
                contacts::get(tx, ctx.org_id, id)
            })
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/contacts/{id}/", params(("id" = uuid::Uuid, Path, description = "The record\'s id")),
    tag = "contacts", responses((status = 204)))]
pub async fn delete_contact(
    State(state): State<AppState>,
    ctx: OrgCtx,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .write(move |tx| {
            let current = contacts::get(tx, ctx.org_id, id)?;
            if !ctx.is_admin() && current.created_by != Some(ctx.user_id) {
                return Err(ApiError::Forbidden(
                    "Only an admin or the contact's creator may delete it.".into(),
                ));
            }
            contacts::delete(tx, ctx.org_id, id)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/users/", tag = "users", responses((status = 200, body = UserList)))]
pub async fn list_users(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<Json<UserList>, ApiError> {
    let users = state
        .store
        .read(move |c| directory::org_users(c, ctx.org_id))
        .await?;
    Ok(Json(UserList {
        users_count: users.len() as i64,
        users,
    }))
}

#[utoipa::path(get, path = "/api/teams/", tag = "teams", responses((status = 200, body = TeamList)))]
pub async fn list_teams(
    State(state): State<AppState>,
    ctx: OrgCtx,
) -> Result<Json<TeamList>, ApiError> {
    let teams = state
        .store
        .read(move |c| directory::org_teams(c, ctx.org_id))
        .await?;
    Ok(Json(TeamList {
        teams_count: teams.len() as i64,
        teams,
    }))
}

#[utoipa::path(post, path = "/api/teams/", tag = "teams", request_body = TeamInput,
    responses((status = 201, body = Team), (status = 403, body = crate::model::ErrorBody)))]
pub async fn create_team(
    State(state): State<AppState>,
    ctx: OrgCtx,
    ApiJson(input): ApiJson<TeamInput>,
) -> Result<Response, ApiError> {
    if !ctx.is_admin() {
        return Err(ApiError::Forbidden(
            "Only an admin may create teams.".into(),
        ));
    }
    let name = input.name.unwrap_or_default().trim().to_string();
    let description = input.description.unwrap_or_default();
    let mut e = Errors::default();
    e.required("name", &name);
    e.max_len("name", &name, 255);
    e.max_len("description", &description, 10_000);
    e.finish()?;
    // The store links each member once; answer with the same list it keeps.
    let mut users = input.users;
    let mut seen = std::collections::HashSet::new();
    users.retain(|u| seen.insert(*u));
    let team = state
        .store
        .write(move |tx| directory::create_team(tx, ctx.org_id, &name, &description, &users))
        .await?;
    Ok((StatusCode::CREATED, Json(team)).into_response())
}
