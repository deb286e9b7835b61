//! The container target against a real Docker daemon (scripts/docker-up.sh, run by
//! scripts/test.sh, starts one and imports `local/anvil:<pinned>` from the npm binary):
//! a scenario against anvil in a container with exact accounting, the container gone
//! afterwards (also after a cancelled run and a node that never came up), and a clear
//! exit 2 when Docker is not reachable, before anything is sent; and the headline
//! example, scenarios/containers-compare.yaml: two anvil versions side by side. (gasbench
//! itself as an image: image.rs.)

use std::{
    net::TcpListener,
    process::{Command, ExitCode},
    sync::Arc,
    time::Duration,
};

use clap::Parser;
use gasbench::{
    cli::{Cli, EXIT_BAD_INPUT, EXIT_OK},
    report::{
        Report,
        compare::{Comparison, ComparisonKind},
    },
    runner::{Phase, RunObserver, RunOptions, run},
    targets::container::LABEL,
};
use tokio_util::sync::CancellationToken;

use crate::{anvil::free_port, root, scenario};

/// The anvil image scripts/docker-up.sh builds from the npm package at `node_modules/<pkg>`
/// (tag = its pinned version).
fn image_of(pkg: &str) -> String {
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tools/package-lock.json")).unwrap()).unwrap();
    let v = lock["packages"][format!("node_modules/{pkg}")]["version"].as_str().unwrap();
    format!("local/anvil:{v}")
}

/// The pinned anvil's image.
fn anvil_image() -> String {
    image_of("@foundry-rs/anvil-linux-amd64")
}

/// The earlier anvil's image (tools/package.json's alias `anvil-previous`).
fn previous_anvil_image() -> String {
    image_of("anvil-previous")
}

/// `docker ARGS` on the daemon of DOCKER_HOST; its stdout.
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().unwrap_or_else(|e| {
        panic!(
            "cannot run the docker CLI ({e}): install Docker (scripts/docker-up.sh start does, scripts/test.sh runs it)"
        )
    });
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Fails loudly, saying what to do, when there is no daemon or no anvil image: these
/// tests never skip.
pub fn require_docker() {
    let host = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock (default)".into());
    let up = Command::new("docker").args(["version", "--format", "{{.Server.Version}}"]).output();
    assert!(
        up.as_ref().is_ok_and(|o| o.status.success()),
        "\n\nDOCKER IS NOT REACHABLE at {host}: the container tests cannot run and FAIL.\nStart a daemon with \
         `eval \"$(scripts/docker-up.sh start)\"` (scripts/test.sh does it).\n{:?}\n",
        up.map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
    );
    for image in [anvil_image(), previous_anvil_image()] {
        assert!(
            !docker(&["images", "-q", &image]).trim().is_empty(),
            "the image {image} is missing on {host}: run scripts/docker-up.sh images"
        );
    }
}

/// `docker image inspect`'s id of `image`.
fn image_id(image: &str) -> String {
    docker(&["image", "inspect", "--format", "{{.Id}}", image]).trim().to_string()
}

/// Containers this test process started (and that are still there, running or not).
fn my_containers() -> Vec<String> {
    let filter = format!("label={LABEL}={}", std::process::id());
    docker(&["ps", "-aq", "--filter", &filter]).lines().map(str::to_string).collect()
}

/// A transfer scenario against anvil in a container on 127.0.0.1:`port`.
fn container_scenario(port: u16, duration: &str, extra_target: &str) -> String {
    format!(
        "name: containerized\nseed: 5\naccounts: {{count: 50}}\nworkloads: [{{kind: transfer}}]\n\
         load: {{open: {{rate: 100}}}}\nmeasure: {{warmup: 0s, duration: {duration}, drain_timeout: 10s}}\n\
         target:\n  kind: container\n  image: {}\n  args: [--host, 127.0.0.1, --port, \"{port}\", --block-time, \"1\"]\n  \
         port: {port}\n  ws_port: {port}\n  wait_for: {{log: \"Listening on\"}}\n  cpus: 1\n  memory: 512m\n{extra_target}",
        anvil_image()
    )
}

