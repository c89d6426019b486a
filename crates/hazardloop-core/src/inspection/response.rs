//! How a checklist item is answered, and judging an answer: within its limits, and failing or not.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::template::Item;
use crate::model::InputError;

/// How an item is answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ResponseKind {
    /// 合格 / 不合格 / 不适用.
    PassFail,
    /// A measured number within `min..=max` (input limits); outside `pass_min..=pass_max` it fails.
    Number {
        /// The smallest value accepted as input.
        min: f64,
        /// The largest value accepted as input.
        max: f64,
        /// Values below this fail the item.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pass_min: Option<f64>,
        /// Values above this fail the item.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pass_max: Option<f64>,
        /// The unit shown beside the value (`MPa`, `℃`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    /// One of a list; the `failing` options fail the item.
    Choice {
        /// The options, in the order shown.
        options: Vec<String>,
        /// The options that fail the item.
        #[serde(default)]
        failing: Vec<String>,
    },
}

/// An answer to one item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Response {
    /// 合格.
    Pass,
    /// 不合格: a finding.
    Fail,
    /// 不适用: the item does not apply here today.
    NotApplicable,
    /// A measured number.
    Number(f64),
    /// The option chosen.
    Choice(String),
}

impl ResponseKind {
    /// Checks the kind's own numbers and options; errors name `response.…`.
    pub(crate) fn validate(&self) -> Result<(), InputError> {
        match self {
            ResponseKind::PassFail => Ok(()),
            ResponseKind::Number { min, max, pass_min, pass_max, .. } => {
                let finite = |f: &str, v: f64| {
                    if v.is_finite() {
                        Ok(())
                    } else {
                        Err(malformed(&format!("response.{f}"), "is not a number"))
                    }
                };
                finite("min", *min)?;
                finite("max", *max)?;
                if min > max {
                    return Err(order("response.max", "is below min"));
                }
                for (name, bound) in [("pass_min", pass_min), ("pass_max", pass_max)] {
                    if let Some(v) = bound {
                        finite(name, *v)?;
                        if v < min || v > max {
                            return Err(order(
                                &format!("response.{name}"),
                                "lies outside min..max",
                            ));
                        }
                    }
                }
                if let (Some(lo), Some(hi)) = (pass_min, pass_max) {
                    if lo > hi {
                        return Err(order("response.pass_max", "is below pass_min"));
                    }
                }
                Ok(())
            }
            ResponseKind::Choice { options, failing } => {
                if options.len() < 2 {
                    return Err(malformed("response.options", "needs at least two options"));
                }
                let mut seen = BTreeSet::new();
                for (i, o) in options.iter().enumerate() {
                    text(&format!("response.options[{i}]"), o)?;
                    if !seen.insert(o.as_str()) {
                        return Err(malformed(
                            &format!("response.options[{i}]"),
                            "is listed twice",
                        ));
                    }
                }
                for (i, f) in failing.iter().enumerate() {
                    if !seen.contains(f.as_str()) {
                        return Err(InputError::NotAllowed {
                            field: format!("response.failing[{i}]"),
                            value: f.clone(),
                            allowed: options.join(", "),
                        });
                    }
                }
                Ok(())
            }
        }
    }
}

impl Item {
    /// Checks a response against the item's kind; `field` names the answer in errors.
    /// Returns whether the response is a failure (a finding).
    pub fn judge(&self, response: &Response, field: &str) -> Result<bool, InputError> {
        let wrong = |expected: &str| InputError::NotAllowed {
            field: field.into(),
            value: response_name(response).into(),
            allowed: expected.into(),
        };
        match (&self.response, response) {
            (_, Response::NotApplicable) => Ok(false),
            (ResponseKind::PassFail, Response::Pass) => Ok(false),
            (ResponseKind::PassFail, Response::Fail) => Ok(true),
            (ResponseKind::PassFail, _) => Err(wrong("pass, fail, not_applicable")),
            (ResponseKind::Number { min, max, pass_min, pass_max, .. }, Response::Number(v)) => {
                if !v.is_finite() || v < min || v > max {
                    return Err(InputError::TooLarge {
                        field: field.into(),
                        limit: format!("{v} is outside {min}..={max}"),
                    });
                }
                Ok(pass_min.is_some_and(|lo| *v < lo) || pass_max.is_some_and(|hi| *v > hi))
            }
            (ResponseKind::Number { .. }, _) => Err(wrong("number, not_applicable")),
            (ResponseKind::Choice { options, failing }, Response::Choice(c)) => {
                if !options.contains(c) {
                    return Err(InputError::NotAllowed {
                        field: field.into(),
                        value: c.clone(),
                        allowed: options.join(", "),
                    });
                }
                Ok(failing.contains(c))
            }
            (ResponseKind::Choice { .. }, _) => Err(wrong("choice, not_applicable")),
        }
    }
}

/// The name of a response's kind, for errors.
fn response_name(response: &Response) -> &'static str {
    match response {
        Response::Pass => "pass",
        Response::Fail => "fail",
        Response::NotApplicable => "not_applicable",
        Response::Number(_) => "number",
        Response::Choice(_) => "choice",
    }
}

fn malformed(field: &str, reason: &str) -> InputError {
    InputError::Malformed { field: field.into(), reason: reason.into() }
}

fn order(field: &str, reason: &str) -> InputError {
    InputError::OutOfOrder { field: field.into(), reason: reason.into() }
}

fn text(field: &str, value: &str) -> Result<(), InputError> {
    if value.trim().is_empty() {
        Err(InputError::Missing { field: field.into() })
    } else if value.chars().count() > 500 {
        Err(InputError::TooLarge { field: field.into(), limit: "500 characters".into() })
    } else {
        Ok(())
    }
}
