//! The run store: every run's status changes, summary figures and JSON report, in SQLite
//! (default, a file in the data directory) or PostgreSQL (`--database-url`), through one
//! code path (sqlx's `Any` driver) and one schema (`harness/migrations/`, portable types).

use std::{borrow::Cow, collections::BTreeMap, path::Path};

use serde::Serialize;
use sqlx::{
    AnyPool, Row,
    any::{AnyPoolOptions, AnyRow},
    migrate::{Migration, MigrationType, Migrator},
};

use crate::{metrics::Stage, report::Report};

/// The checked-in migrations, in order.
const MIGRATIONS: [(i64, &str, &str); 1] = [(1, "runs", include_str!("../../migrations/0001_runs.sql"))];

/// Why the store failed. Messages never carry the database URL (it may hold a password).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the run store at {location}: {reason}; {hint}")]
    Open { location: String, reason: String, hint: &'static str },
    #[error("cannot migrate the run store: {0}")]
    Migrate(String),
    #[error("run store query failed: {0}")]
    Query(String),
}

impl StoreError {
    fn query(e: &sqlx::Error) -> Self {
        Self::Query(redact_text(&e.to_string()))
    }
}

/// A run's status, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Queued,
    Running,
    /// Ran to the end, every check passed.
    Passed,
    /// Ran to the end but a check failed or the target had a fault.
    Failed,
    /// Cancelled through the API (the partial report is stored).
    Cancelled,
    /// Stopped by the service's shutdown, or found running after a crash.
    Interrupted,
    /// No report: the run could not start (bad target, set-up failed).
    Error,
}

impl Status {
    pub const ALL: [Status; 7] =
        [Self::Queued, Self::Running, Self::Passed, Self::Failed, Self::Cancelled, Self::Interrupted, Self::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Interrupted => "interrupted",
            Self::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The run will not change any more.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Queued | Self::Running)
    }
}

/// A stored run, without its report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    pub id: String,
    pub created_ms: i64,
    pub started_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub scenario: String,
    pub target: String,
    pub status: Status,
    pub labels: BTreeMap<String, String>,
    pub summary: Option<Summary>,
    pub error: Option<String>,
}

/// The headline figures of a finished run (the history dashboard's series).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub included_tps: f64,
    pub inclusion_p99_us: i64,
    /// Gas used per included transaction, over every workload.
    pub gas_per_op: f64,
}

impl Summary {
    pub fn of(report: &Report) -> Self {
        let (gas, ops) = report
            .workloads
            .values()
            .fold((0.0, 0u64), |(g, n), w| (g + w.gas_per_op.mean * w.gas_per_op.count as f64, n + w.gas_per_op.count));
        Self {
            included_tps: report.throughput.included_tps,
            inclusion_p99_us: report.latency[Stage::INCLUSION].p99_us as i64,
            gas_per_op: if ops == 0 { 0.0 } else { gas / ops as f64 },
        }
    }
}

/// A run as it is first stored.
#[derive(Debug, Clone)]
pub struct NewRun {
    pub id: String,
    pub created_ms: i64,
    pub scenario: String,
    pub target: String,
    pub labels: BTreeMap<String, String>,
}

/// Filters of a listing; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub scenario: Option<String>,
    pub target: Option<String>,
    pub status: Option<Status>,
    /// `key=value` pairs, all of which must match.
    pub labels: Vec<(String, String)>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Continue after this cursor (from a previous page).
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

/// Where a page ended: the last row's creation time and id (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_ms: i64,
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_ms, self.id)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let (ms, id) = s.split_once('.')?;
        Some(Self { created_ms: ms.parse().ok()?, id: id.to_string() })
    }
}

/// Where the store lives.
#[derive(Debug, Clone)]
pub enum Location {
    /// A SQLite file in this directory (created when missing).
    DataDir(std::path::PathBuf),
    /// A database URL (`postgres://...` or `sqlite://...`); shown redacted.
    Url(String),
}

impl Location {
    fn url(&self) -> Result<String, StoreError> {
        match self {
            Self::Url(u) => Ok(u.clone()),
            Self::DataDir(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                    location: dir.display().to_string(),
                    reason: e.to_string(),
                    hint: "give a writable --data-dir",
                })?;
                Ok(format!("sqlite://{}?mode=rwc", dir.join("runs.db").display()))
            }
        }
    }

    /// What to show in logs and errors: the URL without its password.
    pub fn shown(&self) -> String {
        match self {
            Self::DataDir(d) => d.join("runs.db").display().to_string(),
            Self::Url(u) => redact_url(u),
        }
    }
}

