//! Which source column holds which field: the built-in headers (the common Chinese ledger's and
//! the export's own, Chinese or English) and a mapping file (`--mapping map.toml`, source header
//! → field) that adds to or overrides them.

use std::collections::BTreeMap;
use std::path::Path;

use hazardloop_core::model::Lang;
use hazardloop_core::report::Column;

use crate::error::CliError;

/// A field of an imported row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// 序号: the source's own number.
    Number,
    /// 排查时间.
    DiscoveredAt,
    /// 所在单位.
    Unit,
    /// 隐患部位.
    Location,
    /// 隐患描述 (`标题：描述` gives a title).
    Description,
    /// 类别.
    Category,
    /// 隐患等级 (一般/重大).
    Grade,
    /// 风险等级 (colour).
    Colour,
    /// 整改措施.
    Measures,
    /// 责任部门.
    ResponsibleUnit,
    /// 责任人.
    Assignee,
    /// 整改时限.
    Deadline,
    /// 整改情况.
    Outcome,
    /// 验收人.
    AcceptedBy,
    /// 验收时间.
    AcceptedAt,
    /// 销号时间.
    ClosedAt,
    /// 当前环节 (the export's stage column).
    Stage,
}

impl Field {
    /// Every field, in the order of the canonical row content (the idempotency key).
    pub const ALL: [Field; 17] = [
        Field::Number,
        Field::DiscoveredAt,
        Field::Unit,
        Field::Location,
        Field::Description,
        Field::Category,
        Field::Grade,
        Field::Colour,
        Field::Measures,
        Field::ResponsibleUnit,
        Field::Assignee,
        Field::Deadline,
        Field::Outcome,
        Field::AcceptedBy,
        Field::AcceptedAt,
        Field::ClosedAt,
        Field::Stage,
    ];

    /// The field's code in a mapping file.
    pub fn code(self) -> &'static str {
        match self {
            Field::Number => "number",
            Field::DiscoveredAt => "discovered_at",
            Field::Unit => "unit",
            Field::Location => "location",
            Field::Description => "description",
            Field::Category => "category",
            Field::Grade => "grade",
            Field::Colour => "colour",
            Field::Measures => "measures",
            Field::ResponsibleUnit => "responsible_unit",
            Field::Assignee => "assignee",
            Field::Deadline => "deadline",
            Field::Outcome => "outcome",
            Field::AcceptedBy => "accepted_by",
            Field::AcceptedAt => "accepted_at",
            Field::ClosedAt => "closed_at",
            Field::Stage => "stage",
        }
    }

    /// The field's name in `lang`.
    pub fn name(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.code(),
            Lang::Zh => match self {
                Field::Number => "序号",
                Field::DiscoveredAt => "排查时间",
                Field::Unit => "所在单位",
                Field::Location => "隐患部位",
                Field::Description => "隐患描述",
                Field::Category => "类别",
                Field::Grade => "隐患等级",
                Field::Colour => "风险等级",
                Field::Measures => "整改措施",
                Field::ResponsibleUnit => "责任部门",
                Field::Assignee => "责任人",
                Field::Deadline => "整改时限",
                Field::Outcome => "整改情况",
                Field::AcceptedBy => "验收人",
                Field::AcceptedAt => "验收时间",
                Field::ClosedAt => "销号时间",
                Field::Stage => "当前环节",
            },
        }
    }

    /// Whether the field counts in the row's content (the number does not: re-numbering or
    /// re-sorting a ledger must not import it again).
    fn in_content(self) -> bool {
        self != Field::Number
    }
}

/// The common Chinese ledger's headers and their synonyms.
const LEDGER_HEADERS: &[(&str, Field)] = &[
    ("序号", Field::Number),
    ("编号", Field::Number),
    ("排查时间", Field::DiscoveredAt),
    ("排查日期", Field::DiscoveredAt),
    ("检查时间", Field::DiscoveredAt),
    ("隐患部位", Field::Location),
    ("隐患描述", Field::Description),
    ("隐患内容", Field::Description),
    ("隐患等级", Field::Grade),
    ("整改措施", Field::Measures),
    ("责任部门", Field::ResponsibleUnit),
    ("责任单位", Field::ResponsibleUnit),
    ("责任人", Field::Assignee),
    ("整改时限", Field::Deadline),
    ("整改期限", Field::Deadline),
    ("整改情况", Field::Outcome),
    ("整改结果", Field::Outcome),
    ("验收人", Field::AcceptedBy),
    ("验收时间", Field::AcceptedAt),
    ("验收日期", Field::AcceptedAt),
    ("销号时间", Field::ClosedAt),
    ("销号日期", Field::ClosedAt),
    ("所在单位", Field::Unit),
    ("单位", Field::Unit),
    ("类别", Field::Category),
    ("隐患类别", Field::Category),
];

/// The export's own columns that the import reads.
fn export_field(column: Column) -> Option<Field> {
    Some(match column {
        Column::DiscoveredAt => Field::DiscoveredAt,
        Column::Unit => Field::Unit,
        Column::Location => Field::Location,
        Column::Description => Field::Description,
        Column::Category => Field::Category,
        Column::Grade => Field::Grade,
        Column::Colour => Field::Colour,
        Column::ResponsibleUnit => Field::ResponsibleUnit,
        Column::Assignee => Field::Assignee,
        Column::Deadline => Field::Deadline,
        Column::Stage => Field::Stage,
        _ => return None,
    })
}

