// The Slurm peer of the agent bench's launch targets (issue #21): `srun true` median latency
// and jobs/s of `sbatch --wrap true` on a single-node Slurm in its high-throughput setup (Slurm's
// high-throughput guide: builtin scheduler, no accounting, no job completion log, errors-only
// logging, proctrack/linuxproc, task/none, select/cons_tres), on this machine, in the same bench
// run. Installs Debian's slurm-wlm and munge with apt-get when they are missing, runs its own
// munged, slurmctld and slurmd from a temp dir (own ports, own socket, SLURM_CONF), and stops
// them and purges what it installed when done. Where it cannot (not root, no apt, a daemon
// that does not start), it answers the figures recorded at the start of the issue and says so.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { nowMs, round } from "./harness.ts";

export interface SlurmFigures {
  srunTrueMedianMs: number;
  jobsPerSecond: number;
  /** Where the figures come from: measured now, or why the recorded ones are given. */
  source: string;
}

/** Slurm 22.05 on this kind of machine when issue #21 was opened (load < 1). */
export const RECORDED: SlurmFigures = {
  srunTrueMedianMs: 85.6,
  jobsPerSecond: 15.5,
  source: "recorded at the issue's start",
};

const SRUN_WARMUP = 5;
const SRUN_SAMPLES = 30;
const SBATCH_JOBS = 100;
const APT_TIMEOUT_MS = 300_000;
const DAEMON_START_MS = 30_000;
const JOBS_WAIT_MS = 120_000;
const PACKAGES = ["slurm-wlm", "munge"];
const BINARIES = ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/srun"];

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 60_000) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env, timeout });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

function installedPackages(): Set<string> {
  // dpkg-query's own ${field} syntax, not a template.
  const format = ["$", "{db:Status-Abbrev} $", "{Package}\\n"].join("");
  const r = sh("dpkg-query", ["-W", "-f", format]);
  return new Set(
    r.out
      .split("\n")
      .filter((l) => l.startsWith("ii"))
      .map((l) => l.split(" ").at(-1) ?? ""),
  );
}

/** Installs the packages if missing; the packages this call added (to purge), or why not. */
function install(): { added: string[]; error?: string } {
  if (BINARIES.every((b) => existsSync(b))) return { added: [] };
  if (process.getuid?.() !== 0) {
    return { added: [], error: "slurm is not installed and this is not root" };
  }
  const before = installedPackages();
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const args = ["install", "-y", "--no-install-recommends", ...PACKAGES];
  let r = sh("apt-get", args, env, APT_TIMEOUT_MS);
  if (!r.ok) {
    sh("apt-get", ["update"], env, APT_TIMEOUT_MS);
    r = sh("apt-get", args, env, APT_TIMEOUT_MS);
  }
  const added = [...installedPackages()].filter((p) => !before.has(p));
  return r.ok ? { added } : { added, error: `apt-get: ${r.out.split("\n").at(-1)}` };
}

