//! The operations and schemas of the record kinds, generated from their descriptions in
//! `model::kinds`: the routes of `routes::records` have no annotations (one function makes them
//! all), so this walks [`KINDS`] and says what those routes take and answer. A kind added there
//! appears here with no edit; what the descriptions do not say (the keys of each list answer,
//! the fields a store adds when it reads, the orderings) is in the tables at the bottom.
//!
//! The document is written as JSON and read into utoipa's types once, which keeps each schema
//! readable next to the code that answers with it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use utoipa::openapi::path::Paths;
use utoipa::openapi::{OpenApi, RefOr, Schema};

use crate::model::kinds::{KINDS, PAYMENT_METHODS, STAGES};
use crate::model::record::{COMMON_FILTERS, Choices, Field, Filter, Kind, Rel, Ty};
use crate::model::{DEFAULT_LIMIT, MAX_LIMIT};

/// Adds every record kind's paths and schemas to the document.
pub struct Records;

impl utoipa::Modify for Records {
    fn modify(&self, openapi: &mut OpenApi) {
        let (paths, schemas) = match generated() {
            Ok(parts) => parts,
            // Only a defect here can fail (nothing comes from outside); the document then
            // lacks the kinds, and the api_docs test says so.
            Err(e) => {
                tracing::error!(error = %e, "the record kinds' OpenAPI parts do not parse");
                return;
            }
        };
        openapi.paths.paths.extend(paths.paths);
        let components = openapi.components.get_or_insert_with(Default::default);
        for (name, schema) in schemas {
            // A derived schema wins; the test `no_schema_is_replaced` catches a clash.
            components.schemas.entry(name).or_insert(schema);
        }
        if let Some(item) = openapi.paths.paths.get_mut("/api/dashboard/")
            && let Some(op) = item.get.as_mut()
            && let Ok(ok) = serde_json::from_value(response(
                "Counts, urgent counts and the pipeline by stage",
                Some(reference("Dashboard")),
            ))
        {
            op.responses.responses.insert("200".into(), ok);
            for (code, description) in [
                ("401", "No token, or an expired one"),
                ("403", "Another org in the header"),
            ] {
                if let Ok(answer) =
                    serde_json::from_value(response(description, Some(reference("ErrorBody"))))
                {
                    op.responses.responses.insert(code.into(), answer);
                }
            }
        }
    }
}

type Parts = (Paths, BTreeMap<String, RefOr<Schema>>);

/// The paths and component schemas of every kind, read into utoipa's types.
pub fn generated() -> Result<Parts, serde_json::Error> {
    let (paths, schemas) = generated_json();
    Ok((
        serde_json::from_value(Value::Object(paths))?,
        serde_json::from_value(Value::Object(schemas))?,
    ))
}

/// The same as JSON: `(paths, schemas)`.
pub fn generated_json() -> (Map<String, Value>, Map<String, Value>) {
    let mut paths = Map::new();
    let mut schemas = shared_schemas();
    for kind in KINDS {
        kind_paths(kind, &mut paths);
        kind_schemas(kind, &mut schemas);
    }
    invoice_paths(&mut paths);
    (paths, schemas)
}

// ---------------------------------------------------------------------------------------------
// Paths.

fn kind_paths(kind: &Kind, paths: &mut Map<String, Value>) {
    let p = kind.path;
    let name = pascal(kind.name);
    let tag = p;
    let writable = kind.fields.iter().any(|f| f.writable(true));

    let mut list = Map::new();
    list.insert(
        "get".into(),
        op(
            tag,
            &format!("{p}_list"),
            &format!("List {p}, newest first, with counts of every match"),
            list_params(kind),
            None,
            ("200", "A page", Some(reference(&format!("{name}List")))),
        ),
    );
    if writable {
        list.insert(
            "post".into(),
            op(
                tag,
                &format!("{p}_create"),
                &format!("Create a {}", kind.name),
                vec![],
                Some(body(
                    &format!("{name}Create"),
                    Some(&format!("{name}CreateForm")),
                )),
                (
                    "201",
                    "The record as stored",
                    Some(reference(&record(kind))),
                ),
            ),
        );
    }
    paths.insert(format!("/api/{p}/"), Value::Object(list));

    let mut one = Map::new();
    one.insert(
        "get".into(),
        op(
            tag,
            &format!("{p}_detail"),
            &format!(
                "A {} with its comments and attachments (the record under `{}`)",
                kind.name, kind.detail_key
            ),
            vec![id_param("The record's id")],
            None,
            (
                "200",
                "The detail",
                Some(reference(&format!("{name}Detail"))),
            ),
        ),
    );
    if writable {
        let update = |method: &str| {
            op(
                tag,
                &format!("{p}_{method}"),
                "Change the keys sent (PUT = PATCH)",
                vec![id_param("The record's id")],
                Some(optional(body(
                    &format!("{name}Update"),
                    Some(&format!("{name}UpdateForm")),
                ))),
                (
                    "200",
                    "The record as stored",
                    Some(reference(&record(kind))),
                ),
            )
        };
        one.insert("put".into(), update("update"));
        one.insert("patch".into(), update("partial_update"));
        one.insert(
            "delete".into(),
            op(
                tag,
                &format!("{p}_delete"),
                "Delete it, with its comments and attachments",
                vec![id_param("The record's id")],
                None,
                ("204", "Deleted", None),
            ),
        );
    }
    one.insert(
        "post".into(),
        op(
            tag,
            &format!("{p}_add_comment"),
            "Add a comment, an attachment or both",
            vec![id_param("The record's id")],
            Some(body("CommentInput", Some("CommentForm"))),
            (
                "201",
                "The new comment or attachment, and the whole thread",
                Some(reference("CommentAdded")),
            ),
        ),
    );
    paths.insert(format!("/api/{p}/{{id}}/"), Value::Object(one));
    thread_paths(paths, tag, &format!("/api/{p}/comment/{{id}}/"), "");
    file_paths(paths, tag, &format!("/api/{p}/attachment/{{id}}/"), true);
}

