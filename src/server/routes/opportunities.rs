//! `/api/opportunities/...`: the common record routes (see `records`).

use super::records::{self, Api};
use crate::server::AppState;
use crate::server::store::opportunities::{self as store, OPPORTUNITIES};

pub fn router() -> axum::Router<AppState> {
    records::router(Api::new(&OPPORTUNITIES, store::list))
}
