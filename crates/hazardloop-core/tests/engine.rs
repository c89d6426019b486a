//! Engine tests with a manual clock: escalation over a national holiday, idempotent sweeps,
//! nothing lost between commit and dispatch, retries with one idempotency key, conflicts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use hazardloop_core::deadline::ClockKind;
use hazardloop_core::engine::{Engine, EngineError, Request, Tuning};
use hazardloop_core::model::{Actor, Grade, HazardId, PersonId};
use hazardloop_core::notify::{NoticeKind, Notifier};
use hazardloop_core::store::{MemoryStore, OutboxStatus, Store};
use hazardloop_core::workflow::{Command, Step};
use hazardloop_testkit::{Fixture, FlakyNotifier, ManualClock, RecordingNotifier};

fn bj(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

fn engine<N: Notifier>(
    f: &Fixture,
    store: Arc<MemoryStore>,
    notifier: N,
    clock: &ManualClock,
) -> Engine<Arc<MemoryStore>, N> {
    Engine::new(store, notifier, Arc::new(clock.clone()), f.policy.clone()).with_org(f.org.clone())
}

async fn run<S: Store, N: Notifier>(
    e: &Engine<S, N>,
    f: &Fixture,
    hazard: Option<HazardId>,
    step: Step,
) -> HazardId {
    f.drive(e, hazard, step).await.unwrap_or_else(|err| panic!("{step:?}: {err}"))
}

/// Discover, register, report and start treatment with the plan due on the registered deadline.
async fn treating<S: Store, N: Notifier>(e: &Engine<S, N>, f: &Fixture) -> HazardId {
    let id = run(e, f, None, Step::Discover).await;
    run(e, f, Some(id), Step::Register).await;
    run(e, f, Some(id), Step::Report).await;
    let h = e.hazard(&f.tenant, id).await.unwrap().hazard;
    let due = h.clocks.get(ClockKind::Rectify).unwrap();
    let start = f.start_treatment(Grade::General, due);
    e.execute(&f.worker(), Request::on(id, start)).await.unwrap();
    id
}

#[tokio::test]
async fn missed_deadline_across_national_day_escalates_to_the_ladder_on_the_right_working_days() {
    let f = Fixture::school();
    // Thursday 25 September 2025, 10:00 in Shanghai, just before the National Day week.
    let clock = ManualClock::new(bj(2025, 9, 25, 10, 0));
    let notifier = RecordingNotifier::new();
    let e = engine(&f, Arc::new(MemoryStore::new()), notifier.clone(), &clock);
    let id = treating(&e, &f).await;
    let h = e.hazard(&f.tenant, id).await.unwrap().hazard;
    // 5 working days: Fri 26, Sun 28 (调休), Mon 29, Tue 30 Sep, then (1–8 Oct off) Thu 9 Oct, 17:30.
    assert_eq!(h.clocks.get(ClockKind::Rectify), Some(bj(2025, 10, 9, 17, 30)));
    e.dispatch().await.unwrap();
    notifier.clear();

    // Sweep every evening at 18:00 until the second working day after the deadline, then on.
    let mut fired: BTreeMap<NaiveDate, Vec<(NoticeKind, Vec<PersonId>)>> = BTreeMap::new();
    let mut day = NaiveDate::from_ymd_opt(2025, 9, 25).unwrap();
    while day <= NaiveDate::from_ymd_opt(2025, 10, 27).unwrap() {
        clock.set(
            chrono_tz::Asia::Shanghai
                .from_local_datetime(&day.and_hms_opt(18, 0, 0).unwrap())
                .unwrap()
                .with_timezone(&Utc),
        );
        let first = e.sweep().await.unwrap();
        let again = e.sweep().await.unwrap();
        assert_eq!(again.fired, 0, "a second sweep at {day} fires nothing");
        e.dispatch().await.unwrap();
        let again = e.dispatch().await.unwrap();
        assert_eq!(again.deliveries, 0, "nothing is delivered twice");
        let mut today: Vec<(NoticeKind, Vec<PersonId>)> = Vec::new();
        for d in notifier.deliveries() {
            for n in &d.notices {
                match today.iter_mut().find(|(k, _)| *k == n.kind) {
                    Some((_, people)) => people.push(d.to.person.clone()),
                    None => today.push((n.kind, vec![d.to.person.clone()])),
                }
            }
        }
        notifier.clear();
        for (_, people) in &mut today {
            people.sort();
        }
        if first.fired > 0 {
            fired.insert(day, today);
        }
        day = day.succ_opt().unwrap();
    }
    let p = &f.people;
    let sorted = |mut v: Vec<PersonId>| {
        v.sort();
        v
    };
    let date = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
    let expected: BTreeMap<NaiveDate, Vec<(NoticeKind, Vec<PersonId>)>> = [
        (date(9, 30), vec![(NoticeKind::Reminder, vec![p.worker.clone()])]),
        // Due Thu 9 Oct: overdue to the assignee and the unit head.
        (
            date(10, 9),
            vec![(NoticeKind::Overdue, sorted(vec![p.worker.clone(), p.logistics_head.clone()]))],
        ),
        // +1 working day: Fri 10 Oct, the school safety office.
        (date(10, 10), vec![(NoticeKind::Overdue, vec![p.officer.clone()])]),
        // +3: Sat 11 Oct (调休) is +2, so Mon 13 Oct, the principal.
        (date(10, 13), vec![(NoticeKind::Overdue, vec![p.principal.clone()])]),
        // +5: Wed 15 Oct, the bureau's supervision letter.
        (
            date(10, 15),
            vec![(
                NoticeKind::SupervisionLetter,
                sorted(vec![p.bureau_officer.clone(), p.principal.clone()]),
            )],
        ),
        // +10: Wed 22 Oct, a summons.
        (
            date(10, 22),
            vec![(
                NoticeKind::Summons,
                sorted(vec![
                    p.bureau_officer.clone(),
                    p.principal.clone(),
                    p.logistics_head.clone(),
                ]),
            )],
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(fired, expected);
    let h = e.hazard(&f.tenant, id).await.unwrap();
    let escalations = h.timeline.iter().filter(|r| r.event.type_name() == "escalated").count();
    assert_eq!(escalations, 6, "each rung fired once");
}

#[tokio::test]
async fn one_digest_per_recipient_per_sweep() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let notifier = RecordingNotifier::new();
    let e = engine(&f, Arc::new(MemoryStore::new()), notifier.clone(), &clock);
    for _ in 0..3 {
        treating(&e, &f).await;
    }
    e.dispatch().await.unwrap();
    notifier.clear();
    clock.advance(Duration::days(30));
    let report = e.sweep().await.unwrap();
    assert_eq!(report.fired, 3 * 6, "every rung of the three hazards");
    e.dispatch().await.unwrap();
    let deliveries = notifier.deliveries();
    let mut people: Vec<_> = deliveries.iter().map(|d| d.to.person.clone()).collect();
    let n = people.len();
    people.sort();
    people.dedup();
    assert_eq!(people.len(), n, "one delivery per person");
    let worker = deliveries.iter().find(|d| d.to.person == f.people.worker).unwrap();
    assert_eq!(
        worker.notices.len(),
        6,
        "the worker's digest holds 2 notices for each of 3 hazards"
    );
    assert!(worker.subject().contains("汇总"), "{}", worker.subject());
}

#[tokio::test]
async fn a_stop_between_commit_and_dispatch_loses_nothing() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let store = Arc::new(MemoryStore::new());
    let first = engine(&f, store.clone(), RecordingNotifier::new(), &clock);
    let id = treating(&first, &f).await;
    run(&first, &f, Some(id), Step::Complete).await; // writes an "acceptance requested" notice
    drop(first); // the process stops before dispatching
    let notifier = RecordingNotifier::new();
    let restarted = engine(&f, store, notifier.clone(), &clock);
    let report = restarted.dispatch().await.unwrap();
    assert!(report.delivered >= 1);
    let asked = notifier
        .deliveries()
        .into_iter()
        .find(|d| d.notices[0].kind == NoticeKind::AcceptanceRequested);
    assert_eq!(asked.unwrap().to.person, f.people.officer, "the safety office is asked to check");
}

#[tokio::test]
async fn failing_three_times_then_succeeding_delivers_once_with_one_key() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let notifier = FlakyNotifier::failing(3);
    let store = Arc::new(MemoryStore::new());
    let e = engine(&f, store.clone(), notifier.clone(), &clock);
    let id = treating(&e, &f).await;
    run(&e, &f, Some(id), Step::Complete).await;
    for _ in 0..10 {
        e.dispatch().await.unwrap();
        clock.advance(Duration::hours(1));
    }
    let attempts = notifier.attempts();
    assert_eq!(attempts.len(), 4, "three failures and one success");
    let keys: Vec<_> = attempts.iter().map(|(d, _)| d.idempotency_key.clone()).collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "every attempt carries the same key: {keys:?}");
    assert_eq!(notifier.delivered().len(), 1);
    assert!(store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap().is_empty());
    assert_eq!(store.outbox(&f.tenant, OutboxStatus::Delivered).await.unwrap().len(), 1);
}

