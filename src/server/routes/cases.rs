//! `/api/cases/...`: the common record routes (see `records`).

use super::records::{self, Api};
use crate::server::AppState;
use crate::server::store::cases::{self as store, CASES};

pub fn router() -> axum::Router<AppState> {
    records::router(Api::new(&CASES, store::list))
}
