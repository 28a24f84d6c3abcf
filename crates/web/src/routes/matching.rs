//! Matching on the pages: for a demand, the published achievements that fit best,
//! each with the reasons it was suggested.

use ztc_store::demands::Demand;

use crate::AppState;
use crate::ctx::Req;
use crate::routes::demands::Suggestion;

/// Suggested achievements for demand `d` (empty when the index cannot answer).
pub async fn for_demand(_state: &AppState, _req: &Req, _d: &Demand) -> Vec<Suggestion> {
    Vec::new()
}