#[tokio::test]
async fn retries_back_off_exponentially_then_dead_letter_after_the_limit() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let notifier = FlakyNotifier::failing(100);
    let store = Arc::new(MemoryStore::new());
    let e = engine(&f, store.clone(), notifier.clone(), &clock);
    let id = treating(&e, &f).await;
    run(&e, &f, Some(id), Step::Complete).await;
    let mut gaps = Vec::new();
    let mut last = clock.now_utc();
    for _ in 0..200 {
        let before = notifier.attempts().len();
        e.dispatch().await.unwrap();
        if notifier.attempts().len() > before {
            gaps.push(clock.now_utc() - last);
            last = clock.now_utc();
        }
        clock.advance(Duration::minutes(1));
    }
    assert_eq!(notifier.attempts().len(), 8, "max_attempts of the default policy");
    // The wait after the k-th failure is 2^(k−1) minutes times a jitter of 0.8–1.2 (the test
    // clock moves in whole minutes, so allow one more).
    for (k, gap) in gaps.iter().enumerate().skip(1) {
        let nominal = 60.0 * f64::from(1u32 << (k - 1));
        let secs = gap.num_seconds() as f64;
        assert!(
            secs >= 0.8 * nominal && secs <= 1.2 * nominal + 60.0,
            "wait {k} is {secs}s: {gaps:?}"
        );
    }
    let dead = store.outbox(&f.tenant, OutboxStatus::Dead).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].last_error.as_deref().unwrap().contains("gave up after 8 attempts"));
}

