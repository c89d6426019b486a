//! The notifier conformance suite: a single notice, a digest and a repeat are accepted.

use hazardloop_core::model::Grade;
use hazardloop_core::notify::{Addressee, Delivery, Notice, NoticeKind, Notifier};
use hazardloop_core::org::Contacts;
use hazardloop_core::workflow::StageKind;

use crate::Fixture;

/// Runs every notifier check: a delivery of one notice and a digest are accepted.
pub async fn notifier_conformance<N: Notifier + ?Sized>(notifier: &N) {
    let f = Fixture::school();
    let (hazard, _) = f.walked(Grade::General, StageKind::Treating);
    let notice = |kind| Notice {
        kind,
        hazard: hazard.id,
        number: None,
        title: hazard.stage.facts().title.clone(),
        location: hazard.stage.facts().location.clone(),
        stage: hazard.kind(),
        clock: Some(hazardloop_core::deadline::ClockKind::Rectify),
        due: Some(f.start),
        note: None,
        occurrence: None,
        record: None,
    };
    let to = Addressee {
        person: f.people.worker.clone(),
        name: "孙师傅".into(),
        contacts: Contacts {
            email: Some("worker@school.example.cn".into()),
            mobile: Some("13800000000".into()),
            wecom_user: Some("sunshifu".into()),
            dingtalk_user: Some("sunshifu".into()),
        },
    };
    let single = Delivery {
        idempotency_key: "hl-conformance-1".into(),
        tenant: f.tenant.clone(),
        to: to.clone(),
        notices: vec![notice(NoticeKind::Overdue)],
        lang: hazardloop_core::model::Lang::Zh,
    };
    assert!(!notifier.name().is_empty(), "a notifier has a name");
    if let Err(e) = notifier.deliver(&single).await {
        panic!("{} refused a single notice: {e}", notifier.name());
    }
    let digest = Delivery {
        idempotency_key: "hl-conformance-2".into(),
        notices: vec![notice(NoticeKind::Reminder), notice(NoticeKind::SupervisionLetter)],
        ..single.clone()
    };
    assert!(digest.subject().contains('2'), "a digest's subject counts its items");
    if let Err(e) = notifier.deliver(&digest).await {
        panic!("{} refused a digest: {e}", notifier.name());
    }
    // A repeat with the same key is accepted (at-least-once delivery): receivers drop it by key.
    if let Err(e) = notifier.deliver(&single).await {
        panic!("{} refused a repeated delivery: {e}", notifier.name());
    }
}
