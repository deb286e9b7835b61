//! A throwaway PostgreSQL cluster for the store tests: Debian's binaries (installed by
//! scripts/test.sh), `initdb` into a temp dir, run as the `postgres` user when the tests
//! run as root (as in CI), on a free 127.0.0.1 port with a password; stopped when dropped.
//! Its start and stop are waited for on events (its log line, its exit), never by polling.

use std::{
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

/// A running cluster.
#[derive(Debug)]
pub struct Postgres {
    child: Option<Child>,
    port: u16,
    _dir: tempfile::TempDir,
}

/// The password of the cluster's `bench` user (the secrets test looks for it).
pub const PASSWORD: &str = "pg-secret-Zq81mXc4";

/// Debian's PostgreSQL binaries directory (the newest version installed).
fn bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is missing: run scripts/test.sh (it installs Debian's postgresql)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop().expect("no /usr/lib/postgresql/*/bin/initdb: run scripts/test.sh")
}

/// `cmd` as the `postgres` user when we are root (PostgreSQL refuses to run as root).
fn as_owner(program: PathBuf) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false)
}

impl Postgres {
    pub fn start() -> Self {
        let bin = bin_dir();
        let dir = tempfile::Builder::new().prefix("gasbench-pg").tempdir().unwrap();
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, PASSWORD).unwrap();
        if is_root() {
            let ok = Command::new("chown").args(["-R", "postgres"]).arg(dir.path()).status().unwrap();
            assert!(ok.success(), "chown to postgres failed");
        }
        let out = as_owner(bin.join("initdb"))
            .args(["-U", "bench", "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--pwfile"])
            .arg(&pwfile)
            .arg("-D")
            .arg(&data)
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        let port = crate::anvil::free_port();
        let mut child = as_owner(bin.join("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .arg("-k")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Its log says when it takes connections; the reader keeps the rest for errors
        // and drains the pipe until the server exits.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut seen = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("ready to accept connections") {
                    let _ = tx.send(Ok(()));
                }
                seen.push_str(&line);
                seen.push('\n');
            }
            let _ = tx.send(Err(seen));
        });
        let pg = Self { child: Some(child), port, _dir: dir };
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(())) => {}
            Ok(Err(log)) => panic!("PostgreSQL exited before taking connections:\n{log}"),
            Err(_) => panic!("PostgreSQL did not say it takes connections within 30s"),
        }
        pg
    }

    /// The URL, password included.
    pub fn url(&self) -> String {
        format!("postgres://bench:{PASSWORD}@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        // SIGINT: PostgreSQL's fast shutdown; its exit is awaited at most 10 s.
        let pid = child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        if rx.recv_timeout(Duration::from_secs(10)).is_err() {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
    }
}