/// `scheme://user:secret@host/db` -> `scheme://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(x) => x,
        None => return url.to_string(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Removes anything that looks like a URL's password from a driver's message.
fn redact_text(s: &str) -> String {
    s.split(' ').map(|w| if w.contains("://") { redact_url(w) } else { w.to_string() }).collect::<Vec<_>>().join(" ")
}

/// The run store. Cheap to clone (a pool).
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
}

/// Columns of `runs` read back, in `row_of`'s order.
const COLUMNS: &str = "id, created_ms, started_ms, ended_ms, scenario, target, status, labels, \
                       included_tps, inclusion_p99_us, gas_per_op, error";

impl Store {
    /// Opens (creating when needed) the store and brings its schema up to date.
    pub async fn open(location: &Location) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let url = location.url()?;
        let sqlite = url.starts_with("sqlite:");
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 1 } else { 8 })
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(&url)
            .await
            .map_err(|e| StoreError::Open {
                location: location.shown(),
                reason: redact_text(&e.to_string()),
                hint: if sqlite {
                    "check that the data directory is writable"
                } else {
                    "check that PostgreSQL is running there and the user may create tables"
                },
            })?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrations: Vec<Migration> = MIGRATIONS
            .iter()
            .map(|&(v, name, sql)| {
                Migration::new(v, Cow::Borrowed(name), MigrationType::Simple, Cow::Borrowed(sql), false)
            })
            .collect();
        let migrator = Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT };
        migrator.run(&self.pool).await.map_err(|e| StoreError::Migrate(redact_text(&e.to_string())))
    }

    /// The store answers (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ()).map_err(|e| StoreError::query(&e))
    }

    /// Closes the pool (waits for connections to return).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Stores a new run as queued.
    pub async fn insert(&self, run: &NewRun) -> Result<(), StoreError> {
        let labels = serde_json::to_string(&run.labels).expect("a string map always serializes");
        let mut tx = self.pool.begin().await.map_err(|e| StoreError::query(&e))?;
        sqlx::query(
            "INSERT INTO runs (id, created_ms, scenario, target, status, labels, commit_label) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&run.id)
        .bind(run.created_ms)
        .bind(&run.scenario)
        .bind(&run.target)
        .bind(Status::Queued.as_str())
        .bind(labels)
        .bind(run.labels.get("commit").cloned())
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::query(&e))?;
        for (k, v) in &run.labels {
            sqlx::query("INSERT INTO run_labels (run_id, key, value) VALUES ($1, $2, $3)")
                .bind(&run.id)
                .bind(k)
                .bind(v)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::query(&e))?;
        }
        event_in(&mut tx, &run.id, run.created_ms, Status::Queued, None).await?;
        tx.commit().await.map_err(|e| StoreError::query(&e))
    }

    /// The run started (left the queue).
    pub async fn set_running(&self, id: &str, at_ms: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(|e| StoreError::query(&e))?;
        sqlx::query("UPDATE runs SET status = $1, started_ms = $2 WHERE id = $3")
            .bind(Status::Running.as_str())
            .bind(at_ms)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::query(&e))?;
        event_in(&mut tx, id, at_ms, Status::Running, None).await?;
        tx.commit().await.map_err(|e| StoreError::query(&e))
    }

    /// Records a phase change of a running run (status stays `running`).
    pub async fn phase(&self, id: &str, at_ms: i64, phase: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO run_events (run_id, at_ms, status, detail) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(at_ms)
            .bind(Status::Running.as_str())
            .bind(format!("phase {phase}"))
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| StoreError::query(&e))
    }

    /// The run ended with `status`, with its report when it made one.
    pub async fn finish(
        &self,
        id: &str,
        at_ms: i64,
        status: Status,
        report: Option<&Report>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let summary = report.map(Summary::of);
        let json = report.map(|r| serde_json::to_string(r).expect("a report always serializes"));
        let mut tx = self.pool.begin().await.map_err(|e| StoreError::query(&e))?;
        sqlx::query(
            "UPDATE runs SET status = $1, ended_ms = $2, included_tps = $3, inclusion_p99_us = $4, \
             gas_per_op = $5, error = $6, report = $7 WHERE id = $8",
        )
        .bind(status.as_str())
        .bind(at_ms)
        .bind(summary.map(|s| s.included_tps))
        .bind(summary.map(|s| s.inclusion_p99_us))
        .bind(summary.map(|s| s.gas_per_op))
        .bind(error)
        .bind(json)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::query(&e))?;
        for (name, w) in report.map(|r| &r.workloads).into_iter().flatten() {
            sqlx::query(
                "INSERT INTO run_workloads (run_id, workload, included, inclusion_p99_us, gas_per_op) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(name)
            .bind(w.accounting.included as i64)
            .bind(w.latency[Stage::INCLUSION].p99_us as i64)
            .bind(w.gas_per_op.mean)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::query(&e))?;
        }
        event_in(&mut tx, id, at_ms, status, error).await?;
        tx.commit().await.map_err(|e| StoreError::query(&e))
    }

    /// Marks every run left `queued` or `running` (by a crash or a kill) as interrupted;
    /// returns how many. Called once at start-up, before any run starts.
    pub async fn interrupt_leftovers(&self, at_ms: i64) -> Result<u64, StoreError> {
        let ids: Vec<String> = sqlx::query("SELECT id FROM runs WHERE status = $1 OR status = $2")
            .bind(Status::Queued.as_str())
            .bind(Status::Running.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StoreError::query(&e))?
            .iter()
            .map(|r| r.get::<String, _>(0))
            .collect();
        for id in &ids {
            let note = "found unfinished when the service started (it had stopped without a shutdown)";
            sqlx::query("UPDATE runs SET status = $1, ended_ms = $2, error = $3 WHERE id = $4")
                .bind(Status::Interrupted.as_str())
                .bind(at_ms)
                .bind(note)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(|e| StoreError::query(&e))?;
            let mut tx = self.pool.begin().await.map_err(|e| StoreError::query(&e))?;
            event_in(&mut tx, id, at_ms, Status::Interrupted, Some(note)).await?;
            tx.commit().await.map_err(|e| StoreError::query(&e))?;
        }
        Ok(ids.len() as u64)
    }

    /// One run, without its report.
    pub async fn get(&self, id: &str) -> Result<Option<RunRow>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM runs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StoreError::query(&e))?;
        row.as_ref().map(row_of).transpose()
    }

    /// The run's JSON report, as stored (`Ok(None)` when the run has none).
    pub async fn report(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT report FROM runs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StoreError::query(&e))?;
        Ok(row.and_then(|r| r.get::<Option<String>, _>(0)))
    }

    /// The run's status changes, oldest first: (unix ms, status, detail).
    pub async fn events(&self, id: &str) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
        let rows = sqlx::query("SELECT at_ms, status, detail FROM run_events WHERE run_id = $1 ORDER BY at_ms")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StoreError::query(&e))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
    }

    /// A page of runs, newest first, and the cursor of the next page when there is one.
    pub async fn list(&self, f: &ListFilter) -> Result<(Vec<RunRow>, Option<Cursor>), StoreError> {
        let mut clauses: Vec<String> = Vec::new();
        let mut params: Vec<Param> = Vec::new();
        let mut push = |clause: &dyn Fn(usize) -> String, p: Vec<Param>, params: &mut Vec<Param>| {
            clauses.push(clause(params.len() + 1));
            params.extend(p);
        };
        if let Some(s) = &f.scenario {
            push(&|n| format!("scenario = ${n}"), vec![Param::Text(s.clone())], &mut params);
        }
        if let Some(t) = &f.target {
            push(&|n| format!("target = ${n}"), vec![Param::Text(t.clone())], &mut params);
        }
        if let Some(s) = f.status {
            push(&|n| format!("status = ${n}"), vec![Param::Text(s.as_str().into())], &mut params);
        }
        for (k, v) in &f.labels {
            push(
                &|n| {
                    format!(
                        "EXISTS (SELECT 1 FROM run_labels l WHERE l.run_id = runs.id AND l.key = ${n} AND l.value = ${})",
                        n + 1
                    )
                },
                vec![Param::Text(k.clone()), Param::Text(v.clone())],
                &mut params,
            );
        }
        if let Some(ms) = f.since_ms {
            push(&|n| format!("created_ms >= ${n}"), vec![Param::Int(ms)], &mut params);
        }
        if let Some(ms) = f.until_ms {
            push(&|n| format!("created_ms < ${n}"), vec![Param::Int(ms)], &mut params);
        }
        if let Some(c) = &f.cursor {
            push(
                &|n| format!("(created_ms < ${n} OR (created_ms = ${} AND id < ${}))", n + 1, n + 2),
                vec![Param::Int(c.created_ms), Param::Int(c.created_ms), Param::Text(c.id.clone())],
                &mut params,
            );
        }
        let filter = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
        let limit = f.limit.clamp(1, 1000);
        let sql = format!("SELECT {COLUMNS} FROM runs {filter} ORDER BY created_ms DESC, id DESC LIMIT {}", limit + 1);
        let mut q = sqlx::query(&sql);
        for p in params {
            q = match p {
                Param::Text(s) => q.bind(s),
                Param::Int(i) => q.bind(i),
            };
        }
        let rows = q.fetch_all(&self.pool).await.map_err(|e| StoreError::query(&e))?;
        let mut runs = rows.iter().map(row_of).collect::<Result<Vec<_>, _>>()?;
        let next = if runs.len() > limit as usize {
            runs.truncate(limit as usize);
            runs.last().map(|r| Cursor { created_ms: r.created_ms, id: r.id.clone() })
        } else {
            None
        };
        Ok((runs, next))
    }

    /// Deletes a run and everything stored about it; false when there was no such run.
    pub async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(|e| StoreError::query(&e))?;
        for table in ["run_labels", "run_events", "run_workloads"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE run_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| StoreError::query(&e))?;
        }
        let gone = sqlx::query("DELETE FROM runs WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| StoreError::query(&e))?
            .rows_affected();
        tx.commit().await.map_err(|e| StoreError::query(&e))?;
        Ok(gone > 0)
    }
}

