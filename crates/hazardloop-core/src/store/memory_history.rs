//! A hazard's history in the in-memory store.

use crate::chain::{ChainHash, Recorded};

/// A hazard's records, kept as the batches its commits brought: a commit's batch moves in
/// whole, so appending never moves the records already kept (a `Vec` of all of them would
/// copy them each time it grows).
#[derive(Debug, Default)]
pub(super) struct History {
    batches: Vec<Vec<Recorded>>,
    len: u64,
}

impl History {
    pub(super) fn push(&mut self, batch: Vec<Recorded>) {
        if !batch.is_empty() {
            self.len += batch.len() as u64;
            self.batches.push(batch);
        }
    }

    /// How many records (the hazard's version).
    pub(super) fn len(&self) -> u64 {
        self.len
    }

    /// The last record's hash (zeros before the first).
    pub(super) fn head(&self) -> ChainHash {
        self.batches.last().and_then(|b| b.last()).map_or(ChainHash::default(), |e| e.hash)
    }

    pub(super) fn to_vec(&self) -> Vec<Recorded> {
        let mut all = Vec::with_capacity(self.batches.iter().map(Vec::len).sum());
        for batch in &self.batches {
            all.extend_from_slice(batch);
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{HazardId, PersonId, TenantId};
    use crate::workflow::Event;
    use chrono::{DateTime, Utc};

    fn batch(first: u64, n: u64, prev: ChainHash) -> Vec<Recorded> {
        let (tenant, at) = (TenantId::new("t").unwrap(), DateTime::<Utc>::UNIX_EPOCH);
        let hazard = HazardId::new_at(at);
        let mut prev = prev;
        (first..first + n)
            .map(|seq| {
                let by = PersonId::new("p").unwrap();
                let event = Event::Commented { text: format!("{seq}"), by, at };
                let r = Recorded::new(tenant.clone(), hazard, seq, at, event, prev);
                prev = r.hash;
                r
            })
            .collect()
    }

    #[test]
    fn a_history_keeps_its_batches_in_order_and_skips_empty_ones() {
        let mut history = History::default();
        assert_eq!((history.len(), history.head()), (0, ChainHash::default()));
        let first = batch(1, 2, ChainHash::default());
        let second = batch(3, 3, first[1].hash);
        history.push(first);
        history.push(Vec::new());
        history.push(second);
        let all = history.to_vec();
        assert_eq!(history.len(), 5);
        assert_eq!(history.batches.len(), 2);
        assert_eq!(all.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert_eq!(history.head(), all[4].hash);
    }
}