#[test]
fn a_scenario_runs_against_anvil_in_a_container_and_the_container_is_removed() {
    require_docker();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    let out = dir.path().join("report.json");
    std::fs::write(&path, container_scenario(free_port(), "3s", "")).unwrap();
    let argv = ["gasbench", "run", path.to_str().unwrap(), "--quiet", "--out", out.to_str().unwrap()];
    let code = gasbench::cli::run(Cli::try_parse_from(argv).unwrap());
    let r: Report = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(code, ExitCode::from(EXIT_OK), "{:?} {:?} {:?}", r.effects, r.accounting, r.warnings);
    // Exact: 300 planned, 300 sent, 300 included, on chain, with the effects as planned.
    let a = &r.accounting;
    assert_eq!((a.sent, a.included), (300, 300), "{a:?}");
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
    assert_eq!(r.reconciliation.verdict, gasbench::report::Verdict::Pass, "{:?}", r.reconciliation);
    assert_eq!(r.target.kind, "container");
    crate::report_schema::validator()
        .validate(&serde_json::to_value(&r).unwrap())
        .unwrap_or_else(|e| panic!("the report breaks its schema: {e}"));
    // The report says which image exactly, how it ran, and what the node used.
    let c = r.target.container.as_ref().expect("a container section");
    assert_eq!(c.image_id, image_id(&anvil_image()));
    assert!(c.args.contains(&"--block-time".to_string()), "{:?}", c.args);
    assert_eq!((c.limits.cpus, c.limits.memory_bytes), (Some(1.0), Some(512 << 20)), "as Docker applied them");
    let u = c.usage.expect("Docker's stats");
    assert!(u.cpu_seconds > 0.0 && u.memory_max_bytes > 1 << 20 && u.samples >= 3, "{u:?}");
    assert!(r.load.harness_cpu_seconds.is_some(), "the harness's own figure beside it");
    assert!(r.target.notes.iter().any(|n| n.contains("node: anvil/v1.7.1")), "{:?}", r.target.notes);
    assert!(my_containers().is_empty(), "the container is still there: {:?}", my_containers());
}

#[test]
fn the_two_version_comparison_runs_both_nodes_in_turn_and_removes_both_containers() {
    require_docker();
    // The scenario file as shipped, on a free port (the same for both: they run in turn)
    // and shortened.
    let port = free_port().to_string();
    let text = std::fs::read_to_string(root().join("scenarios/containers-compare.yaml")).unwrap();
    assert_eq!(text.matches("8545").count(), 6, "port, ws_port and --port of each target");
    let dir = tempfile::tempdir().unwrap();
    let (path, out) = (dir.path().join("compare.yaml"), dir.path().join("comparison.json"));
    std::fs::write(&path, text.replace("8545", &port)).unwrap();
    let set = ["measure.warmup=0s", "measure.duration=3s", "load.open.rate=150"];
    let mut argv = vec!["gasbench", "run", path.to_str().unwrap(), "--quiet", "--out", out.to_str().unwrap()];
    argv.extend(set.iter().flat_map(|s| ["--set", s]));
    let code = gasbench::cli::run(Cli::try_parse_from(argv).unwrap());
    let c: Comparison = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(code, ExitCode::from(EXIT_OK), "{}", gasbench::report::compare::table(&c));
    assert_eq!(c.kind, ComparisonKind::Targets);

    let images = [anvil_image(), previous_anvil_image()];
    let labels: Vec<&str> = c.entries.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, images.iter().map(|i| format!("container {i}")).collect::<Vec<_>>());
    let ids = images.each_ref().map(|i| image_id(i));
    assert_ne!(ids[0], ids[1], "two different images");
    let reports: Vec<&Report> = c.entries.iter().map(|e| e.report().unwrap_or_else(|| panic!("{e:?}"))).collect();
    for ((e, r), (image, id)) in c.entries.iter().zip(&reports).zip(images.iter().zip(&ids)) {
        assert!(e.passed(), "{}: {:?} {:?} {:?}", e.label, r.accounting, r.effects, r.reconciliation);
        // The same plan on both, every transaction included.
        assert_eq!(r.accounting.planned, reports[0].accounting.planned, "{}", e.label);
        assert_eq!(r.accounting.included, r.accounting.sent, "{}: {:?}", e.label, r.accounting);
        let k = r.target.container.as_ref().unwrap_or_else(|| panic!("{}: no container section", e.label));
        assert_eq!((&k.image, &k.image_id), (image, id), "{}", e.label);
        assert_eq!((k.limits.cpus, k.limits.memory_bytes), (Some(1.0), Some(1 << 30)), "{}", e.label);
        assert!(k.usage.is_some_and(|u| u.cpu_seconds > 0.0), "{}: {:?}", e.label, k.usage);
        // The node that answered is the version the image was built from.
        let version = image.rsplit(':').next().unwrap();
        let node = format!("node: anvil/v{version}");
        assert!(r.target.notes.iter().any(|n| n.contains(&node)), "{}: {:?}", e.label, r.target.notes);
    }
    assert!(c.entries[1].vs_first.contains_key("throughput.included_tps"), "{:?}", c.entries[1].vs_first);
    // The terminal comparison names each image exactly, its limits and the node's usage.
    let table = gasbench::report::compare::table(&c);
    for (image, id) in images.iter().zip(&ids) {
        let line = format!("  container {image}: image {id}, cpus 1, memory 1024 MiB; node CPU ");
        assert!(table.contains(&line), "{line:?} in\n{table}");
    }
    assert!(my_containers().is_empty(), "a container is still there: {:?}", my_containers());
}

