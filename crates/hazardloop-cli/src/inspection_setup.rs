//! `inspection templates …` and `inspection plans …`: importing and listing checklist
//! templates (the 19 shipped presets or a TOML file) and inspection plans.

use std::path::Path;

use hazardloop_core::engine::{EngineError, TemplateImport};
use hazardloop_core::inspection::{
    self, InspectionError, Inspector, Plans, ResponseKind, Template, TemplateRef,
};
use hazardloop_core::model::{Lang, Named, TenantId};
use hazardloop_core::org::Org;
use hazardloop_core::policy::Policy;
use hazardloop_core::store::InspectionStore;
use serde_json::json;

use crate::error::{self, CliError};
use crate::inspection::{t, Eng};
use crate::inspection_args::{PlansCmd, TemplatesCmd};
use crate::inspection_view::{person, strings, unit};
use crate::out::Out;

/// What an import did.
type Imported = (TemplateRef, String, TemplateImport);

/// `inspection templates …`.
pub(crate) async fn templates<S: InspectionStore>(
    engine: &Eng<S>,
    tenant: &TenantId,
    cmd: TemplatesCmd,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = out.lang;
    let fail = |e: EngineError| error::engine(e, lang);
    match cmd {
        TemplatesCmd::List => list(engine, tenant, out).await,
        TemplatesCmd::Show { template } => {
            let reference = resolve(engine, tenant, &template, lang).await?;
            let found = engine.template(tenant, &reference).await.map_err(fail)?;
            let template = found.ok_or_else(|| no_template(&template, lang))?;
            show(&template, engine.policy(), out);
            Ok(())
        }
        TemplatesCmd::Import(args) => {
            let matrix = engine.policy().matrix();
            let mut templates = Vec::new();
            if let Some(file) = &args.file {
                templates.push(template_file(file, matrix, lang)?);
            }
            let codes: Vec<String> = if args.all_presets {
                inspection::preset_codes().map(str::to_owned).collect()
            } else {
                args.preset.clone()
            };
            for code in &codes {
                let preset = inspection::preset(code, matrix).ok_or_else(|| {
                    let known: Vec<&str> = inspection::preset_codes().collect();
                    CliError::Invalid(match lang {
                        Lang::Zh => {
                            format!("--preset：没有预置检查表 {code}（可选：{}）", known.join(", "))
                        }
                        Lang::En => {
                            format!("--preset: no preset {code} (known: {})", known.join(", "))
                        }
                    })
                })?;
                let template = preset.map_err(|e| {
                    CliError::Invalid(format!("--preset {code}: {}", error::input(&e, lang)))
                })?;
                templates.push(template);
            }
            let mut done = Vec::new();
            for template in templates {
                let reference = template.reference();
                let name = template.name(lang).to_owned();
                let result = engine
                    .import_template(tenant, template)
                    .await
                    .map_err(|e| prefix(fail(e), &reference.to_string()))?;
                done.push((reference, name, result));
            }
            imported(&done, out);
            Ok(())
        }
    }
}

/// `inspection plans …`.
pub(crate) async fn plans<S: InspectionStore>(
    engine: &Eng<S>,
    tenant: &TenantId,
    org: &Org,
    cmd: PlansCmd,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = out.lang;
    let fail = |e: EngineError| error::engine(e, lang);
    match cmd {
        PlansCmd::Add { file } => {
            let text = read(&file)?;
            let plans = Plans::from_toml(&crate::parse::plain_dates(&text), org).map_err(|e| {
                CliError::Invalid(format!("{}: {}", file.display(), error::input(&e, lang)))
            })?;
            let existing = engine.plans(tenant).await.map_err(fail)?;
            let known = engine.templates(tenant).await.map_err(fail)?;
            for (i, plan) in plans.plans.iter().enumerate() {
                let field = |f: &str, what: String| {
                    let m = match lang {
                        Lang::Zh => format!("{}: plans[{i}].{f}：{what}", file.display()),
                        Lang::En => format!("{}: plans[{i}].{f}: {what}", file.display()),
                    };
                    CliError::Invalid(m)
                };
                if existing.plans.iter().any(|p| p.id == plan.id) {
                    let what = match lang {
                        Lang::Zh => format!("计划 `{}` 已存在", plan.id),
                        Lang::En => format!("a plan `{}` exists already", plan.id),
                    };
                    return Err(field("id", what));
                }
                if !known.contains(&plan.template) {
                    let what = match lang {
                        Lang::Zh => format!(
                            "没有检查表 {}（先用 `inspection templates import` 导入）",
                            plan.template
                        ),
                        Lang::En => format!(
                            "no template {} (import it with `inspection templates import`)",
                            plan.template
                        ),
                    };
                    return Err(field("template", what));
                }
            }
            let mut added = Vec::new();
            for (i, plan) in plans.plans.into_iter().enumerate() {
                added.push(plan.id.clone());
                engine.add_plan(tenant, plan).await.map_err(|e| match e {
                    EngineError::Inspection(InspectionError::Input(x)) => {
                        let x = x.within(&format!("plans[{i}]"));
                        CliError::Invalid(format!("{}: {}", file.display(), error::input(&x, lang)))
                    }
                    other => fail(other),
                })?;
            }
            let human = format!(
                "{} {}：{}",
                t(lang, "已添加检查计划", "plans added"),
                added.len(),
                added.join(", ")
            );
            out.value("inspection.plans.add", json!({ "added": added }), human);
            Ok(())
        }
        PlansCmd::List => {
            let plans = engine.plans(tenant).await.map_err(fail)?;
            list_plans(&plans, org, out);
            Ok(())
        }
    }
}

