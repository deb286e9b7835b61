-- gasbench run store: one schema for SQLite and PostgreSQL (portable types only).
-- Times are unix milliseconds; figures carry their unit in the column name.
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    started_ms BIGINT,
    ended_ms BIGINT,
    scenario TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    labels TEXT NOT NULL,
    commit_label TEXT,
    included_tps DOUBLE PRECISION,
    inclusion_p99_us BIGINT,
    gas_per_op DOUBLE PRECISION,
    error TEXT,
    report TEXT
);
CREATE INDEX runs_created ON runs (created_ms);
CREATE INDEX runs_status ON runs (status);

CREATE TABLE run_labels (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);

CREATE TABLE run_events (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    at_ms BIGINT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX run_events_run ON run_events (run_id);

CREATE TABLE run_workloads (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    workload TEXT NOT NULL,
    included BIGINT NOT NULL,
    inclusion_p99_us BIGINT NOT NULL,
    gas_per_op DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (run_id, workload)
);