/// Cancels a run (as Ctrl-C or SIGTERM do in `gasbench run`) a second into its load.
#[derive(Debug)]
struct CancelDuringLoad(CancellationToken);

impl RunObserver for CancelDuringLoad {
    fn phase(&self, phase: Phase, _at: std::time::SystemTime) {
        if phase == Phase::Load {
            let token = self.0.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                token.cancel();
            });
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_run_still_removes_its_container() {
    require_docker();
    let s = scenario(&container_scenario(free_port(), "60s", ""));
    let cancel = CancellationToken::new();
    let opts = RunOptions { observers: vec![Arc::new(CancelDuringLoad(cancel.clone()))], ..RunOptions::default() };
    let r = run(&s, &opts, cancel).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.run.outcome, gasbench::report::Outcome::Interrupted);
    assert!(r.accounting.sent > 0 && r.accounting.sent < 6000, "stopped mid-run: {:?}", r.accounting);
    assert!(r.target.container.is_some());
    assert!(my_containers().is_empty(), "the container is still there: {:?}", my_containers());
}

#[test]
fn a_node_that_never_answers_fails_the_run_and_its_container_is_removed() {
    require_docker();
    // anvil listens on one port, the scenario waits for another: it never answers.
    let (listens, asked) = (free_port(), free_port());
    let yaml = container_scenario(listens, "2s", "  startup_timeout: 2s\n")
        .replace(&format!("port: {listens}\n  ws_port: {listens}"), &format!("port: {asked}"))
        .replace("  wait_for: {log: \"Listening on\"}\n", "  wait_for: {rpc: true}\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(&path, yaml).unwrap();
    let code = gasbench::cli::run(Cli::try_parse_from(["gasbench", "run", path.to_str().unwrap(), "--quiet"]).unwrap());
    assert_eq!(code, ExitCode::from(EXIT_BAD_INPUT));
    assert!(my_containers().is_empty(), "the container is still there: {:?}", my_containers());
}

const UNREACHABLE: &str = "containers::without_docker_the_run_stops_with_exit_2_before_sending";

#[test]
fn without_docker_the_run_stops_with_exit_2_before_sending() {
    // DOCKER_HOST is read from the environment: this test runs again in a child process
    // whose DOCKER_HOST points at nothing (setting a variable in a running test is unsound).
    let nowhere = "unix:///nonexistent/gasbench/docker.sock";
    if std::env::var("DOCKER_HOST").ok().as_deref() != Some(nowhere) {
        let exe = std::env::current_exe().unwrap();
        let out = Command::new(exe).args(["--exact", UNREACHABLE, "--nocapture"]).env("DOCKER_HOST", nowhere).output();
        let out = out.unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "the child failed:\n{}\n{stderr}", String::from_utf8_lossy(&out.stdout));
        assert!(stderr.contains(&format!("Docker is not reachable at {nowhere} (from DOCKER_HOST)")), "{stderr}");
        assert!(stderr.contains("apt-get install docker.io") && stderr.contains("dockerd"), "{stderr}");
        return;
    }
    // Something listens where the node would be: it must hear nothing.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    std::fs::write(&path, container_scenario(port, "2s", "")).unwrap();
    let code = gasbench::cli::run(Cli::try_parse_from(["gasbench", "run", path.to_str().unwrap(), "--quiet"]).unwrap());
    assert_eq!(code, ExitCode::from(EXIT_BAD_INPUT));
    assert!(listener.accept().is_err(), "something was sent to the node's port");
}

#[test]
fn container_settings_are_checked_with_located_errors() {
    let yaml = container_scenario(8545, "2s", "").replace("cpus: 1", "cpus: 0").replace("memory: 512m", "memory: lots");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, &yaml).unwrap();
    let errs = gasbench::scenario::load_file(&path, &[], &Default::default()).expect_err("refused");
    let shown: Vec<String> = errs.0.iter().map(ToString::to_string).collect();
    let cpus = errs.0.iter().find(|e| e.path == "target.cpus").unwrap_or_else(|| panic!("{shown:?}"));
    assert_eq!(cpus.line, Some(yaml.lines().position(|l| l.contains("cpus:")).unwrap() + 1), "{cpus}");
    assert!(cpus.message.contains("between 0.01 and 1024"), "{cpus}");
    let memory = errs.0.iter().find(|e| e.path == "target.memory").unwrap_or_else(|| panic!("{shown:?}"));
    assert!(memory.to_string().contains("512m"), "the hint shows the form: {memory}");
}