/// `CODE` (its latest stored version) or `CODE@VERSION`.
async fn resolve<S: InspectionStore>(
    engine: &Eng<S>,
    tenant: &hazardloop_core::model::TenantId,
    text: &str,
    lang: Lang,
) -> Result<TemplateRef, CliError> {
    if let Some((code, version)) = text.split_once('@') {
        let version = version.parse().map_err(|_| {
            CliError::Invalid(match lang {
                Lang::Zh => format!("`{text}`：版本应为正整数（CODE@VERSION）"),
                Lang::En => format!("`{text}`: the version is a whole number (CODE@VERSION)"),
            })
        })?;
        return Ok(TemplateRef { code: code.to_owned(), version });
    }
    let refs = engine.templates(tenant).await.map_err(|e| error::engine(e, lang))?;
    refs.into_iter().filter(|r| r.code == text).max().ok_or_else(|| no_template(text, lang))
}

pub(crate) fn no_template(text: &str, lang: Lang) -> CliError {
    CliError::Invalid(match lang {
        Lang::Zh => format!("没有检查表 {text}（用 `hazardloop inspection templates list` 查看）"),
        Lang::En => format!("no template {text} (see `hazardloop inspection templates list`)"),
    })
}

fn template_file(
    path: &Path,
    matrix: &hazardloop_core::org::ResponsibilityMatrix,
    lang: Lang,
) -> Result<Template, CliError> {
    let text = read(path)?;
    let bad = |m: String| CliError::Invalid(format!("{}: {m}", path.display()));
    if path.extension().is_some_and(|x| x.eq_ignore_ascii_case("json")) {
        let template: Template = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        template.validate(matrix).map_err(|e| bad(error::input(&e, lang)))?;
        Ok(template)
    } else {
        Template::from_toml(&text, matrix).map_err(|e| bad(error::input(&e, lang)))
    }
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim_start_matches('\u{feff}').to_owned())
        .map_err(|e| CliError::Invalid(format!("{}: {e}", path.display())))
}

fn prefix(e: CliError, what: &str) -> CliError {
    match e {
        CliError::Invalid(m) => CliError::Invalid(format!("{what}: {m}")),
        CliError::Denied(m) => CliError::Denied(format!("{what}: {m}")),
        other => other,
    }
}

/// `templates list`.
async fn list<S: InspectionStore>(
    engine: &Eng<S>,
    tenant: &TenantId,
    out: &mut Out,
) -> Result<(), CliError> {
    let lang = out.lang;
    let fail = |e| error::engine(e, lang);
    let mut rows = Vec::new();
    let mut list = Vec::new();
    for r in engine.templates(tenant).await.map_err(fail)? {
        let Some(tpl) = engine.template(tenant, &r).await.map_err(fail)? else { continue };
        let items = tpl.items().count();
        rows.push(vec![
            r.to_string(),
            tpl.name(lang).to_owned(),
            tpl.sections.len().to_string(),
            items.to_string(),
            tpl.source.clone(),
        ]);
        list.push(json!({ "template": r.to_string(), "code": r.code, "version": r.version,
            "name": tpl.name(lang), "sections": tpl.sections.len(), "items": items, "source": tpl.source }));
    }
    let header = strings(&[
        t(lang, "检查表", "template"),
        t(lang, "名称", "name"),
        t(lang, "分类", "sections"),
        t(lang, "检查项", "items"),
        t(lang, "依据", "source"),
    ]);
    if rows.is_empty() && out.format == crate::args::OutputFormat::Table {
        out.line(t(
            lang,
            "尚无检查表；用 `hazardloop inspection templates import --all-presets` 导入预置检查表",
            "no templates yet; import the presets with `hazardloop inspection templates import --all-presets`",
        ));
        return Ok(());
    }
    out.grid("inspection.templates", &[], &header, &rows, json!({ "templates": list }));
    Ok(())
}