/// `PUT`/`PATCH`/`DELETE` on a comment of a kind, at `path`.
fn thread_paths(paths: &mut Map<String, Value>, tag: &str, path: &str, suffix: &str) {
    let id = || vec![id_param("The comment's id")];
    let edit = |method: &str| {
        op(
            tag,
            &format!("{tag}_{method}_comment{suffix}"),
            "Edit a comment (its author or an admin)",
            id(),
            Some(body("CommentEdit", None)),
            ("200", "The comment", Some(reference("Comment"))),
        )
    };
    let mut item = Map::new();
    item.insert("put".into(), edit("edit"));
    item.insert("patch".into(), edit("patch"));
    item.insert(
        "delete".into(),
        op(
            tag,
            &format!("{tag}_delete_comment{suffix}"),
            "Delete a comment (its author or an admin)",
            id(),
            None,
            ("204", "Deleted", None),
        ),
    );
    paths.insert(path.into(), Value::Object(item));
}

/// `DELETE` (and `GET`, to download) on an attachment of a kind, at `path`.
fn file_paths(paths: &mut Map<String, Value>, tag: &str, path: &str, download: bool) {
    let id = || vec![id_param("The attachment's id")];
    let suffix = if download { "" } else { "_1x" };
    let mut item = Map::new();
    if download {
        let mut get = op(
            tag,
            &format!("{tag}_download_attachment"),
            "Download an attachment",
            id(),
            None,
            ("200", "The file", None),
        );
        get["responses"]["200"]["content"] =
            json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}});
        item.insert("get".into(), get);
    }
    item.insert(
        "delete".into(),
        op(
            tag,
            &format!("{tag}_delete_attachment{suffix}"),
            "Delete an attachment and its file (its uploader or an admin)",
            id(),
            None,
            ("204", "Deleted", None),
        ),
    );
    paths.insert(path.into(), Value::Object(item));
}

/// Invoices' status actions and 1.x's thread routes.
fn invoice_paths(paths: &mut Map<String, Value>) {
    let tag = "invoices";
    let mut action = |name: &str, summary: &str, input: Option<Value>| {
        let mut item = Map::new();
        item.insert(
            "post".into(),
            op(
                tag,
                &format!("invoices_{}", name.replace('-', "_")),
                summary,
                vec![id_param("The invoice's id")],
                input,
                (
                    "200",
                    "The invoice after the action",
                    Some(reference("InvoiceAction")),
                ),
            ),
        );
        paths.insert(format!("/api/invoices/{{id}}/{name}/"), Value::Object(item));
    };
    action("send", "A draft becomes Sent (nothing is mailed)", None);
    action("cancel", "Cancel an invoice not paid or cancelled", None);
    action(
        "mark-paid",
        "Record a payment: Paid once nothing is due, else Partially_Paid",
        Some(json!({
            "required": false,
            "content": {"application/json": {"schema": reference("MarkPaidInput")}},
        })),
    );
    let mut add = |name: &str, input: Value| {
        let mut item = Map::new();
        item.insert(
            "post".into(),
            op(
                tag,
                &format!("invoices_add_{name}"),
                "Add a comment or an attachment (1.x's route)",
                vec![id_param("The invoice's id")],
                Some(input),
                (
                    "201",
                    "The new comment or attachment, and the whole thread",
                    Some(reference("CommentAdded")),
                ),
            ),
        );
        paths.insert(format!("/api/invoices/{{id}}/{name}/"), Value::Object(item));
    };
    add("comments", body("CommentInput", Some("CommentForm")));
    add(
        "attachments",
        json!({
            "required": true,
            "content": {"multipart/form-data": {"schema": reference("FileForm")}},
        }),
    );
    thread_paths(paths, tag, "/api/invoices/comments/{id}/", "_1x");
    file_paths(paths, tag, "/api/invoices/attachments/{id}/", false);
}