enum Param {
    Text(String),
    Int(i64),
}

async fn event_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    at_ms: i64,
    status: Status,
    detail: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO run_events (run_id, at_ms, status, detail) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(at_ms)
        .bind(status.as_str())
        .bind(detail)
        .execute(&mut **tx)
        .await
        .map(|_| ())
        .map_err(|e| StoreError::query(&e))
}

fn row_of(r: &AnyRow) -> Result<RunRow, StoreError> {
    let get = |e: sqlx::Error| StoreError::query(&e);
    let status: String = r.try_get("status").map_err(get)?;
    let labels: String = r.try_get("labels").map_err(get)?;
    let tps: Option<f64> = r.try_get("included_tps").map_err(get)?;
    let p99: Option<i64> = r.try_get("inclusion_p99_us").map_err(get)?;
    let gas: Option<f64> = r.try_get("gas_per_op").map_err(get)?;
    Ok(RunRow {
        id: r.try_get("id").map_err(get)?,
        created_ms: r.try_get("created_ms").map_err(get)?,
        started_ms: r.try_get("started_ms").map_err(get)?,
        ended_ms: r.try_get("ended_ms").map_err(get)?,
        scenario: r.try_get("scenario").map_err(get)?,
        target: r.try_get("target").map_err(get)?,
        status: Status::parse(&status).ok_or_else(|| StoreError::Query(format!("unknown status {status:?}")))?,
        labels: serde_json::from_str(&labels).unwrap_or_default(),
        summary: match (tps, p99, gas) {
            (Some(included_tps), Some(inclusion_p99_us), Some(gas_per_op)) => {
                Some(Summary { included_tps, inclusion_p99_us, gas_per_op })
            }
            _ => None,
        },
        error: r.try_get("error").map_err(get)?,
    })
}

/// The default data directory: `$XDG_DATA_HOME/gasbench`, else `~/.local/share/gasbench`,
/// else `./gasbench-data`.
pub fn default_data_dir() -> std::path::PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return Path::new(&x).join("gasbench");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|x| !x.is_empty()) {
        return Path::new(&h).join(".local/share/gasbench");
    }
    std::path::PathBuf::from("gasbench-data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password() {
        assert_eq!(redact_url("postgres://bench:hunter2@127.0.0.1:5432/db"), "postgres://bench:***@127.0.0.1:5432/db");
        assert_eq!(redact_url("postgres://127.0.0.1/db"), "postgres://127.0.0.1/db");
        assert!(!redact_text("error connecting to postgres://u:pw@h/db: refused").contains("pw@"));
    }

    #[test]
    fn cursors_round_trip() {
        let c = Cursor { created_ms: 1_700_000_000_123, id: "0190abc.x".into() };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("nonsense"), None);
    }
}
