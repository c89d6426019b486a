//! Ready-made organisations built from the seed presets, with a person in every role.

use chrono::{DateTime, Duration, TimeZone, Utc};
use hazardloop_core::model::{
    Actor, Category, Evidence, Grade, Method, PersonId, Source, TenantId, UnitId,
};
use hazardloop_core::org::{Org, Person, Preset, Role, Unit, UnitKind};
use hazardloop_core::policy::Policy;
use hazardloop_core::workflow::{
    decide, Command, Context, Discover, Event, FourImplementations, Hazard, Interim,
    InterimMeasure, MajorPlan, Plan, Register, StageKind, WorkflowError,
};

/// The people of [`Fixture::school`], one per role, plus a rectifier without a role.
#[derive(Clone, Debug)]
pub struct People {
    /// 校长: principal of the school.
    pub principal: PersonId,
    /// 分管安全副校长.
    pub deputy: PersonId,
    /// 安全员 in the security department (安全保卫处).
    pub officer: PersonId,
    /// Head of the security department.
    pub security_head: PersonId,
    /// Head of the logistics department (后勤管理处).
    pub logistics_head: PersonId,
    /// A logistics worker with no role: the usual assignee and rectifier.
    pub worker: PersonId,
    /// 检查员: checks rectification.
    pub inspector: PersonId,
    /// 网格员 of the school's first grid.
    pub grid_member: PersonId,
    /// 教育局安全科 officer.
    pub bureau_officer: PersonId,
}

/// A tenant with a bureau, a school from a seed preset, people in every role, and the default policy.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// The tenant.
    pub tenant: TenantId,
    /// The organisation.
    pub org: Org,
    /// The policy.
    pub policy: Policy,
    /// The bureau unit.
    pub bureau: UnitId,
    /// The school unit.
    pub school: UnitId,
    /// The logistics department (lead of `buildings_construction`).
    pub logistics: UnitId,
    /// The security department (lead of `fire`).
    pub security: UnitId,
    /// The school's first grid.
    pub grid: UnitId,
    /// The people.
    pub people: People,
    /// A Monday morning in term, 10:00 in Shanghai (2025-03-03 02:00 UTC).
    pub start: DateTime<Utc>,
}

fn id<T: TryFrom<&'static str>>(s: &'static str) -> T
where
    T::Error: std::fmt::Debug,
{
    #[allow(clippy::expect_used)] // fixed fixture data, tested
    T::try_from(s).expect("fixture ids are valid keys")
}

impl Fixture {
    /// A bureau (`bureau`, 市教育局) and a school (`school`, 第一中学) built from the seed 001
    /// preset, one grid, and a person in every role.
    pub fn school() -> Fixture {
        Fixture::school_in(id("t1"), "bureau", "school")
    }

    /// The same school in another tenant, with other unit ids (for isolation tests).
    pub fn school_in(tenant: TenantId, bureau: &'static str, school: &'static str) -> Fixture {
        #[allow(clippy::expect_used)] // fixed fixture data, tested
        let fixture = build(tenant, bureau, school)
            .and_then(|org| Fixture::from_org(org, bureau, school))
            .expect("the fixture organisation is valid");
        fixture
    }

    /// The actor of a person, with their roles' default scope.
    pub fn actor(&self, person: &PersonId) -> Actor {
        self.org.actor(person).unwrap_or_else(|| {
            Actor::new(self.tenant.clone(), person.clone(), [], [self.school.clone()])
        })
    }

    /// The principal.
    pub fn principal(&self) -> Actor {
        self.actor(&self.people.principal)
    }
    /// The deputy in charge of safety.
    pub fn deputy(&self) -> Actor {
        self.actor(&self.people.deputy)
    }
    /// The safety officer.
    pub fn officer(&self) -> Actor {
        self.actor(&self.people.officer)
    }
    /// The logistics department head.
    pub fn logistics_head(&self) -> Actor {
        self.actor(&self.people.logistics_head)
    }
    /// The security department head.
    pub fn security_head(&self) -> Actor {
        self.actor(&self.people.security_head)
    }
    /// The logistics worker (the usual assignee).
    pub fn worker(&self) -> Actor {
        self.actor(&self.people.worker)
    }
    /// The inspector.
    pub fn inspector(&self) -> Actor {
        self.actor(&self.people.inspector)
    }
    /// The grid member.
    pub fn grid_member(&self) -> Actor {
        self.actor(&self.people.grid_member)
    }
    /// The bureau officer.
    pub fn bureau_officer(&self) -> Actor {
        self.actor(&self.people.bureau_officer)
    }