/// An operation: its success answer, and the error envelope on 400, 401, 403 and 404 (413 too
/// when it takes a body).
fn op(
    tag: &str,
    id: &str,
    summary: &str,
    params: Vec<Value>,
    request: Option<Value>,
    ok: (&str, &str, Option<Value>),
) -> Value {
    let mut responses = Map::new();
    responses.insert(ok.0.into(), response(ok.1, ok.2));
    let mut errors = vec![
        ("400", "Invalid input: the messages name the fields"),
        ("401", "No token, or an expired one"),
        (
            "403",
            "Not allowed: another org in the header, or not the owner",
        ),
        ("404", "No such record, or one the caller may not see"),
    ];
    if request.is_some() {
        errors.push(("413", "The body or the file is too large"));
    }
    for (code, description) in errors {
        responses.insert(
            code.into(),
            response(description, Some(reference("ErrorBody"))),
        );
    }
    let mut out = json!({
        "tags": [tag],
        "summary": summary,
        "operationId": id,
        "responses": responses,
    });
    if !params.is_empty() {
        out["parameters"] = Value::Array(params);
    }
    if let Some(request) = request {
        out["requestBody"] = request;
    }
    out
}

fn response(description: &str, schema: Option<Value>) -> Value {
    match schema {
        Some(schema) => json!({
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }),
        None => json!({ "description": description }),
    }
}

/// A body that may be left out (an update without it changes nothing).
fn optional(mut body: Value) -> Value {
    body["required"] = json!(false);
    body
}

/// A JSON body, and the same as a multipart form when files are accepted.
fn body(json_schema: &str, form: Option<&str>) -> Value {
    let mut content = Map::new();
    content.insert(
        "application/json".into(),
        json!({"schema": reference(json_schema)}),
    );
    if let Some(form) = form {
        content.insert(
            "multipart/form-data".into(),
            json!({"schema": reference(form)}),
        );
    }
    json!({"required": true, "content": content})
}

fn id_param(description: &str) -> Value {
    json!({
        "name": "id", "in": "path", "required": true, "description": description,
        "schema": {"type": "string", "format": "uuid"},
    })
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({
        "name": name, "in": "query", "required": false, "description": description,
        "schema": schema,
    })
}

/// Every parameter of a kind's list: its filters and the common ones, paging, and its ordering.
fn list_params(kind: &Kind) -> Vec<Value> {
    let mut out = Vec::new();
    for filter in kind.filters.iter().chain(COMMON_FILTERS) {
        for param in filter.params() {
            let (description, schema) = filter_param(kind, filter, &param);
            out.push(query(&param, &description, schema));
        }
    }
    out.push(query(
        "limit",
        &format!("Page size (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})"),
        json!({"type": "integer", "minimum": 0, "maximum": i64::MAX}),
    ));
    out.push(query(
        "offset",
        "Rows to skip",
        json!({"type": "integer", "minimum": 0, "maximum": i64::MAX}),
    ));
    if let Some((param, columns)) = ordering(kind) {
        let values: Vec<String> = columns
            .iter()
            .flat_map(|c| [c.to_string(), format!("-{c}")])
            .collect();
        out.push(query(
            param,
            "The order: a column, `-` first to descend",
            json!({"type": "string", "enum": values}),
        ));
    }
    out
}

/// Query values: no control characters (the core refuses them).
const PLAIN: &str = "^[^\\x00-\\x1f\\x7f-\\x9f]*$";

