//! A position seal's authorised scope (R-USE-3) on its page: the document types, business
//! categories and highest amount its holder may sign, set by a custodian of its
//! organisation through the signing service (which checks the role and the organisation).

use super::Ctx;
use crate::service::Scope;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use eseal_core::{PositionScope, Seal, SealKind};
use maud::{Markup, html};
use serde::Deserialize;

fn list(items: &[String]) -> String {
    items.join("，")
}

/// The scope shown on a position seal's page, with the form for custodians.
pub fn section(ctx: &Ctx, seal: &Seal, current: Option<&PositionScope>) -> Markup {
    let l = ctx.lang;
    if !matches!(seal.kind, SealKind::Position(_)) {
        return html! {};
    }
    let edit =
        ctx.may(crate::service::roles::SET_SCOPE) && seal.state == eseal_core::SealState::Active;
    html! {
        div.card {
            h2 { (l.t("授权范围", "Authorised scope")) }
            @match current {
                Some(sc) => {
                    dl.facts {
                        dt { (l.t("文件类型", "Document types")) } dd { (list(&sc.document_types)) }
                        dt { (l.t("业务类别", "Business categories")) } dd { @if sc.business_categories.is_empty() { (l.t("不限", "any")) } @else { (list(&sc.business_categories)) } }
                        dt { (l.t("金额上限（元）", "Highest amount (yuan)")) } dd { @match sc.amount_limit { Some(a) => { (a) } None => { (l.t("不限", "no limit")) } } }
                        dt { (l.t("设定人", "Set by")) } dd { (sc.set_by) }
                    }
                }
                None => { p.muted { (l.t("单位尚未设定授权范围：设定前职务印章不能使用。", "The organisation has not set the scope: the seal cannot be used until it does.")) } }
            }
            @if edit {
                form.stack method="post" action={ "/seals/" (seal.id) "/scope" } {
                    input type="hidden" name="csrf" value=(ctx.csrf);
                    input type="hidden" name="seen" value=(crate::service::etag(&current));
                    label for="document_types" { (l.t("文件类型（用逗号分隔，如：合同，报销单）", "Document types (comma-separated, e.g. 合同，报销单)")) }
                    input #document_types type="text" name="document_types" value=(current.map(|c| list(&c.document_types)).unwrap_or_default()) maxlength="500" required;
                    label for="business_categories" { (l.t("业务类别（可选，用逗号分隔）", "Business categories (optional, comma-separated)")) }
                    input #business_categories type="text" name="business_categories" value=(current.map(|c| list(&c.business_categories)).unwrap_or_default()) maxlength="500";
                    label for="amount_limit" { (l.t("金额上限（元，可选）", "Highest amount (yuan, optional)")) }
                    input #amount_limit type="number" name="amount_limit" min="0" value=(current.and_then(|c| c.amount_limit).map(|a| a.to_string()).unwrap_or_default());
                    button type="submit" { (l.t("保存授权范围", "Save the scope")) }
                }
            }
        }
    }
}

/// The form's fields.
#[derive(Debug, Deserialize)]
pub struct ScopeForm {
    csrf: String,
    /// The scope as the page showed it ([`crate::service::etag`]).
    seen: Option<String>,
    document_types: String,
    #[serde(default)]
    business_categories: String,
    #[serde(default)]
    amount_limit: String,
}

fn split(v: &str) -> Vec<String> {
    v.split([',', '，', '、'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Sets the scope.
pub async fn set(
    State(s): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(f): Form<ScopeForm>,
) -> Response {
    let c = match ctx.form_caller(&s, &f.csrf).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let amount_limit = match f.amount_limit.trim() {
        "" => None,
        a => match a.parse::<u64>() {
            Ok(a) => Some(a),
            Err(_) => {
                return ctx.refusal(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ctx.lang.t(
                        "金额上限须为整数（元）",
                        "The highest amount must be whole yuan",
                    ),
                );
            }
        },
    };
    let scope = Scope {
        document_types: split(&f.document_types),
        business_categories: split(&f.business_categories),
        amount_limit,
    };
    match s
        .signing()
        .set_scope(c, &id, scope, f.seen.as_deref())
        .await
    {
        Ok(_) => Redirect::to(&format!("/seals/{}", super::urlencode(&id))).into_response(),
        Err(e) => super::refused(&s, &ctx, &e).await,
    }
}