#[tokio::test]
async fn a_permanent_failure_is_dead_lettered_with_its_reason() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let notifier =
        FlakyNotifier::new([hazardloop_testkit::Answer::Permanent("HTTP 400: bad payload".into())]);
    let store = Arc::new(MemoryStore::new());
    let e = engine(&f, store.clone(), notifier, &clock);
    let id = treating(&e, &f).await;
    run(&e, &f, Some(id), Step::Complete).await;
    let report = e.dispatch().await.unwrap();
    assert_eq!(report.dead, 1);
    let dead = store.outbox(&f.tenant, OutboxStatus::Dead).await.unwrap();
    assert_eq!(dead[0].last_error.as_deref(), Some("HTTP 400: bad payload"));
}

/// A store whose loads wait for each other, so two commands both decide on one version.
struct Lockstep {
    inner: MemoryStore,
    barrier: tokio::sync::Barrier,
    armed: std::sync::atomic::AtomicBool,
}

impl Store for Lockstep {
    async fn commit(
        &self,
        c: hazardloop_core::store::Commit,
    ) -> Result<hazardloop_core::store::Committed, hazardloop_core::store::StoreError> {
        self.inner.commit(c).await
    }
    async fn find_number(
        &self,
        t: &hazardloop_core::model::TenantId,
        number: &str,
    ) -> Result<Option<HazardId>, hazardloop_core::store::StoreError> {
        self.inner.find_number(t, number).await
    }
    async fn load(
        &self,
        t: &hazardloop_core::model::TenantId,
        h: HazardId,
    ) -> Result<Option<hazardloop_core::store::HazardRecord>, hazardloop_core::store::StoreError>
    {
        self.inner.load(t, h).await
    }
    async fn snapshot(
        &self,
        t: &hazardloop_core::model::TenantId,
        h: HazardId,
    ) -> Result<Option<hazardloop_core::store::Snapshot>, hazardloop_core::store::StoreError> {
        let r = self.inner.snapshot(t, h).await;
        if self.armed.load(std::sync::atomic::Ordering::SeqCst) {
            self.barrier.wait().await;
        }
        r
    }
    async fn ledger(
        &self,
        t: &hazardloop_core::model::TenantId,
        q: &hazardloop_core::store::LedgerQuery,
    ) -> Result<hazardloop_core::store::LedgerPage, hazardloop_core::store::StoreError> {
        self.inner.ledger(t, q).await
    }
    async fn due(
        &self,
        b: DateTime<Utc>,
        a: Option<&hazardloop_core::store::Due>,
        l: usize,
    ) -> Result<Vec<hazardloop_core::store::Due>, hazardloop_core::store::StoreError> {
        self.inner.due(b, a, l).await
    }
    async fn idempotent(
        &self,
        t: &hazardloop_core::model::TenantId,
        k: &str,
    ) -> Result<Option<hazardloop_core::store::IdempotentResult>, hazardloop_core::store::StoreError>
    {
        self.inner.idempotent(t, k).await
    }
    async fn claim_outbox(
        &self,
        n: DateTime<Utc>,
        l: usize,
        u: DateTime<Utc>,
    ) -> Result<Vec<hazardloop_core::store::Claimed>, hazardloop_core::store::StoreError> {
        self.inner.claim_outbox(n, l, u).await
    }
    async fn settle(
        &self,
        id: hazardloop_core::model::MessageId,
        t: u64,
        s: hazardloop_core::store::Settlement,
    ) -> Result<bool, hazardloop_core::store::StoreError> {
        self.inner.settle(id, t, s).await
    }
    async fn put_document(
        &self,
        t: &hazardloop_core::model::TenantId,
        n: &str,
        b: &str,
    ) -> Result<(), hazardloop_core::store::StoreError> {
        self.inner.put_document(t, n, b).await
    }
    async fn document(
        &self,
        t: &hazardloop_core::model::TenantId,
        n: &str,
    ) -> Result<Option<String>, hazardloop_core::store::StoreError> {
        self.inner.document(t, n).await
    }
    async fn outbox(
        &self,
        t: &hazardloop_core::model::TenantId,
        s: OutboxStatus,
    ) -> Result<Vec<hazardloop_core::store::OutboxMessage>, hazardloop_core::store::StoreError>
    {
        self.inner.outbox(t, s).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflicting_concurrent_command_gets_conflict_and_changes_nothing() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let store = Arc::new(Lockstep {
        inner: MemoryStore::new(),
        barrier: tokio::sync::Barrier::new(2),
        armed: false.into(),
    });
    let e = Arc::new(
        Engine::new(
            store.clone(),
            RecordingNotifier::new(),
            Arc::new(clock.clone()),
            f.policy.clone(),
        )
        .with_org(f.org.clone()),
    );
    let id = treating(&*e, &f).await;
    run(&*e, &f, Some(id), Step::Complete).await;
    let before = e.hazard(&f.tenant, id).await.unwrap();
    store.armed.store(true, std::sync::atomic::Ordering::SeqCst);
    let pass = |actor: Actor, command: Command| {
        let e = e.clone();
        tokio::spawn(async move { e.execute(&actor, Request::on(id, command)).await })
    };
    let a = pass(f.inspector(), Command::Pass { note: "合格".into() });
    let b = pass(f.officer(), Command::Fail { reason: "不合格".into() });
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    store.armed.store(false, std::sync::atomic::Ordering::SeqCst);
    let (ok, err) = match (a, b) {
        (Ok(o), Err(e)) | (Err(e), Ok(o)) => (o, e),
        other => panic!("exactly one must win: {other:?}"),
    };
    let v = before.hazard.version;
    assert_eq!(err, EngineError::Conflict { expected: v, actual: ok.version });
    let after = e.hazard(&f.tenant, id).await.unwrap();
    assert_eq!(after.timeline.len() as u64, ok.version, "only the winner's events are stored");
    assert_eq!(&after.timeline[..before.timeline.len()], &before.timeline[..]);
}

#[tokio::test]
async fn a_retried_command_returns_the_first_result_and_writes_nothing() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let e = engine(&f, Arc::new(MemoryStore::new()), RecordingNotifier::new(), &clock);
    let request = Request::new(f.discover()).key("tablet-42/discover/1");
    let first = e.execute(&f.inspector(), request.clone()).await.unwrap();
    clock.advance(Duration::minutes(5));
    let again = e.execute(&f.inspector(), request).await.unwrap();
    assert!(again.replayed && !first.replayed);
    assert_eq!(
        (again.hazard, again.version, &again.events),
        (first.hazard, first.version, &first.events)
    );
    let ledger = e
        .ledger(&f.tenant, &Default::default(), hazardloop_core::report::Page::new(0, 50))
        .await
        .unwrap();
    assert_eq!(ledger.total, 1, "the retry created no second hazard");
}

