use std::hint::black_box;
use chrono::Duration;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use hazardloop::model::Grade;
use hazardloop::workflow::{decide, Command, Hazard, StageKind};
use hazardloop::calendar::Span;
use hazardloop::org::authorize;
use hazardloop_testkit::Fixture;

fn bench(c: &mut Criterion) {
    let f = Fixture::school();
    let (treated, _) = f.walked(Grade::General, StageKind::Treated);
    let inspector = f.inspector();
    let now = f.start + Duration::hours(8);
    let ctx = f.ctx(&inspector, now);
    let command = Command::Pass { note: String::new() };
    c.bench_function("authorize", |b| b.iter(|| authorize(&inspector, black_box(&command), Some(&treated), &f.org, f.policy.permissions())));
    c.bench_function("cal_add_2wd", |b| b.iter(|| f.policy.calendar().add(black_box(now), Span::working_days(2))));
    c.bench_function("decide", |b| b.iter(|| decide(Some(&treated), black_box(command.clone()), &ctx)));
    let events = decide(Some(&treated), command.clone(), &ctx).unwrap();
    c.bench_function("apply", |b| b.iter_batched(|| treated.clone(), |h| events.iter().try_fold(h, Hazard::apply), BatchSize::SmallInput));
    c.bench_function("clone_hazard", |b| b.iter(|| black_box(&treated).clone()));
}
criterion_group!(benches, bench);
criterion_main!(benches);