/// The built-in field of a header, if any.
fn builtin(header: &str) -> Option<Field> {
    if let Some((_, f)) = LEDGER_HEADERS.iter().find(|(h, _)| *h == header) {
        return Some(*f);
    }
    Column::ALL
        .iter()
        .find(|c| c.header(Lang::Zh) == header || c.header(Lang::En).eq_ignore_ascii_case(header))
        .and_then(|c| export_field(*c))
}

/// A mapping file: `[columns]` source header → field code.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    columns: BTreeMap<String, String>,
}

/// Source headers → fields, from a mapping file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping(BTreeMap<String, Field>);

impl Mapping {
    /// Reads a mapping file (TOML): `[columns]` with `"source header" = "field"`, the fields
    /// being the codes of [`Field`] (`discovered_at`, `location`, …).
    ///
    /// # Errors
    /// [`CliError::Invalid`] naming the file and what is wrong: unreadable, not TOML, an unknown
    /// key, an unknown field (listing the known ones), a field mapped twice.
    pub fn read(path: &Path, lang: Lang) -> Result<Mapping, CliError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::Invalid(format!("--mapping {}: {e}", path.display())))?;
        Mapping::parse(&text, lang)
            .map_err(|e| CliError::Invalid(format!("--mapping {}: {e}", path.display())))
    }

    /// Parses a mapping file's text (see [`Mapping::read`]).
    ///
    /// # Errors
    /// The reason, in `lang`.
    pub fn parse(text: &str, lang: Lang) -> Result<Mapping, String> {
        let file: MappingFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut map = BTreeMap::new();
        let mut seen = BTreeMap::new();
        for (header, code) in file.columns {
            let Some(field) = Field::ALL.into_iter().find(|f| f.code() == code) else {
                let known: Vec<&str> = Field::ALL.iter().map(|f| f.code()).collect();
                return Err(match lang {
                    Lang::Zh => format!(
                        "列“{header}”映射到未知字段“{code}”；可用字段：{}",
                        known.join("、")
                    ),
                    Lang::En => format!(
                        "column `{header}` maps to unknown field `{code}`; known fields: {}",
                        known.join(", ")
                    ),
                });
            };
            if let Some(other) = seen.insert(field, header.clone()) {
                return Err(match lang {
                    Lang::Zh => format!("字段“{code}”被映射了两次（“{other}”和“{header}”）"),
                    Lang::En => {
                        format!("field `{code}` is mapped twice (`{other}` and `{header}`)")
                    }
                });
            }
            map.insert(header.trim().to_owned(), field);
        }
        Ok(Mapping(map))
    }
}

/// Which column holds which field, for one file's header row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Columns(BTreeMap<Field, usize>);

/// The fields a row cannot do without.
const REQUIRED: [Field; 4] =
    [Field::DiscoveredAt, Field::Location, Field::Description, Field::Assignee];

impl Columns {
    /// Reads a header row: the mapping first, then the built-in headers.
    ///
    /// # Errors
    /// [`CliError::Invalid`] naming the required fields no column holds (the unit is not
    /// required: without it, the responsible department's unit is the hazard's).
    pub fn of(header: &[String], mapping: &Mapping, lang: Lang) -> Result<Columns, CliError> {
        let mut found = BTreeMap::new();
        for (i, name) in header.iter().enumerate() {
            let name = name.trim().trim_start_matches('\u{feff}');
            if let Some(field) = mapping.0.get(name).copied().or_else(|| builtin(name)) {
                found.entry(field).or_insert(i);
            }
        }
        let mut absent: Vec<Field> =
            REQUIRED.into_iter().filter(|f| !found.contains_key(f)).collect();
        if !found.contains_key(&Field::Unit) && !found.contains_key(&Field::ResponsibleUnit) {
            absent.push(Field::ResponsibleUnit);
        }
        if !absent.is_empty() {
            return Err(missing(&absent, lang));
        }
        Ok(Columns(found))
    }

    /// The trimmed cell of `field` in `row` ("" when absent).
    pub fn cell<'r>(&self, row: &'r [String], field: Field) -> &'r str {
        self.0.get(&field).and_then(|&i| row.get(i)).map_or("", |s| s.trim())
    }

    /// Whether some column holds `field`.
    pub fn has(&self, field: Field) -> bool {
        self.0.contains_key(&field)
    }

    /// The row's canonical content: every mapped field but the number, trimmed, in field order.
    /// Its SHA-256 is the row's idempotency key.
    pub fn content_key(&self, row: &[String]) -> String {
        use sha2::Digest;
        let mut hash = sha2::Sha256::new();
        for field in Field::ALL.into_iter().filter(|f| f.in_content()) {
            hash.update(field.code().as_bytes());
            hash.update([0x1f]);
            hash.update(self.cell(row, field).as_bytes());
            hash.update([0x1e]);
        }
        format!("import:{}", hex::encode(hash.finalize()))
    }
}

fn missing(fields: &[Field], lang: Lang) -> CliError {
    let names: Vec<&str> = fields.iter().map(|f| f.name(lang)).collect();
    CliError::Invalid(match lang {
        Lang::Zh => format!("表头缺少必需的列：{}（可用 --mapping 指定）", names.join("、")),
        Lang::En => {
            format!("the header lacks required columns: {} (see --mapping)", names.join(", "))
        }
    })
}