#[tokio::test]
async fn loading_a_hazard_never_notifies() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let store = Arc::new(MemoryStore::new());
    let e = engine(&f, store.clone(), RecordingNotifier::new(), &clock);
    let id = treating(&e, &f).await;
    let pending = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap().len();
    clock.advance(Duration::days(40));
    for _ in 0..3 {
        e.hazard(&f.tenant, id).await.unwrap();
        e.verify(&f.tenant, id).await.unwrap();
        e.ledger(&f.tenant, &Default::default(), Default::default()).await.unwrap();
    }
    assert_eq!(store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap().len(), pending);
}

#[tokio::test]
async fn sweeping_in_small_pages_reaches_every_due_hazard() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let e = engine(&f, Arc::new(MemoryStore::new()), RecordingNotifier::new(), &clock)
        .with_tuning(Tuning { sweep_page: 2, ..Tuning::default() });
    for _ in 0..7 {
        treating(&e, &f).await;
    }
    clock.advance(Duration::days(40));
    let report = e.sweep().await.unwrap();
    assert_eq!((report.hazards, report.fired), (7, 42));
    assert_eq!(e.sweep().await.unwrap().fired, 0);
}

#[tokio::test]
async fn a_role_nobody_holds_is_reported_as_a_dead_letter_not_skipped() {
    let mut f = Fixture::school();
    // Remove the principal: the +3 rung has nobody to go to.
    let mut config = f.org.to_config();
    config.people.retain(|p| p.id != f.people.principal);
    f.org = hazardloop_core::org::Org::from_config(f.tenant.clone(), config).unwrap();
    let clock = ManualClock::new(f.start);
    let store = Arc::new(MemoryStore::new());
    let e = engine(&f, store.clone(), RecordingNotifier::new(), &clock);
    treating(&e, &f).await;
    clock.advance(Duration::days(40));
    e.sweep().await.unwrap();
    e.dispatch().await.unwrap();
    let dead = store.outbox(&f.tenant, OutboxStatus::Dead).await.unwrap();
    assert!(!dead.is_empty());
    assert!(
        dead.iter().all(|m| m.last_error.as_deref().unwrap().contains("the role principal")),
        "{dead:?}"
    );
}

