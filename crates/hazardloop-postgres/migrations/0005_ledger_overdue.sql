-- hazardloop store, version 5: the ledger's overdue filter (逾期未整改) from an index. A row
-- can be overdue only while it is open, not yet accepted and not paused (`LedgerRow::is_overdue_at`);
-- this partial index holds just those rows, by category and rectification deadline, so a page
-- of overdue hazards of one category and its total (`deadline < now`) read the candidates
-- instead of every row of the category or every open row.
CREATE INDEX hazards_overdue ON __SCHEMA__.hazards (tenant_id, category, deadline)
    WHERE open AND stage <> 'accepted' AND paused_since IS NULL;