fn filter_param(kind: &Kind, filter: &Filter, param: &str) -> (String, Value) {
    let uuids = || json!({"type": "array", "items": {"type": "string", "format": "uuid"}});
    // An empty value is no filter.
    let date = || json!({"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]});
    match *filter {
        Filter::Text(_, cols) => (
            format!(
                "Case-insensitive substring of {}",
                cols.iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            json!({"type": "string", "pattern": PLAIN}),
        ),
        Filter::Exact("assigned_to") => (
            "Assigned to any of these users (repeat or comma-separate)".into(),
            uuids(),
        ),
        Filter::Exact("tags") => (
            "Tagged with any of these names (repeat or comma-separate)".into(),
            json!({"type": "array", "items": {"type": "string", "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f,]*$"}}),
        ),
        Filter::Exact(name) => match kind.field(name).map(|f| f.ty) {
            Some(Ty::Choice(choices)) => (
                format!("`{name}` is any of these (repeat or comma-separate)"),
                json!({"type": "array", "items": {"type": "string", "enum": values(choices)}}),
            ),
            Some(Ty::Bool(_)) => (format!("`{name}` is"), json!({"type": "boolean"})),
            Some(Ty::Date) => (format!("`{name}` is this day"), date()),
            _ => (format!("`{name}` is any of these records"), uuids()),
        },
        Filter::Day(name) => (format!("`{name}` is this day"), date()),
        Filter::Range(name) | Filter::RangeOne(name) => {
            let bound = if param.ends_with("gte") {
                "at least"
            } else {
                "at most"
            };
            match kind.field(name).map(|f| f.ty) {
                Some(Ty::Money) => (
                    format!("`{name}` is {bound} this amount"),
                    json!({"type": "string", "pattern": MONEY_IN}),
                ),
                _ => (format!("`{name}` is {bound} this day"), date()),
            }
        }
        Filter::Open => (
            "`true`: only the records counted as open".into(),
            json!({"type": "boolean"}),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Schemas.

/// Text the core takes: no NUL characters anywhere in a body.
const NO_NUL: &str = "^[^\\x00]*$";
/// Required text: something besides blanks, and no NUL.
const SOME_TEXT: &str = "^[^\\x00]*[^\\s\\x00][^\\x00]*$";

/// An amount as written: at most 13 digits and 2 decimals, not negative.
const MONEY_IN: &str = "^[0-9]{1,13}(\\.[0-9]{1,2})?$";

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn nullable(schema: Value) -> Value {
    json!({"oneOf": [schema, {"type": "null"}]})
}

fn values(choices: Choices) -> Vec<&'static str> {
    choices.iter().map(|(v, _)| *v).collect()
}

/// `contact` → `Contact`: the stem of a kind's schema names.
fn pascal(name: &str) -> String {
    name.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// The name of a kind's record schema (`ContactRecord`: `Contact` is the account detail's).
fn record(kind: &Kind) -> String {
    format!("{}Record", pascal(kind.name))
}

fn object(props: Vec<(String, Value)>, required: Vec<String>, description: &str) -> Value {
    let mut out = json!({
        "type": "object",
        "description": description,
        "properties": props.into_iter().collect::<Map<_, _>>(),
    });
    if !required.is_empty() {
        out["required"] = json!(required);
    }
    out
}

/// A field as the core answers it.
fn read_schema(field: &Field) -> Value {
    match field.ty {
        Ty::Text(max) => json!({"type": "string", "maxLength": max}),
        Ty::Email | Ty::Url => json!({"type": "string"}),
        Ty::Country => json!({"type": "string", "description": "ISO 3166 alpha-2, or empty"}),
        Ty::Currency => json!({"type": "string", "description": "ISO 4217"}),
        Ty::Choice(choices) if field.required => json!({"type": "string", "enum": values(choices)}),
        Ty::Choice(choices) => {
            let mut all: Vec<Value> = values(choices).into_iter().map(Value::from).collect();
            all.push(Value::Null);
            json!({"type": ["string", "null"], "enum": all})
        }
        Ty::Date => json!({"type": ["string", "null"], "format": "date"}),
        Ty::Money => json!({
            "type": ["string", "null"], "pattern": "^-?[0-9]+\\.[0-9]{2}$",
            "description": "A decimal string with two places",
        }),
        Ty::Percent => json!({"type": "integer", "minimum": 0, "maximum": 100}),
        Ty::Bool(_) => json!({"type": "boolean"}),
        Ty::Ref(target) => json!({
            "oneOf": [reference("Link"), {"type": "null"}],
            "description": format!("The {target}, as `{{id, name}}`"),
        }),
        Ty::RefId(target) => json!({
            "type": ["string", "null"], "format": "uuid",
            "description": format!("The {target}'s id"),
        }),
        Ty::User => {
            json!({"type": ["string", "null"], "format": "uuid", "description": "A user's id"})
        }
        Ty::Stamp => json!({"type": ["string", "null"], "format": "date-time"}),
    }
}

/// A field as the core takes it; `form`: as a multipart field (text, never null).
fn write_schema(field: &Field, form: bool) -> Value {
    let or_null = |mut s: Value| {
        if !form && !field.required {
            let ty = s["type"].clone();
            s["type"] = json!([ty, "null"]);
        }
        s
    };
    match field.ty {
        Ty::Text(max) if field.required => {
            json!({"type": "string", "maxLength": max, "pattern": SOME_TEXT})
        }
        Ty::Text(max) => or_null(json!({"type": "string", "maxLength": max, "pattern": NO_NUL})),
        Ty::Email => or_null(json!({"type": "string", "format": "email", "maxLength": 254})),
        Ty::Url => or_null(json!({
            "type": "string", "format": "uri", "pattern": "^https?://[^\\s]+$", "maxLength": 2000,
        })),
        Ty::Country => or_null(json!({
            "type": "string", "pattern": "^([A-Za-z]{2})?$",
            "description": "ISO 3166 alpha-2; empty for none",
        })),
        Ty::Currency => or_null(json!({
            "type": "string", "pattern": "^([A-Za-z]{3})?$", "description": "ISO 4217; USD if empty",
        })),
        Ty::Choice(choices) => {
            let mut all: Vec<Value> = values(choices).into_iter().map(Value::from).collect();
            if !field.required && !form {
                all.push(Value::Null);
            }
            or_null(json!({"type": "string", "enum": all}))
        }
        Ty::Date => or_null(json!({"type": "string", "format": "date"})),
        Ty::Money => or_null(json!({
            "type": "string", "pattern": MONEY_IN, "description": "An amount such as 1200.50",
        })),
        Ty::Percent => or_null(json!({"type": "integer", "minimum": 0, "maximum": 100})),
        Ty::Bool(default) => or_null(json!({"type": "boolean", "default": default})),
        Ty::Ref(target) | Ty::RefId(target) => or_null(json!({
            "type": "string", "format": "uuid", "description": format!("The {target}'s id"),
        })),
        Ty::User | Ty::Stamp => json!({"readOnly": true}),
    }
}

fn rel_read(rel: Rel) -> Value {
    match rel {
        Rel::AssignedTo => {
            json!({"type": "array", "items": {"type": "string", "format": "uuid"}, "description": "Users' ids"})
        }
        Rel::Teams => {
            json!({"type": "array", "items": {"type": "string", "format": "uuid"}, "description": "Teams' ids"})
        }
        Rel::Contacts => json!({"type": "array", "items": reference("ContactLink")}),
        Rel::Tags => {
            json!({"type": "array", "items": {"type": "string"}, "description": "Tag names"})
        }
    }
}

fn rel_write(rel: Rel, form: bool) -> Value {
    if form {
        return json!({
            "type": "string",
            "description": "A JSON array, or a comma-separated list",
        });
    }
    match rel {
        Rel::Tags => json!({
            "type": "array", "maxItems": 50,
            "items": {"type": "string", "maxLength": 100, "pattern": "\\S"},
            "description": "Tag names, made on first use",
        }),
        _ => json!({
            "type": "array", "maxItems": 1000,
            "items": {"type": "string", "format": "uuid"},
        }),
    }
}

fn kind_schemas(kind: &Kind, schemas: &mut Map<String, Value>) {
    let name = pascal(kind.name);
    let extras = read_extras(kind);

    // The record.
    let mut props: Vec<(String, Value)> = vec![
        ("id".into(), json!({"type": "string", "format": "uuid"})),
        (
            "created_by".into(),
            json!({"type": ["string", "null"], "format": "uuid"}),
        ),
        (
            "created_at".into(),
            json!({"type": "string", "format": "date-time"}),
        ),
        (
            "updated_at".into(),
            json!({"type": "string", "format": "date-time"}),
        ),
    ];
    props.extend(kind.fields.iter().map(|f| (f.name.into(), read_schema(f))));
    props.extend(kind.rels.iter().map(|r| (r.name().into(), rel_read(*r))));
    props.extend(
        extras
            .always
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone())),
    );
    let required: Vec<String> = props.iter().map(|(k, _)| k.clone()).collect();
    props.extend(
        extras
            .sometimes
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone())),
    );
    schemas.insert(
        record(kind),
        object(
            props,
            required,
            &format!("A {} as the core answers it", kind.name),
        ),
    );

    // What may be written, on create and on update, as JSON and as a form.
    if kind.fields.iter().any(|f| f.writable(true)) {
        for (creating, suffix) in [(true, "Create"), (false, "Update")] {
            for form in [false, true] {
                let mut props: Vec<(String, Value)> = kind
                    .fields
                    .iter()
                    .filter(|f| f.writable(creating))
                    .map(|f| (f.name.into(), write_schema(f, form)))
                    .collect();
                props.extend(
                    kind.rels
                        .iter()
                        .map(|r| (r.name().into(), rel_write(*r, form))),
                );
                props.extend(extras.input.iter().map(|(k, v)| (k.to_string(), v.clone())));
                if form {
                    props.push((
                        "attachment".into(),
                        json!({"type": "string", "format": "binary", "description": "A file to attach"}),
                    ));
                }
                let required = if creating {
                    kind.fields
                        .iter()
                        .filter(|f| f.required)
                        .map(|f| f.name.to_string())
                        .collect()
                } else {
                    Vec::new()
                };
                let what = if creating { "create" } else { "update" };
                let how = if form { " as a multipart form" } else { "" };
                let mut description = format!(
                    "The keys a {} {what} takes{how}; others are ignored",
                    kind.name
                );
                if let Some(rule) = extras.rule {
                    description.push_str(". ");
                    description.push_str(rule);
                }
                let mut schema = object(props, required, &description);
                if form {
                    // A multipart field name the parser cannot read is refused, so none.
                    schema["additionalProperties"] = json!(false);
                }
                schemas.insert(
                    format!("{name}{suffix}{}", if form { "Form" } else { "" }),
                    schema,
                );
            }
        }
    }

    // The detail.
    let mut props = vec![
        (kind.detail_key.to_string(), reference(&record(kind))),
        (
            "comments".into(),
            json!({"type": "array", "items": reference("Comment")}),
        ),
        (
            "attachments".into(),
            json!({"type": "array", "items": reference("Attachment")}),
        ),
        (
            "can_delete".into(),
            json!({"type": "boolean", "description": "Whether the caller may delete it"}),
        ),
    ];
    props.extend(
        extras
            .detail
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone())),
    );
    let required = props.iter().map(|(k, _)| k.clone()).collect();
    schemas.insert(
        format!("{name}Detail"),
        object(
            props,
            required,
            &format!("`GET /api/{}/{{id}}/`", kind.path),
        ),
    );

    // The list answer.
    let props = list_answer(kind, &record(kind));
    let required = props.iter().map(|(k, _)| k.clone()).collect();
    schemas.insert(
        format!("{name}List"),
        object(props, required, &format!("`GET /api/{}/`", kind.path)),
    );
}