trait NowUtc {
    fn now_utc(&self) -> DateTime<Utc>;
}

impl NowUtc for ManualClock {
    fn now_utc(&self) -> DateTime<Utc> {
        hazardloop_core::clock::Clock::now(self)
    }
}

#[tokio::test]
async fn a_batch_lands_whole_or_not_at_all() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let store = Arc::new(MemoryStore::new());
    let e = engine(&f, store.clone(), RecordingNotifier::new(), &clock);
    // The officer may discover and register; the second register is out of order.
    let bad = vec![f.discover(), f.register(Grade::General), f.register(Grade::General)];
    let err = e.execute_batch(&f.officer(), None, bad).await.unwrap_err();
    assert!(matches!(err, EngineError::Workflow(_)), "{err}");
    let empty = e.ledger(&f.tenant, &Default::default(), Default::default()).await.unwrap();
    assert_eq!(empty.total, 0, "nothing of a refused batch is written");
    let good = vec![f.discover(), f.register(Grade::General)];
    let out = e.execute_batch(&f.officer(), None, good).await.unwrap();
    let h = e.hazard(&f.tenant, out.hazard).await.unwrap();
    assert_eq!(h.hazard.kind(), hazardloop_core::workflow::StageKind::Registered);
    assert_eq!(h.timeline.len() as u64, out.version);
    e.verify(&f.tenant, out.hazard).await.unwrap();
}

