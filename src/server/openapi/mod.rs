//! The OpenAPI document: accounts, auth and the directory from the handlers' annotations; the
//! record kinds from their descriptions in `model::kinds` (see [`records`]).

mod records;

use records::Records;

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::routes::{accounts, auth, dashboard, directory, threads};
use crate::model;

#[derive(OpenApi)]
#[openapi(
    info(title = "crmtui core: Django-CRM API", description = "The API of Django-CRM as the bundled core serves it: accounts, contacts, leads, opportunities, cases, tasks, invoices, their comments and attachments, and the dashboard. Send `Authorization: Bearer <access_token>` and `organization-id: <org uuid>`. Errors answer `{\"error\": true, \"errors\": …}`: one message, or field names to messages."),
    paths(
        auth::login, auth::refresh, auth::profile,
        accounts::list, accounts::create, accounts::detail, accounts::update, accounts::delete,
        accounts::add_comment, threads::edit_comment, threads::delete_comment,
        threads::delete_attachment, threads::download_attachment, accounts::create_mail,
        threads::download_any, dashboard::get,
        directory::list_users,
        directory::list_teams, directory::create_team,
    ),
    components(schemas(model::ErrorBody, model::ErrorDetail)),
    modifiers(&Bearer, &Records, &Described),
)]
pub struct ApiDoc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// What OpenAPI requires and the annotations leave out: each answer gets a description (its
/// status's name), and an operation id used twice (`method(put, patch)`) gets its method.
struct Described;

impl utoipa::Modify for Described {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut ids = std::collections::HashSet::new();
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
                ("head", &mut item.head),
                ("options", &mut item.options),
                ("trace", &mut item.trace),
            ];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                if let Some(id) = op.operation_id.as_mut()
                    && !ids.insert(id.clone())
                {
                    id.push('_');
                    id.push_str(method);
                    ids.insert(id.clone());
                }
                for (code, answer) in op.responses.responses.iter_mut() {
                    if let utoipa::openapi::RefOr::T(answer) = answer
                        && answer.description.is_empty()
                    {
                        answer.description = code
                            .parse::<u16>()
                            .ok()
                            .and_then(|c| axum::http::StatusCode::from_u16(c).ok())
                            .and_then(|c| c.canonical_reason())
                            .unwrap_or("The answer")
                            .to_string();
                    }
                }
            }
        }
    }
}

pub async fn schema() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
