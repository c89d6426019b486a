//! Input limits: the sizes beyond which input is refused with a typed error.
//!
//! Every limit is policy (`[limits]` in the policy document). Input over a limit is refused with
//! [`InputError::TooLarge`], whose `field` is the path of the input field and whose `limit` names
//! the amount and the policy key, e.g. `4000 characters (limits.text)`; [`Limit::of`] reads the
//! key back. The limits are checked before anything is stored, so a refused command writes
//! nothing.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Evidence, InputError};

/// Maximum sizes of input. Over-limit input gets [`InputError::TooLarge`] naming the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Longest title or document reference, in characters.
    pub title: usize,
    /// Longest free text (location, description, notes, reasons, plan items), in characters.
    pub text: usize,
    /// Most evidence items in one command.
    pub evidence_items: usize,
    /// Longest evidence URI, in bytes.
    pub uri: usize,
    /// Longest evidence media type (`image/jpeg`), in bytes.
    pub media_type: usize,
    /// Largest page a query may ask for, in rows.
    pub page_size: usize,
    /// Rows a ledger page counts past its own end: when more match, its total says "at least"
    /// (counting every match of a city's ledger costs more than the page).
    pub ledger_count: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            title: 200,
            text: 4000,
            evidence_items: 20,
            uri: 2048,
            media_type: 255,
            page_size: 1000,
            ledger_count: 1000,
        }
    }
}

/// One of the [`Limits`], named by its key in the policy document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Limit {
    /// `limits.title`: characters of a title or reference.
    Title,
    /// `limits.text`: characters of a free text.
    Text,
    /// `limits.evidence_items`: evidence items in one command.
    EvidenceItems,
    /// `limits.uri`: bytes of an evidence URI.
    Uri,
    /// `limits.media_type`: bytes of an evidence media type.
    MediaType,
    /// `limits.page_size`: rows in one query page.
    PageSize,
    /// `limits.ledger_count`: rows a ledger page counts past its end.
    LedgerCount,
}

impl Limit {
    /// Every limit.
    pub const ALL: [Limit; 7] = [
        Limit::Title,
        Limit::Text,
        Limit::EvidenceItems,
        Limit::Uri,
        Limit::MediaType,
        Limit::PageSize,
        Limit::LedgerCount,
    ];

