"""The run-history dashboard (gasbench-history.json): Grafana over the PostgreSQL store of
`gasbench serve --database-url postgres://...` (docs/service.md). Each rawSql below is run
against a real PostgreSQL filled through the store by tests/it/service_store.rs.
generate.py writes it with the other dashboards."""

DS = {"type": "grafana-postgresql-datasource", "uid": "${DS_GASBENCH_HISTORY}"}
# Grafana's macros: the time range and the multi-valued scenario variable.
WHERE = "r.status = 'passed' AND r.scenario IN ($scenario) AND $__timeFilter(to_timestamp(r.created_ms / 1000.0))"
TIME = 'to_timestamp(r.created_ms / 1000.0) AS "time"'


def sql_target(sql, fmt):
    return {"refId": "A", "datasource": DS, "format": fmt, "rawQuery": True, "editorMode": "code", "rawSql": sql}


def series_panel(pid, title, unit, x, y, sql):
    return {"id": pid, "type": "timeseries", "title": title, "datasource": DS,
            "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
            "fieldConfig": {"defaults": {"unit": unit, "custom": {"drawStyle": "line", "showPoints": "always"}},
                            "overrides": []},
            "targets": [sql_target(sql, "time_series")]}


def board():
    panels = [
        series_panel(1, "Included tx/s per scenario (each passed run)", "reqps", 0, 0,
                     f"SELECT {TIME}, r.scenario AS metric, r.included_tps AS value FROM runs r WHERE {WHERE} ORDER BY 1"),
        series_panel(2, "Inclusion latency p99 per scenario", "ms", 12, 0,
                     f"SELECT {TIME}, r.scenario AS metric, r.inclusion_p99_us / 1000.0 AS value FROM runs r WHERE {WHERE} ORDER BY 1"),
        series_panel(3, "Gas per operation per scenario and workload", "none", 0, 8,
                     f"SELECT {TIME}, r.scenario || ' / ' || w.workload AS metric, w.gas_per_op AS value "
                     f"FROM runs r JOIN run_workloads w ON w.run_id = r.id WHERE {WHERE} ORDER BY 1"),
        {"id": 4, "type": "table", "title": "Per commit label: mean tx/s, worst p99, mean gas per op", "datasource": DS,
         "gridPos": {"h": 8, "w": 12, "x": 12, "y": 8},
         "targets": [sql_target(
             'SELECT r.commit_label AS "commit", r.scenario, count(*) AS runs, avg(r.included_tps) AS tx_per_s, '
             "max(r.inclusion_p99_us) / 1000.0 AS p99_ms, avg(r.gas_per_op) AS gas_per_op, "
             "max(to_timestamp(r.created_ms / 1000.0)) AS last_run FROM runs r "
             f"WHERE {WHERE} AND r.commit_label IS NOT NULL GROUP BY r.commit_label, r.scenario ORDER BY last_run DESC",
             "table")]},
    ]
    scenario = {"name": "scenario", "type": "query", "datasource": DS, "multi": True, "includeAll": True,
                "current": {"text": "All", "value": "$__all"},
                "query": "SELECT DISTINCT scenario FROM runs ORDER BY 1",
                "definition": "SELECT DISTINCT scenario FROM runs ORDER BY 1", "refresh": 2}
    return {
        "__inputs": [{"name": "DS_GASBENCH_HISTORY", "label": "gasbench history (PostgreSQL)", "type": "datasource",
                      "pluginId": "grafana-postgresql-datasource", "pluginName": "PostgreSQL"}],
        "title": "gasbench history", "uid": "gasbench-history", "schemaVersion": 39, "version": 1, "editable": True,
        "tags": ["gasbench"],
        "description": "Runs stored by `gasbench serve --database-url postgres://...` (docs/service.md): throughput, "
                       "p99 and gas per operation over time and per commit label. Every query is run against a real "
                       "PostgreSQL by tests/it/service_store.rs.",
        "time": {"from": "now-30d", "to": "now"},
        "templating": {"list": [scenario]},
        "panels": panels,
    }
