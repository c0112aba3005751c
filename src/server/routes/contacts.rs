//! `/api/contacts/...`: the common record routes (see `records`).

use super::records::{self, Api};
use crate::server::AppState;
use crate::server::store::contacts::{self as store, CONTACTS};

pub fn router() -> axum::Router<AppState> {
    records::router(Api::new(&CONTACTS, store::list))
}
