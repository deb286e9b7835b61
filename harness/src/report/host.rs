//! Provenance: the tool's version and git sha, and the host's CPU, cores, memory and OS.

use super::{HostInfo, ToolInfo};

/// This build of gasbench.
pub fn tool_info() -> ToolInfo {
    ToolInfo {
        name: "gasbench".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        git_sha: option_env!("GASBENCH_GIT_SHA").map(str::to_string).or_else(git_sha),
    }
}

fn git_sha() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()).filter(|s| !s.is_empty())
}

/// The machine the run happened on.
pub fn host_info() -> HostInfo {
    let mut sys = sysinfo::System::new();
    sys.refresh_cpu_list(sysinfo::CpuRefreshKind::nothing());
    sys.refresh_memory();
    HostInfo {
        cpu_model: sys.cpus().first().map(|c| c.brand().trim().to_string()).unwrap_or_default(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        memory_gib: sys.total_memory() as f64 / f64::from(1u32 << 30),
        os: sysinfo::System::long_os_version().unwrap_or_else(|| std::env::consts::OS.to_string()),
        kernel: sysinfo::System::kernel_version().unwrap_or_default(),
    }
}
