-- hazardloop schema 3: a covering index for the ledger's filters.
--
-- A ledger page counts every matching row (`LedgerPage::total`). Without an index that count
-- read every row of the tenant from the table (a page each, the rows holding their JSON): over
-- 100 k hazards a filtered count took ~150 ms while the page of 50 itself, walking the
-- discovery index until it has 50 matches, took under 1 ms. The count now reads this index
-- alone: the tenant's entries of the category and units asked for (0.8 ms over 100 k).
-- The cost: one more B-tree entry rewritten by every commit that changes the ledger row. The
-- page itself keeps walking `hazardloop_hazards_discovered` (newest first), so it is as fast
-- as before whatever the filter.
CREATE INDEX hazardloop_hazards_filter ON hazardloop_hazards
    (tenant, category, unit, open, paused, stage, deadline, grade, discovered_at, title, location);
