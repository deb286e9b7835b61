//! gasbench as an image. No base image can be pulled here and a release build inside
//! Docker takes minutes, so the tests use `local/gasbench:dev` (the built binary imported
//! by scripts/docker-up.sh) and hold it to the Dockerfile's runtime stage: the same user,
//! working directory, entrypoint, command and scenarios, so the two cannot drift; then
//! they run the Dockerfile header's `docker run` lines on it, as the non-root user.

use std::{
    os::unix::fs::{MetadataExt, PermissionsExt},
    path::Path,
    process::Command,
};

use gasbench::report::{Outcome, Report, Verdict};

use crate::{
    anvil::Anvil,
    containers::{docker, require_docker},
    root,
};

/// The imported image (scripts/docker-up.sh).
const IMAGE: &str = "local/gasbench:dev";

/// What the Dockerfile's last stage sets up: the instructions the image's layout follows.
#[derive(Debug, Default)]
struct RuntimeStage {
    user: String,
    workdir: String,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
    /// `RUN` lines, joined.
    runs: Vec<String>,
    /// `COPY [--flags] SRC DEST`: (flags, src, dest).
    copies: Vec<(Vec<String>, String, String)>,
}

/// The Dockerfile as instructions (continuation lines joined, comments dropped).
fn instructions(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        match line.strip_suffix('\\') {
            Some(part) => pending.push_str(part),
            None => {
                pending.push_str(line);
                let joined = std::mem::take(&mut pending);
                if let Some((op, rest)) = joined.trim().split_once(' ') {
                    out.push((op.to_ascii_uppercase(), rest.trim().to_string()));
                }
            }
        }
    }
    out
}

/// The runtime stage of the repository's Dockerfile: everything after its last `FROM`.
fn runtime_stage() -> RuntimeStage {
    let text = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let all = instructions(&text);
    let last_from = all.iter().rposition(|(op, _)| op == "FROM").expect("a FROM line");
    let json = |v: &str| -> Vec<String> {
        serde_json::from_str(v).unwrap_or_else(|e| panic!("Dockerfile: `{v}` is not the exec (JSON) form: {e}"))
    };
    let mut stage = RuntimeStage::default();
    for (op, rest) in &all[last_from + 1..] {
        match op.as_str() {
            "USER" => stage.user.clone_from(rest),
            "WORKDIR" => stage.workdir.clone_from(rest),
            "ENTRYPOINT" => stage.entrypoint = json(rest),
            "CMD" => stage.cmd = json(rest),
            "RUN" => stage.runs.push(rest.clone()),
            "COPY" => {
                let (flags, paths): (Vec<&str>, Vec<&str>) = rest.split_whitespace().partition(|w| w.starts_with("--"));
                let [src, dest] = paths[..] else { panic!("Dockerfile: COPY {rest}: one source, one destination") };
                stage.copies.push((flags.into_iter().map(str::to_string).collect(), src.into(), dest.into()));
            }
            _ => {}
        }
    }
    stage
}

/// The `docker run` examples in the Dockerfile's header, continuation lines joined and
/// trailing comments dropped.
fn header_examples() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let mut out: Vec<String> = Vec::new();
    let mut continued = false;
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        let line = line.trim_start_matches('#').trim();
        let line = line.split_once(" # ").map_or(line, |(code, _)| code).trim_end();
        if continued {
            out.last_mut().unwrap().push_str(line.trim_end_matches('\\'));
        } else if line.starts_with("docker run ") {
            out.push(line.trim_end_matches('\\').to_string());
        } else {
            continue;
        }
        continued = line.ends_with('\\');
    }
    out
}

/// A `docker run` line from the header on the imported image, with `docker_flags` added
/// before the image and `args` after the line's own.
fn on_imported_image(example: &str, docker_flags: &str, args: &str) -> String {
    let line = format!("{example} ");
    assert!(line.contains(" gasbench "), "the example names the image `gasbench`: {example}");
    format!("{}{args}", line.replacen(" gasbench ", &format!(" {docker_flags} {IMAGE} "), 1).trim_end())
}