#[tokio::test]
async fn the_ledger_shows_a_deadline_that_passed_since_the_last_commit_as_overdue() {
    let f = Fixture::school();
    let clock = ManualClock::new(f.start);
    let e = engine(&f, Arc::new(MemoryStore::new()), RecordingNotifier::new(), &clock);
    let id = treating(&e, &f).await;
    let ledger = |overdue: Option<bool>| {
        let filter = hazardloop_core::report::LedgerFilter { overdue, ..Default::default() };
        let (e, tenant) = (&e, &f.tenant);
        async move { e.ledger(tenant, &filter, Default::default()).await.unwrap() }
    };
    let before = ledger(None).await;
    assert_eq!((before.rows[0].id, before.rows[0].overdue), (id, false));
    // Nothing is committed while the deadline passes: the row shown is as at now, as filtered.
    let now = clock.advance(Duration::days(40));
    let after = ledger(Some(true)).await;
    assert_eq!(after.total, 1, "the store's filter judges at now");
    assert_eq!((after.rows[0].overdue, after.rows[0].as_of), (true, now), "and so does the row");
    assert_eq!(ledger(Some(false)).await.total, 0);
}

#[tokio::test]
async fn which_step_notifies_whom_is_the_policys_notices() {
    let mut f = Fixture::school();
    // A county that tells the assignee when a hazard is registered to them, and nobody of a
    // completion (its safety office watches the ledger instead).
    let toml = "[notices]\nregister = [\"assignee\"]\nfail = [\"assignee\"]\n";
    f.policy = hazardloop_core::policy::Policy::from_toml(toml).unwrap();
    let clock = ManualClock::new(bj(2025, 3, 3, 9, 0));
    let store = Arc::new(MemoryStore::new());
    let e = engine(&f, store.clone(), RecordingNotifier::new(), &clock);
    let id = treating(&e, &f).await;
    let pending = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    let kinds: Vec<(NoticeKind, Option<PersonId>)> =
        pending.iter().map(|m| (m.notice.kind, m.to.clone())).collect();
    let assignee = e
        .hazard(&f.tenant, id)
        .await
        .unwrap()
        .hazard
        .stage
        .registration()
        .map(|r| r.assignee.clone());
    assert_eq!(kinds, [(NoticeKind::StepTaken, assignee)], "only the registration notifies");
    run(&e, &f, Some(id), Step::Complete).await;
    let after = store.outbox(&f.tenant, OutboxStatus::Pending).await.unwrap();
    assert_eq!(after.len(), 1, "a completion notifies nobody under this policy");
    // A bad [notices] names its field.
    let bad = hazardloop_core::policy::Policy::from_toml(
        "[notices]\ncomplete = [\"principal\", \"principal\"]\n",
    );
    assert!(bad.unwrap_err().to_string().contains("notices.complete[1]"));
    let typo =
        hazardloop_core::policy::Policy::from_toml("[notices]\ncompelte = [\"principal\"]\n");
    assert!(typo.unwrap_err().to_string().contains("compelte"));
}