    /// A decision context for `actor` at `now`.
    pub fn ctx<'a>(&'a self, actor: &'a Actor, now: DateTime<Utc>) -> Context<'a> {
        Context { now, actor, policy: &self.policy, org: &self.org }
    }

    /// A typical finding: a cracked stair railing in the teaching building, in logistics' care.
    pub fn discover(&self) -> Command {
        Command::from(Discover {
            unit: self.logistics.clone(),
            location: "教学楼二楼东侧楼梯".into(),
            category: Some(id("buildings_construction")),
            title: "楼梯扶手松动".into(),
            description: "二楼东侧楼梯扶手两处固定螺栓松动，学生上下楼有坠落风险".into(),
            source: Source::DailyPatrol,
            discovered_at: None,
            evidence: vec![evidence(1)],
            campaign: None,
        })
    }

    /// Registration of the typical finding as `grade`, assigned to the worker.
    pub fn register(&self, grade: Grade) -> Command {
        let assessment = match grade {
            Grade::General => Method::Lec { l: 3.0, e: 6.0, c: 3.0 },
            Grade::Major => Method::Lec { l: 6.0, e: 6.0, c: 15.0 },
        };
        Command::from(Register {
            grade: Some(grade),
            assessment,
            category: id::<Category>("buildings_construction"),
            responsible_unit: None,
            assignee: self.people.worker.clone(),
            deadline: None,
            fixable_at_once: grade == Grade::General,
            campaign: None,
        })
    }

    /// The report: to the bureau in writing for a major hazard.
    pub fn report(&self, grade: Grade) -> Command {
        let major = grade == Grade::Major;
        Command::Report { to_bureau: major, written: major, reference: None }
    }

    /// Treatment start with a complete plan for `grade`, due `deadline`.
    pub fn start_treatment(&self, grade: Grade, deadline: DateTime<Utc>) -> Command {
        let plan = match grade {
            Grade::General => Plan::General(FourImplementations {
                responsible: self.people.worker.clone(),
                measures: "更换固定螺栓并加装扶手托架".into(),
                deadline,
                contingency: "整改期间设置警示标志，安排专人值守".into(),
            }),
            Grade::Major => Plan::Major(Box::new(major_plan(deadline))),
        };
        let interim = (grade == Grade::Major).then(|| Interim {
            measures: vec![
                InterimMeasure::Cordon,
                InterimMeasure::WarningSigns,
                InterimMeasure::StopUsing,
            ],
            note: "封闭东侧楼梯，学生改走西侧".into(),
        });
        Command::StartTreatment { plan: Box::new(plan), interim }
    }

    /// Completion with one evidence item.
    pub fn complete(&self) -> Command {
        Command::Complete {
            summary: "已更换螺栓并加装托架".into(), evidence: vec![evidence(2)]
        }
    }

    /// Runs the typical path for `grade` up to stage `to`, with the right actor for each step,
    /// an hour apart from `self.start`. Returns the hazard and its events.
    pub fn walk(&self, grade: Grade, to: StageKind) -> Result<(Hazard, Vec<Event>), WorkflowError> {
        let mut now = self.start;
        let mut events: Vec<Event> = Vec::new();
        let mut hazard: Option<Hazard> = None;
        let rectify_by = self.policy.calendar().add_working_days(self.start, 5);
        let plan = |g| self.start_treatment(g, rectify_by);
        let mut steps: Vec<(StageKind, Actor, Command)> = vec![
            (StageKind::Discovered, self.inspector(), self.discover()),
            (StageKind::Registered, self.officer(), self.register(grade)),
            (StageKind::Reported, self.officer(), self.report(grade)),
        ];
        if grade == Grade::Major {
            steps.push((StageKind::Treating, self.principal(), plan(grade)));
        } else {
            steps.push((StageKind::Treating, self.worker(), plan(grade)));
        }
        steps.extend([
            (StageKind::Treated, self.worker(), self.complete()),
            (StageKind::Accepted, self.inspector(), Command::Pass { note: "复查合格".into() }),
            (StageKind::Closed, self.officer(), Command::Close { note: String::new() }),
            (StageKind::Archived, self.officer(), Command::Archive),
        ]);
        for (stage, actor, command) in steps {
            let new = decide(hazard.as_ref(), command, &self.ctx(&actor, now))?;
            hazard = Some(fold_onto(hazard, &new, now)?);
            events.extend(new);
            now += Duration::hours(1);
            if stage == to {
                break;
            }
        }
        match hazard {
            Some(h) => Ok((h, events)),
            None => Err(WorkflowError::Target("nothing walked")),
        }
    }

    /// `walk`, for tests: panics with the refusal if the path is refused.
    pub fn walked(&self, grade: Grade, to: StageKind) -> (Hazard, Vec<Event>) {
        match self.walk(grade, to) {
            Ok(done) => done,
            Err(e) => panic!("the fixture path to {to:?} was refused: {e}"),
        }
    }
}

