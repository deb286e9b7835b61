//! The run store against both backends through the same code: SQLite in a temp data
//! directory and a throwaway PostgreSQL cluster. Filters, cursor pages, status changes,
//! deletion, leftovers marked interrupted at start-up, reopening (migrations run once),
//! and every SQL query of dashboards/gasbench-history.json run against PostgreSQL.

use std::collections::BTreeMap;

use gasbench::{
    report::Report,
    runner::{self, RunOptions},
    service::store::{Cursor, ListFilter, Location, NewRun, Status, Store},
};
use sqlx::Row;

use crate::{postgres::Postgres, scenario, service::embedded};

/// A real report of a short embedded run.
async fn real_report() -> Report {
    let s = scenario(&embedded(100, 1));
    runner::run(&s, &RunOptions::default(), tokio_util::sync::CancellationToken::new()).await.unwrap()
}

fn labels(commit: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("commit".into(), commit.into()), ("branch".into(), "main".into())])
}

/// Exercises a store; returns the ids it stored.
async fn exercise(location: &Location, report: &Report) {
    let store = Store::open(location).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..5i64 {
        let id = format!("run{i}");
        let scenario = if i % 2 == 0 { "quickstart" } else { "defi" };
        let new = NewRun {
            id: id.clone(),
            created_ms: 1_700_000_000_000 + i * 1000,
            scenario: scenario.into(),
            target: "embedded".into(),
            labels: labels(&format!("c{}", i % 2)),
        };
        store.insert(&new).await.unwrap();
        store.set_running(&id, new.created_ms + 10).await.unwrap();
        store.phase(&id, new.created_ms + 20, "load").await.unwrap();
        if i < 4 {
            store.finish(&id, new.created_ms + 500, Status::Passed, Some(report), None).await.unwrap();
        }
        ids.push(id);
    }
    // run4 is left `running`, as a crash would leave it.
    let row = store.get("run0").await.unwrap().unwrap();
    assert_eq!(row.status, Status::Passed);
    assert_eq!(row.labels["commit"], "c0");
    let summary = row.summary.expect("a finished run has a summary");
    assert_eq!(summary.included_tps, report.throughput.included_tps);
    assert!(summary.gas_per_op >= 21_000.0, "{summary:?}");
    let stored: Report = serde_json::from_str(&store.report("run0").await.unwrap().unwrap()).unwrap();
    assert_eq!(&stored, report, "the report comes back as it was stored");
    let events = store.events("run0").await.unwrap();
    let statuses: Vec<_> = events.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(statuses, ["queued", "running", "running", "passed"], "{events:?}");

    let st = &store;
    let f = |f: ListFilter| async move { st.list(&ListFilter { limit: 50, ..f }).await.unwrap().0 };
    let names = |rows: Vec<gasbench::service::store::RunRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(names(f(ListFilter::default()).await), ["run4", "run3", "run2", "run1", "run0"]);
    assert_eq!(names(f(ListFilter { scenario: Some("defi".into()), ..Default::default() }).await), ["run3", "run1"]);
    assert_eq!(names(f(ListFilter { status: Some(Status::Running), ..Default::default() }).await), ["run4"]);
    let by_label = ListFilter { labels: vec![("commit".into(), "c0".into())], ..Default::default() };
    assert_eq!(names(f(by_label).await), ["run4", "run2", "run0"]);
    let window =
        ListFilter { since_ms: Some(1_700_000_001_000), until_ms: Some(1_700_000_003_000), ..Default::default() };
    assert_eq!(names(f(window).await), ["run2", "run1"]);
    // Pages of two, by cursor, cover everything once.
    let (mut seen, mut cursor) = (Vec::new(), None::<Cursor>);
    loop {
        let (rows, next) =
            store.list(&ListFilter { limit: 2, cursor: cursor.clone(), ..Default::default() }).await.unwrap();
        seen.extend(names(rows));
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ["run4", "run3", "run2", "run1", "run0"]);
    assert!(store.delete("run1").await.unwrap());
    assert!(!store.delete("run1").await.unwrap());
    assert!(store.get("run1").await.unwrap().is_none());
    store.close().await;

    // Reopen, as a restarted service does: the unfinished run is interrupted, not lost.
    let store = Store::open(location).await.unwrap();
    assert_eq!(store.interrupt_leftovers(1_800_000_000_000).await.unwrap(), 1);
    let row = store.get("run4").await.unwrap().unwrap();
    assert_eq!(row.status, Status::Interrupted);
    assert!(row.error.unwrap().contains("unfinished"));
    assert_eq!(store.list(&ListFilter { limit: 50, ..Default::default() }).await.unwrap().0.len(), 4);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn service_store_works_on_sqlite_and_postgres_and_feeds_the_dashboard() {
    let report = real_report().await;
    let dir = tempfile::tempdir().unwrap();
    exercise(&Location::DataDir(dir.path().to_path_buf()), &report).await;
    assert!(dir.path().join("runs.db").exists());

    let pg = Postgres::start();
    exercise(&Location::Url(pg.url()), &report).await;
    dashboard_queries_return_rows(&pg.url()).await;
}

/// Runs every query of the history dashboard, with Grafana's macros expanded as Grafana
/// would over a wide time range, against the PostgreSQL store `exercise` filled.
async fn dashboard_queries_return_rows(url: &str) {
    let text = std::fs::read_to_string(crate::root().join("dashboards/gasbench-history.json")).unwrap();
    let board: serde_json::Value = serde_json::from_str(&text).unwrap();
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let var = board["templating"]["list"][0]["query"].as_str().unwrap();
    let scenarios: Vec<String> = sqlx::query(var).fetch_all(&pool).await.unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(scenarios, ["defi", "quickstart"]);
    let quoted = scenarios.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    let mut queries = 0;
    for panel in board["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let sql = expand(target["rawSql"].as_str().unwrap(), &quoted);
            let rows =
                sqlx::query(&sql).fetch_all(&pool).await.unwrap_or_else(|e| panic!("{}: {e}\n{sql}", panel["title"]));
            assert!(!rows.is_empty(), "{}: no rows\n{sql}", panel["title"]);
            queries += 1;
        }
    }
    assert_eq!(queries, 4);
    pool.close().await;
}

/// `$__timeFilter(x)` and `$scenario` as Grafana expands them.
fn expand(sql: &str, scenarios: &str) -> String {
    let mut out = sql.replace("$scenario", scenarios);
    while let Some(start) = out.find("$__timeFilter(") {
        let open = start + "$__timeFilter(".len();
        let mut depth = 1;
        let close = out[open..]
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .map(|(i, _)| open + i)
            .expect("balanced parentheses");
        let expr = out[open..close].to_string();
        out.replace_range(
            start..=close,
            &format!("{expr} BETWEEN '2020-01-01T00:00:00Z'::timestamptz AND '2030-01-01T00:00:00Z'::timestamptz"),
        );
    }
    assert!(!out.contains("$__"), "an unexpanded macro: {out}");
    out
}