fn kind(k: &ResponseKind, lang: Lang) -> String {
    match k {
        ResponseKind::PassFail => t(lang, "合格/不合格/不适用", "pass/fail/n.a.").to_owned(),
        ResponseKind::Number { min, max, pass_min, pass_max, unit } => {
            let u = unit.as_deref().unwrap_or("");
            let lo = pass_min.map_or_else(|| min.to_string(), |v| v.to_string());
            let hi = pass_max.map_or_else(|| max.to_string(), |v| v.to_string());
            match lang {
                Lang::Zh => format!("数值 {min}–{max}{u}（合格 {lo}–{hi}）"),
                Lang::En => format!("number {min}–{max}{u} (passes {lo}–{hi})"),
            }
        }
        ResponseKind::Choice { options, failing } => match lang {
            Lang::Zh => format!("选项 {}（不合格：{}）", options.join("/"), failing.join("、")),
            Lang::En => format!("one of {} (failing: {})", options.join("/"), failing.join(", ")),
        },
    }
}

/// `templates show`.
fn show(tpl: &Template, policy: &Policy, out: &mut Out) {
    let lang = out.lang;
    let yes = |b: bool| if b { t(lang, "是", "yes") } else { t(lang, "否", "no") }.to_owned();
    let mut rows = Vec::new();
    for s in &tpl.sections {
        for (i, item) in s.items.iter().enumerate() {
            let section = if i == 0 {
                if lang == Lang::Zh { &s.title_zh } else { &s.title_en }.clone()
            } else {
                String::new()
            };
            let category = policy.matrix().get(&item.category).map_or_else(
                || item.category.to_string(),
                |e| if lang == Lang::Zh { e.name_zh.clone() } else { e.name_en.clone() },
            );
            rows.push(vec![
                section,
                item.id.clone(),
                item.prompt(lang).to_owned(),
                category,
                kind(&item.response, lang),
                yes(item.mandatory),
                yes(item.evidence_on_fail),
                item.grade.name(lang).to_owned(),
                item.cite.clone(),
            ]);
        }
    }
    let header = strings(&[
        t(lang, "分类", "section"),
        t(lang, "检查项", "item"),
        t(lang, "检查内容", "prompt"),
        t(lang, "隐患类别", "category"),
        t(lang, "作答方式", "response"),
        t(lang, "必检", "mandatory"),
        t(lang, "不合格须附证据", "evidence on fail"),
        t(lang, "等级", "grade"),
        t(lang, "依据", "cite"),
    ]);
    let title = vec![format!("{} {}（{}）", tpl.name(lang), tpl.reference(), tpl.source)];
    out.grid("inspection.template", &title, &header, &rows, json!({ "template": tpl }));
}

/// `templates import`.
fn imported(done: &[Imported], out: &mut Out) {
    let lang = out.lang;
    let mut human = String::new();
    let mut list = Vec::new();
    for (r, name, result) in done {
        let (key, label) = match result {
            TemplateImport::New => ("new", t(lang, "已导入", "imported")),
            TemplateImport::Unchanged => {
                ("unchanged", t(lang, "已存在，未改变", "already stored, unchanged"))
            }
        };
        human += &format!("{r}  {name}  {label}\n");
        list.push(json!({ "template": r.to_string(), "name": name, "result": key }));
    }
    let new = done.iter().filter(|d| d.2 == TemplateImport::New).count();
    human += &match lang {
        Lang::Zh => format!("共 {} 个检查表，新导入 {new} 个", done.len()),
        Lang::En => format!("{} templates, {new} new", done.len()),
    };
    out.value("inspection.templates.import", json!({ "imported": list, "new": new }), human);
}

/// `plans list`.
fn list_plans(plans: &Plans, org: &Org, out: &mut Out) {
    let lang = out.lang;
    let rows: Vec<Vec<String>> = plans
        .plans
        .iter()
        .map(|p| {
            let inspector = match &p.inspector {
                Inspector::Role(r) => r.name(lang).to_owned(),
                Inspector::Person(id) => person(org, id),
                Inspector::PerUnit(people) => people
                    .iter()
                    .map(|(u, p)| format!("{u}: {}", person(org, p)))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            vec![
                p.id.clone(),
                p.title.clone(),
                p.template.to_string(),
                p.cadence.kind().name(lang).to_owned(),
                p.units.iter().map(|u| unit(org, u)).collect::<Vec<_>>().join("、"),
                inspector,
                p.start.to_string(),
                p.end.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let header = strings(&[
        t(lang, "计划", "plan"),
        t(lang, "名称", "title"),
        t(lang, "检查表", "template"),
        t(lang, "频次", "cadence"),
        t(lang, "检查单位", "units"),
        t(lang, "检查人", "inspector"),
        t(lang, "开始", "start"),
        t(lang, "结束", "end"),
    ]);
    out.grid("inspection.plans", &[], &header, &rows, json!({ "plans": plans.plans }));
}
