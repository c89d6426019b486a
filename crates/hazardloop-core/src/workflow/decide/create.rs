//! The commands that create a hazard: `Discover`, and `FixOnTheSpot`, which stands for the steps
//! from discovery to completion at once.

use std::sync::Arc;

use super::{Decider, Result};
use crate::calendar::Span;
use crate::model::{Assessment, Evidence, Facts, Grade, Method, RiskColour};
use crate::workflow::{
    check, Command, Completion, Discover, Event, FourImplementations, Plan, Registration, Report,
    Rule, Step, Treatment, WorkflowError,
};

impl Decider<'_> {
    pub(super) fn create(self, command: Command, out: &mut Vec<Event>) -> Result<()> {
        match command {
            Command::Discover(d) => {
                let facts = self.facts(*d)?;
                let clocks = self.clocks(Step::Discover, Grade::General, facts.discovered_at, None);
                out.push(Event::Discovered { facts: Arc::new(facts) });
                out.extend(clocks);
                Ok(())
            }
            Command::FixOnTheSpot { discover, category, assessment, measures, evidence } => {
                self.fix_on_the_spot(*discover, category, assessment, measures, evidence, out)
            }
            _ => Err(WorkflowError::Target("this command needs an existing hazard")),
        }
    }

    fn facts(&self, d: Discover) -> Result<Facts> {
        let discovered_at = d.discovered_at.unwrap_or(self.now);
        if discovered_at > self.now {
            return Err(crate::model::InputError::OutOfOrder {
                field: "discovered_at".into(),
                reason: "a hazard cannot be discovered in the future".into(),
            }
            .into());
        }
        Ok(Facts {
            tenant: self.ctx.actor.tenant.clone(),
            unit: d.unit,
            location: d.location,
            category: d.category,
            title: d.title,
            description: d.description,
            source: d.source,
            discovered_by: self.by(),
            discovered_at,
            evidence: d.evidence,
            finding: None,
            campaign: d.campaign,
        })
    }

    fn fix_on_the_spot(
        self,
        discover: Discover,
        category: crate::model::Category,
        assessment: Option<Method>,
        measures: String,
        evidence: Vec<Evidence>,
        out: &mut Vec<Event>,
    ) -> Result<()> {
        let (now, by) = (self.now, self.by());
        let facts = self.facts(discover)?;
        let method = assessment.unwrap_or(Method::Judgement { colour: RiskColour::Blue });
        let bands = self.policy().assessment();
        let assessment = Assessment::score(method, &bands.lec_bands, &bands.ls_bands)?;
        if bands.grade_of(assessment.colour) == Grade::Major {
            return Err(WorkflowError::broken(
                Rule::FixOnTheSpotGeneralOnly,
                "assessment: this is a major hazard; register, report and treat it step by step",
            ));
        }
        let deadline = self.policy().calendar().add(now, Span::working_days(0));
        let registration = Registration {
            grade: Grade::General,
            assessment,
            category,
            responsible_unit: facts.unit.clone(),
            assignee: by.clone(),
            deadline,
            fixable_at_once: true,
            by: by.clone(),
            at: now,
            campaign: None,
        };
        let plan = Plan::General(FourImplementations {
            responsible: by.clone(),
            measures: measures.clone(),
            deadline,
            contingency: "现场整改，无需预案 (fixed on the spot)".into(),
        });
        let treatment = Treatment {
            plan,
            interim: Vec::new(),
            progress: Vec::new(),
            pending_extension: None,
            extensions: Vec::new(),
            failed: Vec::new(),
            by: by.clone(),
            at: now,
        };
        let completion = Completion { summary: measures, evidence, by: by.clone(), at: now };
        // The rules of each step it stands for, as if taken one by one.
        check::registration(&facts, &registration)?;
        check::treatment(&registration, &treatment)?;
        check::completion(&completion)?;
        let report = Report {
            to_bureau: false,
            written: false,
            reference: None,
            supervision: None,
            by,
            at: now,
        };
        out.extend([
            Event::Discovered { facts: Arc::new(facts) },
            Event::Registered { registration: Arc::new(registration) },
            Event::Reported { report: Arc::new(report) },
            Event::TreatmentStarted { treatment: Arc::new(treatment) },
            Event::TreatmentCompleted { completion: Arc::new(completion) },
        ]);
        self.push_clocks(out, Step::FixOnTheSpot, None);
        Ok(())
    }
}