/// Applies new events to a hazard (or starts one), with a fresh id for a new hazard.
pub fn fold_onto(
    hazard: Option<Hazard>,
    events: &[Event],
    now: DateTime<Utc>,
) -> Result<Hazard, WorkflowError> {
    let fold = match hazard {
        Some(h) => h.apply_all(events),
        None => Hazard::fold(hazard_id(now), events),
    };
    fold.map_err(|_| WorkflowError::Target("events from decide did not apply"))
}

fn hazard_id(now: DateTime<Utc>) -> hazardloop_core::model::HazardId {
    hazardloop_core::model::HazardId::new_at(now)
}

/// A six-item major plan due `deadline`.
pub fn major_plan(deadline: DateTime<Utc>) -> MajorPlan {
    MajorPlan {
        objectives: "消除教学楼楼梯结构隐患".into(),
        methods: "聘请有资质单位加固楼梯并更换扶手".into(),
        funds: "专项经费5万元，物资由后勤管理处落实".into(),
        organisation: "校长牵头，后勤管理处实施，安全保卫处监督".into(),
        schedule: "30日内完成，完工后报教育局验收".into(),
        safety: "施工期间封闭楼梯，制定应急疏散预案".into(),
        deadline,
    }
}

/// A well-formed evidence item numbered `n`.
pub fn evidence(n: u8) -> Evidence {
    Evidence {
        uri: format!("https://files.example.edu.cn/hazard/photo-{n}.jpg"),
        sha256: format!("{n:02x}").repeat(32),
        media_type: "image/jpeg".into(),
    }
}

fn build(
    tenant: TenantId,
    bureau: &'static str,
    school: &'static str,
) -> Result<Org, hazardloop_core::model::InputError> {
    let bureau_id = UnitId::new(bureau)?;
    let school_id = UnitId::new(school)?;
    let mut org = Preset::FocusAreas.school_org(
        tenant,
        (bureau_id.clone(), "市教育局"),
        (school_id.clone(), "第一中学"),
    )?;
    let unit = |suffix: &str| UnitId::new(format!("{school}/{suffix}"));
    let grid = UnitId::new(format!("{school}/grid-1"))?;
    org.add_unit(Unit::new(grid.clone(), "第一网格", UnitKind::Grid, Some(school_id.clone())))?;
    let people: [(&str, &str, UnitId, Option<Role>); 9] = [
        ("principal", "王校长", school_id.clone(), Some(Role::Principal)),
        ("deputy", "李副校长", school_id.clone(), Some(Role::SafetyDeputy)),
        ("officer", "张安全员", unit("security")?, Some(Role::SafetyOfficer)),
        ("security-head", "赵处长", unit("security")?, Some(Role::DepartmentHead)),
        ("logistics-head", "钱处长", unit("logistics")?, Some(Role::DepartmentHead)),
        ("worker", "孙师傅", unit("logistics")?, None),
        ("inspector", "周检查员", school_id.clone(), Some(Role::Inspector)),
        ("grid", "吴网格员", grid, Some(Role::GridMember)),
        ("bureau-officer", "郑科长", bureau_id, Some(Role::BureauOfficer)),
    ];
    for (key, name, unit, role) in people {
        let mut person = Person::new(PersonId::new(format!("{school}-{key}"))?, name, unit);
        if let Some(role) = role {
            person = person.with_role(role);
        }
        org.add_person(person)?;
    }
    Ok(org)
}

impl Fixture {
    fn from_org(
        org: Org,
        bureau: &str,
        school: &str,
    ) -> Result<Fixture, hazardloop_core::model::InputError> {
        let pid = |key: &str| PersonId::new(format!("{school}-{key}"));
        Ok(Fixture {
            tenant: org.tenant().clone(),
            policy: Policy::default(),
            bureau: UnitId::new(bureau)?,
            school: UnitId::new(school)?,
            logistics: UnitId::new(format!("{school}/logistics"))?,
            security: UnitId::new(format!("{school}/security"))?,
            grid: UnitId::new(format!("{school}/grid-1"))?,
            people: People {
                principal: pid("principal")?,
                deputy: pid("deputy")?,
                officer: pid("officer")?,
                security_head: pid("security-head")?,
                logistics_head: pid("logistics-head")?,
                worker: pid("worker")?,
                inspector: pid("inspector")?,
                grid_member: pid("grid")?,
                bureau_officer: pid("bureau-officer")?,
            },
            org,
            #[allow(clippy::expect_used)] // a constant instant
            start: Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).single().expect("valid instant"),
        })
    }
}
