//! The rows of the route table for report duties (报告事项) and campaigns (专项整治).

use axum::routing::{get, post, put};

use crate::routes::doc::{doc, Body};
use crate::routes::{campaigns, duties, Route};
use crate::store::ServedStore;

/// Report schedules and the duties they generate.
pub(crate) fn duty_routes<S: ServedStore>() -> Vec<Route<S>> {
    vec![
        (
            doc(
                "get",
                "/v1/duties/schedules",
                "duty_schedules",
                "报告制度（the report schedules）",
                "duties",
            ),
            get(duties::schedules::<S>),
        ),
        (
            doc(
                "put",
                "/v1/duties/schedules",
                "put_duty_schedules",
                "修改报告制度（replace the report schedules: TOML [[schedules]] or a JSON array）",
                "duties",
            )
            .body(Body::Toml),
            put(duties::put_schedules::<S>),
        ),
        (
            doc(
                "post",
                "/v1/duties/generate",
                "generate_duties",
                "生成报告事项（generate the duties due in a range: ?from=&to=）",
                "duties",
            ),
            post(duties::generate::<S>),
        ),
        (
            doc(
                "get",
                "/v1/duties",
                "duties",
                "报告事项列表（report duties: ?open=&unit=&schedule=&from=&to=）",
                "duties",
            ),
            get(duties::list::<S>),
        ),
        (
            doc(
                "get",
                "/v1/duties/statistics",
                "duty_statistics",
                "报告事项统计（how the duties due in a period went: ?period=）",
                "duties",
            ),
            get(duties::statistics::<S>),
        ),
        (
            doc(
                "get",
                "/v1/duties/{id}",
                "duty",
                "报告事项（one duty; its id's slashes as %2F）",
                "duties",
            ),
            get(duties::show::<S>),
        ),
        (
            doc(
                "post",
                "/v1/duties/{id}/submit",
                "submit_duty",
                "报送报告事项（submit a duty）",
                "duties",
            )
            .body(Body::Json),
            post(duties::submit::<S>),
        ),
        (
            doc(
                "get",
                "/v1/duties/{id}/history",
                "duty_history",
                "报告事项全过程记录（a duty's stored events）",
                "duties",
            ),
            get(duties::history::<S>),
        ),
        (
            doc(
                "get",
                "/v1/duties/{id}/verify",
                "verify_duty",
                "校验报告事项记录链（verify a duty's chain）",
                "duties",
            ),
            get(duties::verify::<S>),
        ),
    ]
}

/// Campaigns and their statistics tables.
pub(crate) fn campaign_routes<S: ServedStore>() -> Vec<Route<S>> {
    vec![
        (
            doc("get", "/v1/campaigns", "campaigns", "专项整治（the campaigns）", "campaigns"),
            get(campaigns::list::<S>),
        ),
        (
            doc(
                "put",
                "/v1/campaigns/{code}",
                "put_campaign",
                "新增或修改专项整治（add or replace a campaign: TOML or JSON）",
                "campaigns",
            )
            .body(Body::Toml),
            put(campaigns::put::<S>),
        ),
        (
            doc(
                "get",
                "/v1/campaigns/{code}/statistics",
                "campaign_statistics",
                "专项整治隐患问题统计表（a campaign's statistics table: ?phase=N, from 1）",
                "campaigns",
            ),
            get(campaigns::statistics::<S>),
        ),
        (
            doc(
                "get",
                "/v1/campaigns/{code}/statistics.xlsx",
                "campaign_statistics_xlsx",
                "下载专项整治统计表（download a campaign's statistics table: ?phase=N）",
                "campaigns",
            )
            .produces("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            get(campaigns::statistics_xlsx::<S>),
        ),
    ]
}
