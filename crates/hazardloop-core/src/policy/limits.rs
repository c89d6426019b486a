//! Input limits: the sizes beyond which input is refused with a typed error.

use serde::{Deserialize, Serialize};

use crate::model::InputError;

/// Maximum sizes of input. Over-limit input gets [`InputError::TooLarge`] naming the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Longest title, in characters.
    pub title: usize,
    /// Longest free text (description, notes, plan items), in characters.
    pub text: usize,
    /// Most evidence items in one command.
    pub evidence_items: usize,
    /// Longest evidence URI, in bytes.
    pub uri: usize,
    /// Largest page a query may ask for.
    pub page_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { title: 200, text: 4000, evidence_items: 20, uri: 2048, page_size: 1000 }
    }
}

impl Limits {
    /// Checks a text field's length.
    pub fn text(&self, field: &str, value: &str) -> Result<(), InputError> {
        check_len(field, value, self.text)
    }

    /// Checks a title's length.
    pub fn title(&self, field: &str, value: &str) -> Result<(), InputError> {
        check_len(field, value, self.title)
    }

    /// Checks every limit is positive.
    pub fn validate(&self) -> Result<(), InputError> {
        let fields = [
            ("limits.title", self.title),
            ("limits.text", self.text),
            ("limits.evidence_items", self.evidence_items),
            ("limits.uri", self.uri),
            ("limits.page_size", self.page_size),
        ];
        match fields.iter().find(|(_, v)| *v == 0) {
            Some((field, _)) => Err(InputError::Malformed {
                field: (*field).into(),
                reason: "must be positive".into(),
            }),
            None => Ok(()),
        }
    }
}

fn check_len(field: &str, value: &str, max: usize) -> Result<(), InputError> {
    if value.chars().count() > max {
        return Err(InputError::TooLarge {
            field: field.into(),
            limit: format!("{max} characters"),
        });
    }
    Ok(())
}
