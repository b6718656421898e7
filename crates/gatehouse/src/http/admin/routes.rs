//! `GET /admin/routes`: the route table as this server runs it — every route's handler name,
//! method, path, action, policies, rate limit, enabled flag and surface — the same array
//! `gatehouse routes list --json` prints, answered as `{data: [...]}`.

use crate::http::admin::views::Data;
use crate::http::routes::RouteView;
use crate::http::AppState;
use axum::extract::State;
use axum::Json;

/// The effective route table.
#[utoipa::path(get, path = "/admin/routes", tag = "admin", operation_id = "list_routes",
    responses((status = 200, description = "Every route, enabled or not, in table order", body = Data<Vec<RouteView>>)))]
pub async fn list_routes(State(state): State<AppState>) -> Json<Data<Vec<RouteView>>> {
    Json(Data { data: state.routes.views(&state.limits) })
}
