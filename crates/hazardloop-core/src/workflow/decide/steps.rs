//! The steps whose data takes more than one rule: registration (scoring, defaults, the
//! rectification deadline), the start of treatment, and extension requests and decisions.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Decider, Result};
use crate::calendar::Span;
use crate::deadline::ClockKind;
use crate::model::{Assessment, Grade};
use crate::org::UnitKind;
use crate::workflow::{
    check, Event, ExtensionDecision, ExtensionRequest, Hazard, Interim, InterimControl, Plan,
    Register, Registration, Rule, Stage, Step, Treatment, WorkflowError,
};

impl Decider<'_> {
    pub(super) fn register(self, h: &Hazard, r: Register, out: &mut Vec<Event>) -> Result<()> {
        let Stage::Discovered(s) = &h.stage else {
            return Err(self.not_allowed(h, Step::Register));
        };
        let policy = self.policy();
        let bands = policy.assessment();
        let assessment = Assessment::score(r.assessment, &bands.lec_bands, &bands.ls_bands)?;
        let grade = r.grade.unwrap_or_else(|| bands.grade_of(assessment.colour));
        let org = self.ctx.org;
        let responsible_unit = r.responsible_unit.unwrap_or_else(|| {
            org.nearest(&s.facts.unit, UnitKind::School)
                .and_then(|school| policy.matrix().lead_unit(org, &school.id, &r.category))
                .unwrap_or_else(|| s.facts.unit.clone())
        });
        // A date the person gave is theirs; only a default the policy reckoned past the
        // calendar's horizon is provisional.
        let (deadline, provisional) = match r.deadline {
            Some(d) => {
                check::deadline_after("deadline", d, self.now)?;
                (d, false)
            }
            None => {
                let reckoned = policy.deadlines().rectify_reckoned(
                    policy.calendar(),
                    grade,
                    assessment.colour,
                    self.now,
                );
                (reckoned.at, reckoned.fell_back)
            }
        };
        let registration = Registration {
            grade,
            assessment,
            category: r.category,
            responsible_unit,
            assignee: r.assignee,
            deadline,
            fixable_at_once: r.fixable_at_once && grade == Grade::General,
            by: self.by(),
            at: self.now,
            campaign: r.campaign,
        };
        check::registration(&s.facts, &registration)?;
        let clocks =
            self.clocks_marked(Step::Register, grade, self.now, Some((deadline, provisional)));
        out.push(Event::Registered { registration: Arc::new(registration) });
        out.extend(clocks);
        Ok(())
    }

    pub(super) fn interim(&self, i: Interim) -> InterimControl {
        InterimControl { measures: i.measures, note: i.note, by: self.by(), at: self.now }
    }

    pub(super) fn start(
        self,
        h: &Hazard,
        plan: Plan,
        interim: Option<Interim>,
        out: &mut Vec<Event>,
    ) -> Result<()> {
        let Stage::Reported(s) = &h.stage else {
            return Err(self.not_allowed(h, Step::StartTreatment));
        };
        let in_force = h.clocks.get(ClockKind::Rectify).unwrap_or(s.registration.deadline);
        check::plan_within(&plan, in_force)?;
        check::deadline_after("plan.deadline", plan.deadline(), self.now)?;
        let treatment = Treatment {
            plan,
            interim: interim.map(|i| self.interim(i)).into_iter().collect(),
            progress: Vec::new(),
            pending_extension: None,
            extensions: Vec::new(),
            failed: Vec::new(),
            by: self.by(),
            at: self.now,
        };
        check::treatment(&s.registration, &treatment)?;
        let rectify = treatment.deadline();
        out.push(Event::TreatmentStarted { treatment: Arc::new(treatment) });
        self.push_clocks(out, Step::StartTreatment, Some(rectify));
        Ok(())
    }

    pub(super) fn request_extension(
        &self,
        h: &Hazard,
        new_deadline: DateTime<Utc>,
        reason: String,
    ) -> Result<Event> {
        let rule = Rule::ExtensionBeforeDeadline;
        check::reason(rule, "reason", &reason)?;
        let treatment =
            h.stage.treatment().ok_or_else(|| self.not_allowed(h, Step::RequestExtension))?;
        if treatment.pending_extension.is_some() {
            return Err(WorkflowError::broken(rule, "an extension request is already pending"));
        }
        let current = h.clocks.get(ClockKind::Rectify).unwrap_or_else(|| treatment.deadline());
        let notice = self.policy().deadlines().extension_notice;
        let latest_request = self
            .policy()
            .calendar()
            .add(current, Span { amount: notice.amount.saturating_neg(), unit: notice.unit });
        if self.now > latest_request.min(current) {
            return Err(WorkflowError::broken(
                rule,
                format!("an extension must be requested {notice} before the deadline {current}"),
            ));
        }
        if new_deadline <= current {
            return Err(WorkflowError::broken(
                rule,
                "new_deadline: must be later than the current deadline",
            ));
        }
        let request = ExtensionRequest { new_deadline, reason, by: self.by(), at: self.now };
        Ok(Event::ExtensionRequested { request })
    }

    /// The decision, and for a grant the new deadline the clock table moves `rectify_by` to.
    pub(super) fn decide_extension(
        &self,
        h: &Hazard,
        granted: bool,
        note: String,
    ) -> Result<(Event, Option<DateTime<Utc>>)> {
        let treatment =
            h.stage.treatment().ok_or_else(|| self.not_allowed(h, Step::GrantExtension))?;
        let Some(request) = treatment.pending_extension.as_deref().cloned() else {
            return Err(WorkflowError::broken(
                Rule::ExtensionDecidedBySuperior,
                "no extension request is pending",
            ));
        };
        let new_deadline = granted.then_some(request.new_deadline);
        let decision = ExtensionDecision { request, granted, note, by: self.by(), at: self.now };
        Ok((Event::ExtensionDecided { decision }, new_deadline))
    }
}