function uninstall(added: string[]): void {
  if (added.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  sh("apt-get", ["purge", "-y", ...added], env, APT_TIMEOUT_MS);
}

function slurmConf(dir: string, node: string, mungeSocket: string): string {
  return [
    "ClusterName=tesserabench",
    `SlurmctldHost=${node}`,
    "SlurmUser=root",
    "SlurmdUser=root",
    "SlurmctldPort=16817",
    "SlurmdPort=16818",
    "AuthType=auth/munge",
    `AuthInfo=socket=${mungeSocket}`,
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`,
    `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/slurmctld.log`,
    `SlurmdLogFile=${dir}/slurmd.log`,
    "SlurmctldDebug=error",
    "SlurmdDebug=error",
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "SchedulerType=sched/builtin",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_Core",
    // The node is declared as the bench agent is (64 cpus), whatever this machine has.
    "SlurmdParameters=config_overrides",
    "JobAcctGatherType=jobacct_gather/none",
    "AccountingStorageType=accounting_storage/none",
    "JobCompType=jobcomp/none",
    "MpiDefault=none",
    "ReturnToService=2",
    "MaxJobCount=100000",
    "MinJobAge=2",
    "SchedulerParameters=batch_sched_delay=0,max_rpc_cnt=150",
    `NodeName=${node} CPUs=64 RealMemory=16000 State=UNKNOWN`,
    `PartitionName=bench Nodes=${node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES`,
    "",
  ].join("\n");
}

async function until(what: string, ms: number, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`slurm peer: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function killPidFile(file: string): void {
  try {
    process.kill(Number(readFileSync(file, "utf8").trim()), "SIGTERM");
  } catch {
    // Not started, or gone already.
  }
}

function alive(file: string): boolean {
  try {
    process.kill(Number(readFileSync(file, "utf8").trim()), 0);
    return true;
  } catch {
    return false;
  }
}

interface Measured {
  srun: number;
  jobsPerSecond: number;
  version: string;
}

async function measure(env: NodeJS.ProcessEnv): Promise<Measured> {
  const samples: number[] = [];
  for (let i = 0; i < SRUN_WARMUP + SRUN_SAMPLES; i++) {
    const t0 = nowMs();
    const r = sh("srun", ["-N1", "-n1", "true"], env);
    if (!r.ok) throw new Error(`srun true failed: ${r.out}`);
    if (i >= SRUN_WARMUP) samples.push(nowMs() - t0);
  }
  samples.sort((a, b) => a - b);
  const t0 = nowMs();
  for (let i = 0; i < SBATCH_JOBS; i++) {
    const r = sh("sbatch", ["-Q", "--wrap", "true", "-o", "/dev/null"], env);
    if (!r.ok) throw new Error(`sbatch failed: ${r.out}`);
  }
  await until("the batch jobs to end", JOBS_WAIT_MS, () => {
    const q = sh("squeue", ["-h", "-o", "%i"], env);
    return q.ok && q.out === "";
  });
  const seconds = (nowMs() - t0) / 1000;
  return {
    srun: samples[samples.length >> 1] ?? 0,
    jobsPerSecond: SBATCH_JOBS / seconds,
    version: sh("srun", ["--version"], env).out.replace(/^slurm(-wlm)? /, ""),
  };
}

/** Runs the daemons from `dir`, measures, and stops them whatever happens. */
async function runDaemons(dir: string): Promise<Measured> {
  const node = hostname();
  const mungeDir = join(dir, "munge");
  chmodSync(dir, 0o755); // munged runs as its own user
  mkdirSync(mungeDir);
  mkdirSync(join(dir, "state"));
  mkdirSync(join(dir, "spool"));
  sh("chown", ["munge:munge", mungeDir]);
  const socket = join(mungeDir, "munge.socket");
  const mungePid = join(mungeDir, "munged.pid");
  const conf = join(dir, "slurm.conf");
  writeFileSync(conf, slurmConf(dir, node, socket));
  const env = { ...process.env, SLURM_CONF: conf };
  try {
    const m = sh("runuser", [
      ...["-u", "munge", "--", "munged", `--socket=${socket}`, `--pid-file=${mungePid}`],
      ...[`--log-file=${join(mungeDir, "munged.log")}`, `--seed-file=${join(mungeDir, "seed")}`],
    ]);
    if (!m.ok) throw new Error(`munged: ${m.out}`);
    const c = sh("slurmctld", ["-i"], env);
    if (!c.ok) throw new Error(`slurmctld: ${c.out}`);
    const d = sh("slurmd", [], env);
    if (!d.ok) throw new Error(`slurmd: ${d.out}`);
    await until("the node to be idle", DAEMON_START_MS, () =>
      sh("sinfo", ["-h", "-o", "%t"], env).out.startsWith("idle"),
    );
    return await measure(env);
  } finally {
    sh("scontrol", ["shutdown"], env);
    const pids = ["slurmctld.pid", "slurmd.pid"].map((f) => join(dir, f));
    await until("slurm to stop", DAEMON_START_MS, () => !pids.some(alive)).catch(() => {
      for (const p of pids) killPidFile(p);
    });
    killPidFile(mungePid);
    await until("munged to stop", DAEMON_START_MS, () => !alive(mungePid)).catch(() => undefined);
  }
}

/** Measures Slurm here, or gives the recorded figures with the reason. */
export async function slurmPeer(): Promise<SlurmFigures> {
  const installed = install();
  if (installed.error !== undefined) {
    uninstall(installed.added);
    return { ...RECORDED, source: `${RECORDED.source} (${installed.error})` };
  }
  const dir = mkdtempSync(join(tmpdir(), "tessera-slurm-peer-"));
  try {
    const m = await runDaemons(dir);
    return {
      srunTrueMedianMs: round(m.srun),
      jobsPerSecond: round(m.jobsPerSecond, 1),
      source: `measured now (Slurm ${m.version}, ${SBATCH_JOBS} sbatch jobs)`,
    };
  } catch (error) {
    return { ...RECORDED, source: `${RECORDED.source} (${(error as Error).message})` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    uninstall(installed.added);
  }
}