    /// The key in the policy document: `limits.text`.
    pub fn key(self) -> &'static str {
        match self {
            Limit::Title => "limits.title",
            Limit::Text => "limits.text",
            Limit::EvidenceItems => "limits.evidence_items",
            Limit::Uri => "limits.uri",
            Limit::MediaType => "limits.media_type",
            Limit::PageSize => "limits.page_size",
            Limit::LedgerCount => "limits.ledger_count",
        }
    }

    /// What the limit counts: `characters`, `items`, `bytes` or `rows`.
    pub fn unit(self) -> &'static str {
        match self {
            Limit::Title | Limit::Text => "characters",
            Limit::EvidenceItems => "items",
            Limit::Uri | Limit::MediaType => "bytes",
            Limit::PageSize | Limit::LedgerCount => "rows",
        }
    }

    /// The limit an error names, when it is an [`InputError::TooLarge`] from these limits.
    pub fn of(error: &InputError) -> Option<Limit> {
        let InputError::TooLarge { limit, .. } = error else { return None };
        let key = limit.strip_suffix(')')?.rsplit_once('(')?.1;
        Limit::ALL.into_iter().find(|l| l.key() == key)
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl Limits {
    /// The value of one limit.
    pub fn get(&self, limit: Limit) -> usize {
        match limit {
            Limit::Title => self.title,
            Limit::Text => self.text,
            Limit::EvidenceItems => self.evidence_items,
            Limit::Uri => self.uri,
            Limit::MediaType => self.media_type,
            Limit::PageSize => self.page_size,
            Limit::LedgerCount => self.ledger_count,
        }
    }

    /// Checks that `amount` (in the limit's unit) of input `field` is within `limit`; at the
    /// limit is within. The error names the field and the limit.
    pub fn check(
        &self,
        limit: Limit,
        field: impl fmt::Display,
        amount: usize,
    ) -> Result<(), InputError> {
        let max = self.get(limit);
        if amount > max {
            return Err(InputError::TooLarge {
                field: field.to_string(),
                limit: format!("{max} {} ({})", limit.unit(), limit.key()),
            });
        }
        Ok(())
    }

    /// Checks a free text's length in characters against `limits.text`.
    pub fn text(&self, field: &str, value: &str) -> Result<(), InputError> {
        self.check_chars(Limit::Text, field, value)
    }

    /// Checks a title's (or a reference's) length in characters against `limits.title`.
    pub fn title(&self, field: &str, value: &str) -> Result<(), InputError> {
        self.check_chars(Limit::Title, field, value)
    }

    /// Checks a page size against `limits.page_size`.
    pub fn page(&self, field: &str, rows: usize) -> Result<(), InputError> {
        self.check(Limit::PageSize, field, rows)
    }

    /// Checks a list of evidence: at most `limits.evidence_items` items, each with a URI of at
    /// most `limits.uri` bytes and a media type of at most `limits.media_type` bytes, and each
    /// well formed ([`Evidence::validate`]). Errors name `field`, `field[i].uri`,
    /// `field[i].media_type` or `field[i].sha256`.
    pub fn evidence(&self, field: &str, evidence: &[Evidence]) -> Result<(), InputError> {
        self.check(Limit::EvidenceItems, field, evidence.len())?;
        // Each item's path (`evidence[2].uri`) is written out only for an error.
        for (i, item) in evidence.iter().enumerate() {
            self.check(Limit::Uri, format_args!("{field}[{i}].uri"), item.uri.len())?;
            let media_type = item.media_type.len();
            self.check(Limit::MediaType, format_args!("{field}[{i}].media_type"), media_type)?;
            item.validate(format_args!("{field}[{i}]"))?;
        }
        Ok(())
    }

    /// Checks every limit is positive and fits a TOML integer.
    pub fn validate(&self) -> Result<(), InputError> {
        // A policy document is written back as TOML, whose integers end at `i64::MAX`.
        let most = usize::try_from(i64::MAX).unwrap_or(usize::MAX);
        for limit in Limit::ALL {
            let reason = match self.get(limit) {
                0 => "must be positive".to_owned(),
                n if n > most => format!("must be at most {most}"),
                _ => continue,
            };
            return Err(InputError::Malformed { field: limit.key().into(), reason });
        }
        Ok(())
    }

    fn check_chars(&self, limit: Limit, field: &str, value: &str) -> Result<(), InputError> {
        let max = self.get(limit);
        // Characters are never more than bytes: skip the count for short text.
        if value.len() <= max {
            return Ok(());
        }
        self.check(limit, field, value.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(uri: &str, media_type: &str) -> Evidence {
        Evidence { uri: uri.into(), sha256: "ab".repeat(32), media_type: media_type.into() }
    }

    #[test]
    fn a_limit_beyond_what_toml_holds_is_refused_naming_it() {
        let limits = Limits { page_size: usize::MAX, ..Limits::default() };
        let err = limits.validate().unwrap_err();
        assert!(err.to_string().contains("limits.page_size"), "{err}");
        assert!(err.to_string().contains("at most 9223372036854775807"), "{err}");
        let limits = Limits { page_size: 9_223_372_036_854_775_807, ..Limits::default() };
        assert_eq!(limits.validate(), Ok(()));
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        let limits = Limits { text: 3, ..Limits::default() };
        assert!(limits.text("note", "隐患点").is_ok(), "3 characters, 9 bytes");
        let err = limits.text("note", "隐患点A").unwrap_err();
        assert_eq!(
            err,
            InputError::TooLarge {
                field: "note".into(),
                limit: "3 characters (limits.text)".into()
            }
        );
        assert_eq!(Limit::of(&err), Some(Limit::Text));
    }

    #[test]
    fn every_limit_is_named_by_its_error() {
        let limits = Limits::default();
        for limit in Limit::ALL {
            let max = limits.get(limit);
            assert!(limits.check(limit, "f", max).is_ok(), "{limit}: at the limit is within");
            let err = limits.check(limit, "f", max + 1).unwrap_err();
            assert_eq!(err.field(), "f");
            assert_eq!(Limit::of(&err), Some(limit), "{err}");
            assert!(err.to_string().contains(limit.key()), "{err}");
        }
        let other = InputError::TooLarge { field: "f".into(), limit: "10 days".into() };
        assert_eq!(Limit::of(&other), None);
        assert_eq!(Limit::of(&InputError::Missing { field: "f".into() }), None);
    }

    #[test]
    fn evidence_is_limited_in_count_and_in_each_size() {
        let limits = Limits { evidence_items: 2, uri: 20, media_type: 10, ..Limits::default() };
        let ok = evidence("https://x.cn/a.jpg", "image/jpeg");
        assert!(limits.evidence("evidence", &[ok.clone(), ok.clone()]).is_ok());
        let err = limits.evidence("evidence", &[ok.clone(), ok.clone(), ok.clone()]).unwrap_err();
        assert_eq!((err.field(), Limit::of(&err)), ("evidence", Some(Limit::EvidenceItems)));
        let long_uri = evidence("https://x.cn/abcdefg.jpg", "image/jpeg");
        let err = limits.evidence("evidence", &[ok.clone(), long_uri]).unwrap_err();
        assert_eq!((err.field(), Limit::of(&err)), ("evidence[1].uri", Some(Limit::Uri)));
        let long_type = evidence("https://x.cn/a.jpg", "image/jpeg2");
        let err = limits.evidence("evidence", &[long_type]).unwrap_err();
        assert_eq!(
            (err.field(), Limit::of(&err)),
            ("evidence[0].media_type", Some(Limit::MediaType))
        );
        let bad = Evidence { sha256: "xyz".into(), ..ok };
        let err = limits.evidence("evidence", &[bad]).unwrap_err();
        assert_eq!(err.field(), "evidence[0].sha256");
    }

    #[test]
    fn zero_limits_are_refused_by_name() {
        for limit in Limit::ALL {
            let mut limits = Limits::default();
            match limit {
                Limit::Title => limits.title = 0,
                Limit::Text => limits.text = 0,
                Limit::EvidenceItems => limits.evidence_items = 0,
                Limit::Uri => limits.uri = 0,
                Limit::MediaType => limits.media_type = 0,
                Limit::PageSize => limits.page_size = 0,
                Limit::LedgerCount => limits.ledger_count = 0,
            }
            assert_eq!(limits.validate().unwrap_err().field(), limit.key());
        }
        assert!(Limits::default().validate().is_ok());
    }
}
