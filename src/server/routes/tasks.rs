//! `/api/tasks/...`: the common record routes (see `records`).

use super::records::{self, Api};
use crate::server::AppState;
use crate::server::store::tasks::{self as store, TASKS};

pub fn router() -> axum::Router<AppState> {
    records::router(Api::new(&TASKS, store::list))
}