/// A directory the container's user can write its report into.
fn out_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    dir
}

/// Runs `line` with sh (DOCKER_HOST as for the tests); its stdout, or a panic with both streams.
fn sh(line: &str) -> String {
    let out = Command::new("sh").args(["-c", line]).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "`{line}` exited with {}:\n{stdout}\n{stderr}", out.status);
    stdout.into_owned()
}

/// The report the container wrote, after checking its file belongs to `uid`.
fn report_owned_by(path: &Path, uid: u32) -> Report {
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(meta.uid(), uid, "the container's process wrote its report as uid {}", meta.uid());
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `docker cp` of `path` out of `container` into `into` (unpacked), and the numeric
/// `uid/gid` of each entry, by name.
fn copy_out(container: &str, path: &str, into: &Path) -> Vec<(String, String)> {
    let tar = into.join("copy.tar");
    sh(&format!("docker cp {container}:{path} - > {}", tar.display()));
    sh(&format!("tar -xf {} -C {}", tar.display(), into.display()));
    let listing = sh(&format!("tar -tvf {} --numeric-owner", tar.display()));
    listing
        .lines()
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[5].trim_end_matches('/').to_string(), w[1].to_string())
        })
        .collect()
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn require_image() {
    require_docker();
    assert!(
        !docker(&["images", "-q", IMAGE]).trim().is_empty(),
        "{IMAGE} is missing: `cargo build -p gasbench --bin gasbench && scripts/docker-up.sh images` (scripts/test.sh does)"
    );
}

#[test]
fn the_imported_image_has_the_layout_of_the_dockerfiles_runtime_stage() {
    require_image();
    let stage = runtime_stage();
    let config: serde_json::Value =
        serde_json::from_str(&docker(&["image", "inspect", "--format", "{{json .Config}}", IMAGE])).unwrap();
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect()).unwrap_or_default()
    };
    assert_eq!(config["User"].as_str(), Some(stage.user.as_str()), "USER");
    assert_eq!(config["WorkingDir"].as_str(), Some(stage.workdir.as_str()), "WORKDIR");
    assert_eq!(strings(&config["Entrypoint"]), stage.entrypoint, "ENTRYPOINT");
    assert_eq!(strings(&config["Cmd"]), stage.cmd, "CMD");

    // Non-root, a user the image knows, at home in the working directory.
    let uid: u32 = stage.user.parse().unwrap_or_else(|_| panic!("USER {}: a numeric uid (runAsNonRoot)", stage.user));
    assert_ne!(uid, 0, "the image runs as root");
    let useradd = stage.runs.iter().find(|r| r.contains("useradd")).expect("the runtime stage adds its user");
    let name = useradd.split_whitespace().skip_while(|w| *w != "useradd").last().unwrap().to_string();
    assert!(useradd.contains(&format!("--uid {uid} ")), "the USER is the one useradd creates: {useradd}");
    assert_eq!(stage.workdir, format!("/home/{name}"), "WORKDIR is {name}'s home");

    // The binary where the entrypoint points, the scenarios under the working directory.
    let binary =
        stage.copies.iter().find(|(f, _, _)| f.iter().any(|f| f == "--from=build")).expect("COPY --from=build");
    assert_eq!(binary.2, stage.entrypoint[0], "the entrypoint is the copied binary");
    let scenarios = stage.copies.iter().find(|(_, src, _)| src == "scenarios").expect("COPY scenarios");
    assert_eq!(scenarios.2, format!("{}/scenarios", stage.workdir), "scenarios/ in the working directory");
    let owner = scenarios.0.iter().find_map(|f| f.strip_prefix("--chown=")).expect("scenarios owned by the user");

    let container = docker(&["create", IMAGE]).trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let passwd_dir = dir.path().join("etc");
    std::fs::create_dir(&passwd_dir).unwrap();
    let copied = copy_out(&container, &scenarios.2, dir.path());
    copy_out(&container, "/etc/passwd", &passwd_dir);
    docker(&["rm", &container]);

    // Every scenario of the repository, byte for byte, owned by the user.
    let (ours, theirs) = (root().join("scenarios"), dir.path().join("scenarios"));
    assert_eq!(files_under(&theirs), files_under(&ours), "the image's scenarios/ against the repository's");
    for f in files_under(&ours) {
        assert!(std::fs::read(ours.join(&f)).unwrap() == std::fs::read(theirs.join(&f)).unwrap(), "{f} differs");
    }
    let owner = owner.replace(':', "/"); // tar's uid/gid
    assert!(copied.iter().all(|(_, o)| *o == owner), "owners {copied:?}, the Dockerfile says {owner}");
    let passwd = std::fs::read_to_string(passwd_dir.join("passwd")).unwrap();
    let entry = format!("{name}:x:{uid}:{uid}:");
    assert!(
        passwd.lines().any(|l| l.starts_with(&entry) && l.contains(&format!(":{}:", stage.workdir))),
        "{entry}...:{}: in the image's /etc/passwd:\n{passwd}",
        stage.workdir
    );
}

