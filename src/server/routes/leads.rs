//! `/api/leads/...`: the common record routes, with conversion on create and update.

use super::records::{self, Api, Writes};
use crate::server::AppState;
use crate::server::store::leads::{self as store, LEADS};

pub fn router() -> axum::Router<AppState> {
    records::router(Api {
        writes: Writes::Custom(|db, ctx, id, body| {
            let (id, converted) = store::write(db, ctx, id, body)?;
            store::answer(db, ctx, id, converted)
        }),
        ..Api::new(&LEADS, store::list)
    })
}