/// Schemas every kind refers to.
fn shared_schemas() -> Map<String, Value> {
    let mut s = Map::new();
    s.insert(
        "Link".into(),
        object(
            vec![
                ("id".into(), json!({"type": "string", "format": "uuid"})),
                ("name".into(), json!({"type": "string"})),
            ],
            vec!["id".into(), "name".into()],
            "Another record, by id and name",
        ),
    );
    s.insert(
        "ContactLink".into(),
        object(
            ["first_name", "last_name", "email"]
                .iter()
                .map(|k| (k.to_string(), json!({"type": "string"})))
                .chain([("id".into(), json!({"type": "string", "format": "uuid"}))])
                .collect(),
            vec![
                "id".into(),
                "first_name".into(),
                "last_name".into(),
                "email".into(),
            ],
            "A linked contact",
        ),
    );
    s.insert(
        "Choices".into(),
        json!({
            "type": "array",
            "description": "An enum's `[value, label]` pairs",
            "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
        }),
    );
    s.insert(
        "CommentEdit".into(),
        object(
            vec![(
                "comment".into(),
                json!({"type": "string", "maxLength": 10000, "pattern": SOME_TEXT}),
            )],
            vec!["comment".into()],
            "A comment's new text",
        ),
    );
    s.insert(
        "CommentForm".into(),
        object(
            vec![
                (
                    "comment".into(),
                    json!({"type": "string", "maxLength": 10000, "pattern": NO_NUL}),
                ),
                (
                    "attachment".into(),
                    json!({"type": "string", "format": "binary"}),
                ),
            ],
            vec![],
            "A comment and/or a file (`attachment`, or `<kind>_attachment`); one of them is \
             needed. A case's internal note (`is_internal`) is sent as JSON",
        ),
    );
    s.insert(
        "FileForm".into(),
        object(
            vec![("file".into(), json!({"type": "string", "format": "binary"}))],
            vec!["file".into()],
            "A file to attach",
        ),
    );
    for form in ["CommentForm", "FileForm"] {
        if let Some(form) = s.get_mut(form) {
            form["additionalProperties"] = json!(false);
        }
    }
    s.insert(
        "MarkPaidInput".into(),
        object(
            vec![
                (
                    "amount".into(),
                    json!({"type": "string", "pattern": MONEY_IN,
                           "description": "More than 0, at most what is due (the default)"}),
                ),
                (
                    "payment_method".into(),
                    json!({"type": "string", "enum": values(PAYMENT_METHODS), "default": "OTHER"}),
                ),
                (
                    "payment_date".into(),
                    json!({"type": "string", "format": "date", "description": "Today if not sent"}),
                ),
                (
                    "reference_number".into(),
                    json!({"type": "string", "maxLength": 255}),
                ),
                ("notes".into(), json!({"type": "string", "maxLength": 255})),
            ],
            vec![],
            "A payment",
        ),
    );
    s.insert(
        "InvoiceAction".into(),
        object(
            vec![("invoice".into(), reference("InvoiceRecord"))],
            vec!["invoice".into()],
            "The invoice with its lines and payments",
        ),
    );
    let count = json!({"type": "integer", "minimum": 0});
    let mut stages = Map::new();
    for (stage, _) in STAGES {
        stages.insert(stage.to_string(), reference("StageFigures"));
    }
    s.insert(
        "StageFigures".into(),
        object(
            vec![
                ("count".into(), count.clone()),
                (
                    "value".into(),
                    json!({"type": "string", "description": "The USD amounts summed"}),
                ),
                ("label".into(), json!({"type": "string"})),
                (
                    "kind".into(),
                    json!({"type": "string", "enum": ["open", "won", "lost"]}),
                ),
                ("order".into(), count.clone()),
            ],
            ["count", "value", "label", "kind", "order"]
                .map(String::from)
                .to_vec(),
            "One stage of the pipeline",
        ),
    );
    let urgent = [
        "overdue_tasks",
        "tasks_due_today",
        "followups_today",
        "hot_leads",
    ];
    s.insert(
        "Dashboard".into(),
        object(
            vec![
                ("accounts_count".into(), count.clone()),
                ("contacts_count".into(), count.clone()),
                ("leads_count".into(), count.clone()),
                ("opportunities_count".into(), count.clone()),
                (
                    "cases_open_count".into(),
                    json!({"type": "integer", "minimum": 0, "description": "Cases not closed"}),
                ),
                (
                    "currency".into(),
                    json!({"type": "string", "description": "The currency the values sum"}),
                ),
                (
                    "kinds".into(),
                    json!({"type": "array", "items": {"type": "string"},
                           "description": "The record kinds this core serves, by path"}),
                ),
                (
                    "urgent_counts".into(),
                    object(
                        urgent
                            .iter()
                            .map(|k| (k.to_string(), count.clone()))
                            .collect(),
                        urgent.map(String::from).to_vec(),
                        "What needs attention today",
                    ),
                ),
                (
                    "pipeline_by_stage".into(),
                    json!({"type": "object", "properties": stages, "required": values(STAGES)}),
                ),
            ],
            [
                "accounts_count",
                "contacts_count",
                "leads_count",
                "opportunities_count",
                "cases_open_count",
                "currency",
                "kinds",
                "urgent_counts",
                "pipeline_by_stage",
            ]
            .map(String::from)
            .to_vec(),
            "`GET /api/dashboard/`, as the caller may see",
        ),
    );
    s
}

