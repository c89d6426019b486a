//! The walk over working days that reckoning and counting take: a step to the next working
//! day, whole plain weeks at a time where no listing or holiday lies, or the calendar's day table.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

use super::Calendar;

/// Which way a walk goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Forward,
    Backward,
}

/// A walk over working days that remembers whether it consulted an uncovered year.
pub(super) struct Walk<'a> {
    pub(super) cal: &'a Calendar,
    pub(super) fell_back: bool,
}

impl Walk<'_> {
    fn is_working(&mut self, date: NaiveDate) -> bool {
        let day = self.cal.day(date);
        self.fell_back |= !day.official;
        day.kind.is_working()
    }

    /// The nearest working day strictly after (or before) `date`.
    fn neighbour(&mut self, mut date: NaiveDate, dir: Direction) -> Option<NaiveDate> {
        loop {
            date = match dir {
                Direction::Forward => date.succ_opt()?,
                Direction::Backward => date.pred_opt()?,
            };
            if self.is_working(date) {
                return Some(date);
            }
        }
    }

    /// The nearest working day in direction `dir` whose end lies beyond `at` (after it going
    /// forward, before it going back), or at it if `inclusive`.
    pub(super) fn day_ending_beyond(
        &mut self,
        at: DateTime<Utc>,
        inclusive: bool,
        dir: Direction,
    ) -> Option<NaiveDate> {
        let date = self.cal.local_date(at);
        let end = self.cal.end_of_day(date);
        let beyond = match dir {
            Direction::Forward => end > at,
            Direction::Backward => end < at,
        };
        if self.is_working(date) && (beyond || (inclusive && end == at)) {
            Some(date)
        } else {
            self.neighbour(date, dir)
        }
    }

    /// The working day `steps` working days from the working day `date`.
    pub(super) fn advance(
        &mut self,
        date: NaiveDate,
        steps: u32,
        dir: Direction,
    ) -> Option<NaiveDate> {
        if let Some((to, fell_back)) = self.cal.fast.advance(date, steps, dir == Direction::Forward)
        {
            self.fell_back |= fell_back;
            return Some(to);
        }
        let (mut date, mut steps) = (date, steps);
        while steps > 0 {
            let weeks = self.plain_weeks(date, dir).min(steps / 5);
            if weeks > 0 {
                date = self.skip_weeks(date, weeks, dir)?;
                steps -= weeks * 5;
            } else {
                date = self.neighbour(date, dir)?;
                steps -= 1;
            }
        }
        Some(date)
    }

    /// How many working days lie in `[from, to]`, both working days with `from <= to`.
    pub(super) fn count(&mut self, mut from: NaiveDate, to: NaiveDate) -> i64 {
        let mut count = 1;
        while from < to {
            let room = u32::try_from((to - from).num_days() / 7).unwrap_or(u32::MAX);
            let weeks = self.plain_weeks(from, Direction::Forward).min(room);
            let next = if weeks > 0 {
                count += i64::from(weeks) * 5;
                self.skip_weeks(from, weeks, Direction::Forward)
            } else {
                count += 1;
                self.neighbour(from, Direction::Forward)
            };
            match next {
                Some(next) => from = next,
                None => break,
            }
        }
        count
    }

    /// How many whole weeks from `date` in `dir` touch no listed date nor statutory holiday.
    /// There every week has exactly five working days and the same weekday as `date` (a working
    /// day) is again one, so whole weeks can be skipped: very long spans cost no more than short
    /// ones.
    fn plain_weeks(&self, date: NaiveDate, dir: Direction) -> u32 {
        let Some((first, last)) = self.cal.irregular else {
            return u32::MAX;
        };
        let room = match dir {
            Direction::Forward if date > last => return u32::MAX,
            Direction::Backward if date < first => return u32::MAX,
            Direction::Forward => (first - date).num_days() - 1,
            Direction::Backward => (date - last).num_days() - 1,
        };
        u32::try_from(room.max(0) / 7).unwrap_or(u32::MAX)
    }

    fn skip_weeks(&mut self, date: NaiveDate, weeks: u32, dir: Direction) -> Option<NaiveDate> {
        let days = Days::new(u64::from(weeks) * 7);
        let (lo, hi) = match dir {
            Direction::Forward => (date, date.checked_add_days(days)?),
            Direction::Backward => (date.checked_sub_days(days)?, date),
        };
        self.fell_back |= !self.cal.official.covers_all(lo.year(), hi.year());
        Some(if dir == Direction::Forward { hi } else { lo })
    }
}