#[test]
fn the_quickstart_runs_from_the_image_as_the_non_root_user() {
    require_image();
    let stage = runtime_stage();
    let examples = header_examples();
    // The header's one command runs the image's CMD: the quickstart.
    assert!(examples.iter().any(|e| e == "docker run --rm gasbench"), "{examples:?}");
    assert_eq!(stage.cmd, ["run", "scenarios/quickstart.yaml"]);
    // Shorter and slower than the scenario (the imported binary may be a debug build).
    let out = out_dir();
    let flags = format!("--network none -v {}:/out", out.path().display());
    let args = " --set measure.warmup=0s --set measure.duration=1s --set load.open.rate=200 --out /out/report.json";
    let line = on_imported_image(&format!("docker run --rm gasbench {}", stage.cmd.join(" ")), &flags, args);
    let printed = sh(&line);
    assert!(printed.contains("quickstart on embedded"), "{printed}");

    let r = report_owned_by(&out.path().join("report.json"), stage.user.parse().unwrap());
    assert_eq!(r.run.scenario_name, "quickstart");
    assert_eq!(r.run.outcome, Outcome::Completed);
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
    assert!(r.accounting.balanced && r.accounting.included == r.accounting.sent, "{:?}", r.accounting);
    assert!(r.accounting.sent >= 150, "{:?}", r.accounting);
}

#[test]
fn the_headers_rpc_example_runs_from_the_image_against_anvil_on_the_host() {
    require_image();
    let anvil = Anvil::start(&["--block-time", "1", "--gas-limit", "1000000000"]);
    let example = header_examples()
        .into_iter()
        .find(|e| e.contains("--network host") && e.contains("kind: rpc"))
        .expect("the header's RPC example");
    assert_eq!(example.matches("127.0.0.1:8545").count(), 2, "http and ws: {example}");
    let example = example.replace("127.0.0.1:8545", &format!("127.0.0.1:{}", anvil.port()));
    let out = out_dir();
    let flags = format!("-v {}:/out", out.path().display());
    let args = " --set measure.warmup=0s --set measure.duration=2s --set load.open.rate=100 --set accounts.count=100 \
                --out /out/report.json";
    let printed = sh(&on_imported_image(&example, &flags, args));
    assert!(printed.contains("mixed on rpc"), "{printed}");

    let r = report_owned_by(&out.path().join("report.json"), runtime_stage().user.parse().unwrap());
    assert_eq!(r.target.kind, "rpc");
    assert!(r.target.notes.iter().any(|n| n.contains("node: anvil/v")), "{:?}", r.target.notes);
    assert_eq!(r.run.outcome, Outcome::Completed);
    assert_eq!(r.effects.verdict, "pass", "{:?}", r.effects);
    assert_eq!(r.reconciliation.verdict, Verdict::Pass, "{:?}", r.reconciliation);
    let a = &r.accounting;
    assert!(a.sent >= 150 && a.included == a.sent, "{a:?}");
}