// ---------------------------------------------------------------------------------------------
// What the descriptions do not say: each kind's list answer, the keys its store adds when it
// reads, and its orderings. Kept beside the store code they follow (`store::<kind>::list`,
// `decorate`, `detail_extras`, `order_sql`).

#[derive(Default)]
struct Extras {
    /// Added to every record read.
    always: Vec<(&'static str, Value)>,
    /// Added to some answers only.
    sometimes: Vec<(&'static str, Value)>,
    /// Keys beside the fields that a write takes.
    input: Vec<(&'static str, Value)>,
    /// Added to the detail.
    detail: Vec<(&'static str, Value)>,
    /// A rule across fields, in words.
    rule: Option<&'static str>,
}

fn read_extras(kind: &Kind) -> Extras {
    let rows = |kind: &str| json!({"type": "array", "items": reference(&format!("{}Record", pascal(kind)))});
    let money = json!({"type": "string", "pattern": "^-?[0-9]+\\.[0-9]{2}$"});
    let id = |what: &str| {
        json!({"type": ["string", "null"], "format": "uuid",
               "description": format!("The {what} the conversion made or found")})
    };
    match kind.name {
        "contact" => Extras {
            always: vec![
                ("account_detail", nullable(reference("Link"))),
                (
                    "linked_accounts",
                    json!({"type": "array", "items": reference("Link")}),
                ),
                (
                    "created_on",
                    json!({"type": "string", "format": "date-time", "description": "`created_at`, as accounts name it"}),
                ),
            ],
            detail: vec![
                ("opportunities", rows("opportunity")),
                ("cases", rows("case")),
                ("tasks", rows("task")),
            ],
            ..Extras::default()
        },
        "lead" => Extras {
            sometimes: vec![
                ("account_id", id("account")),
                ("contact_id", id("contact")),
                ("opportunity_id", id("opportunity")),
            ],
            input: vec![(
                "is_converted",
                json!({"type": "boolean", "description": "`true` converts, as `status: converted`"}),
            )],
            rule: Some(
                "One of title, first_name, last_name, company_name or email is needed; converting needs email",
            ),
            ..Extras::default()
        },
        "opportunity" => Extras {
            always: vec![
                ("stage_label", json!({"type": "string"})),
                (
                    "stage_kind",
                    json!({"type": "string", "enum": ["open", "won", "lost"]}),
                ),
            ],
            ..Extras::default()
        },
        "case" => Extras {
            detail: vec![(
                "internal_notes",
                json!({"type": "array", "items": reference("Comment")}),
            )],
            ..Extras::default()
        },
        "task" => Extras {
            rule: Some("One parent at most of account, opportunity, case and lead"),
            ..Extras::default()
        },
        "invoice" => Extras {
            always: vec![
                ("amount_due", money.clone()),
                ("is_overdue", json!({"type": "boolean"})),
                ("account_name", json!({"type": ["string", "null"]})),
                ("contact_name", json!({"type": ["string", "null"]})),
            ],
            sometimes: vec![
                (
                    "line_items",
                    json!({"type": "array", "description": "Detail and actions only", "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "quantity": {"type": ["string", "number"]},
                            "unit_price": {"type": ["string", "number"]},
                            "total": {"type": ["string", "number"]},
                        },
                    }}),
                ),
                (
                    "payments",
                    json!({"type": "array", "description": "Detail and actions only", "items": {
                        "type": "object",
                        "required": ["id", "amount", "payment_method", "payment_date",
                                     "reference_number", "notes", "created_at"],
                        "properties": {
                            "id": {"type": "string", "format": "uuid"},
                            "amount": money,
                            "payment_method": {"type": "string"},
                            "payment_date": {"type": ["string", "null"], "format": "date"},
                            "reference_number": {"type": "string"},
                            "notes": {"type": "string"},
                            "created_at": {"type": "string", "format": "date-time"},
                        },
                    }}),
                ),
            ],
            ..Extras::default()
        },
        _ => Extras::default(),
    }
}

/// The ordering parameter a kind's list takes and its columns.
fn ordering(kind: &Kind) -> Option<(&'static str, &'static [&'static str])> {
    match kind.name {
        "case" => Some(("ordering", &["created_at", "name", "priority"])),
        "invoice" => Some((
            "sort",
            &[
                "created_at",
                "due_date",
                "issue_date",
                "total_amount",
                "status",
            ],
        )),
        _ => None,
    }
}

/// The keys of a kind's list answer.
fn list_answer(kind: &Kind, name: &str) -> Vec<(String, Value)> {
    let count = || json!({"type": "integer", "minimum": 0});
    let offset = || json!({"type": ["integer", "null"], "minimum": 0, "description": "The next page's offset; null after the last"});
    let rows = || json!({"type": "array", "items": reference(name)});
    let p = kind.path;
    let mut props: Vec<(String, Value)> = match kind.name {
        "contact" => vec![
            ("contacts_count".into(), count()),
            ("offset".into(), offset()),
            ("contact_obj_list".into(), rows()),
            ("active_count".into(), count()),
            ("inactive_count".into(), count()),
        ],
        "lead" => ["open_leads", "close_leads"]
            .iter()
            .map(|half| {
                (
                    half.to_string(),
                    object(
                        vec![
                            ("leads_count".into(), count()),
                            (half.to_string(), rows()),
                            ("offset".into(), offset()),
                        ],
                        vec!["leads_count".into(), half.to_string(), "offset".into()],
                        "One half, counted and paged alone",
                    ),
                )
            })
            .collect(),
        "opportunity" => {
            let sum =
                || json!({"type": ["string", "null"], "description": "Null when currencies mix"});
            vec![
                ("opportunities_count".into(), count()),
                ("offset".into(), offset()),
                ("opportunities".into(), rows()),
                (
                    "totals".into(),
                    object(
                        vec![
                            ("count".into(), count()),
                            ("amount_sum".into(), sum()),
                            ("weighted_sum".into(), sum()),
                            (
                                "by_currency".into(),
                                json!({"type": "object", "additionalProperties": {
                                    "type": "object",
                                    "required": ["amount_sum", "weighted_sum"],
                                    "properties": {"amount_sum": {"type": "string"},
                                                   "weighted_sum": {"type": "string"}},
                                }}),
                            ),
                        ],
                        ["count", "amount_sum", "weighted_sum", "by_currency"]
                            .map(String::from)
                            .to_vec(),
                        "Totals of every match",
                    ),
                ),
            ]
        }
        "case" => vec![
            ("cases_count".into(), count()),
            ("offset".into(), offset()),
            ("cases".into(), rows()),
            ("open_count".into(), count()),
            ("urgent_count".into(), count()),
        ],
        "task" => {
            let keys = [
                "count",
                "open",
                "overdue",
                "due_today",
                "due_this_week",
                "no_due_date",
                "unassigned",
            ];
            vec![
                ("tasks_count".into(), count()),
                ("offset".into(), offset()),
                ("tasks".into(), rows()),
                (
                    "totals".into(),
                    object(
                        keys.iter().map(|k| (k.to_string(), count())).collect(),
                        keys.map(String::from).to_vec(),
                        "Due-date totals of the matches; all but count leave completed tasks out",
                    ),
                ),
            ]
        }
        "invoice" => {
            let link = || json!({"type": ["string", "null"], "description": "The page's query on this path"});
            vec![
                ("count".into(), count()),
                ("next".into(), link()),
                ("previous".into(), link()),
                ("results".into(), rows()),
            ]
        }
        _ => vec![
            (format!("{p}_count"), count()),
            ("offset".into(), offset()),
            (p.to_string(), rows()),
        ],
    };
    props.extend(
        kind.list_choices
            .iter()
            .map(|(key, _)| (key.to_string(), reference("Choices"))),
    );
    props
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_parameter_is_declared() {
        for kind in KINDS {
            let declared: Vec<String> = list_params(kind)
                .iter()
                .filter_map(|p| p["name"].as_str().map(String::from))
                .collect();
            for param in kind.list_params() {
                assert!(declared.contains(&param), "{}: {param}", kind.path);
            }
        }
    }

    #[test]
    fn the_parts_read_into_utoipa() {
        let (paths, schemas) = generated().expect("the generated parts parse");
        assert!(paths.paths.contains_key("/api/leads/{id}/"));
        assert!(schemas.contains_key("CaseDetail"));
    }

    /// utoipa reads what it cannot type as a looser schema; nothing may be lost that way.
    #[test]
    fn the_parts_read_into_utoipa_without_loss() {
        let (paths, schemas) = generated().expect("the generated parts parse");
        let (want_paths, want_schemas) = generated_json();
        let got = serde_json::to_value(&schemas).expect("schemas print");
        for (name, want) in &want_schemas {
            assert_eq!(&got[name], want, "{name}");
        }
        let got = serde_json::to_value(&paths).expect("paths print");
        for (path, want) in &want_paths {
            assert_eq!(&got[path], want, "{path}");
        }
    }

    #[test]
    fn no_schema_is_replaced() {
        let doc = <super::super::ApiDoc as utoipa::OpenApi>::openapi();
        let served = doc.components.map(|c| c.schemas).unwrap_or_default();
        let (_, schemas) = generated().expect("the generated parts parse");
        for (name, schema) in schemas {
            assert!(
                served.get(&name) == Some(&schema),
                "{name} clashes with a derived schema"
            );
        }
    }

    #[test]
    fn every_reference_names_a_schema() {
        let (paths, schemas) = generated_json();
        let text = serde_json::to_string(&(paths, &schemas)).unwrap_or_default();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
            let known = schemas.contains_key(&name)
                || [
                    "ErrorBody",
                    "Comment",
                    "CommentInput",
                    "CommentAdded",
                    "Attachment",
                ]
                .contains(&name.as_str());
            assert!(known, "{name}");
        }
    }
}
