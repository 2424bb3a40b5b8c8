// The jobs framework's workload (src/frameworks/jobs, its Chronos API): two instances in the
// harness process, with their state in the cluster's ZooKeeper and one of them leading (the
// other a standby that proxies the API and takes over when the leader loses its session), as
// `tessera jobs serve --zk` runs. Each seed posts a repeating job whose occurrences fall in the
// fault window and a job depending on it; after healing, the seed waits for both to finish
// and jobs-checks.ts checks each due occurrence ran once. The jobs are deleted after the seed.

import { type RunningJobs, startJobs } from "../../src/frameworks/jobs/start.ts";
import type { Violation } from "./checks.ts";
import type { NemesisCluster } from "./cluster.ts";
import { checkJobs, type JobRun } from "./jobs-checks.ts";
import { jobsTrail, recordJobsTrail } from "./jobs-trail.ts";
import { doneMarkers } from "./observe.ts";

/** Bound on one jobs API call or master read. */
const CALL_TIMEOUT_MS = 2_000;
/** The repeating job's period: a few occurrences per fault window. */
export const JOBS_PERIOD_MS = 1_000;
/** Its first occurrence, after the window opens. */
const FIRST_DUE_AFTER_MS = 500;
/** Chronos's `--failure_retry` for the run: a failed attempt (a full disk) is retried soon. */
const FAILURE_RETRY_MS = 500;
/** How long the check waits for a leading master's view. */
const MASTER_WAIT_MS = 15_000;
/** How long a job's POST is retried while the jobs API answers 503 or nothing. */
const POST_RETRY_MS = 10_000;
/** Attempts a run may fail (full disks) before it fails; a failed run is a violation. */
const RETRIES = 20;

/** What a seed's jobs did: occurrences due, run, coalesced; runs of the dependent job. */
export interface JobsCounts {
  occurrences: number;
  ran: number;
  coalesced: number;
  dependentRuns: number;
}

interface SeedJobs {
  readonly parent: string;
  readonly child: string;
  readonly dues: number[];
}

export class JobsWorkload {
  #current: SeedJobs | undefined;
  #posted = 0;

  private constructor(
    readonly instances: readonly RunningJobs[],
    readonly doneDir: string,
  ) {}

  static async start(zkUrl: string, dataDir: string, doneDir: string): Promise<JobsWorkload> {
    recordJobsTrail();
    const instances: RunningJobs[] = [];
    for (const i of [1, 2])
      instances.push(
        await startJobs({
          master: zkUrl,
          zk: zkUrl,
          dataDir: `${dataDir}-${i}`,
          httpPort: 0,
          failureRetryMs: FAILURE_RETRY_MS,
        }),
      );
    return new JobsWorkload(instances, doneDir);
  }

  /** The API of the leading instance, else of the first (a standby proxies to the leader). */
  get url(): string {
    return (this.instances.find((i) => i.leading()) ?? this.instances[0])?.url ?? "";
  }

  /** Why the jobs API cannot take the seed's jobs yet ([] once a leader answers). */
  async notReady(): Promise<string[]> {
    const res = await call("GET", `${this.url}/v1/scheduler/jobs`);
    return res.status === 200 ? [] : [`the jobs API answers ${res.status}`];
  }

  /** Posts the seed's two jobs: `R<n>` every JOBS_PERIOD_MS from just after now, inside the window. */
  async post(seed: number, windowMs: number): Promise<Violation[]> {
    const tag = `${seed}-${++this.#posted}`;
    const startMs = Date.now() + FIRST_DUE_AFTER_MS;
    const n = Math.max(1, Math.floor((windowMs - FIRST_DUE_AFTER_MS) / JOBS_PERIOD_MS));
    const jobs: SeedJobs = {
      parent: `nemesis-tick-${tag}`,
      child: `nemesis-after-${tag}`,
      dues: Array.from({ length: n }, (_, i) => startMs + i * JOBS_PERIOD_MS),
    };
    const common = {
      // The marker, named by the task id, says the command ran to its end (and which attempt).
      command: `sleep 0.2 && touch '${this.doneDir}/'"$MESOS_TASK_ID"`,
      shell: true,
      cpus: 0.05,
      mem: 16,
      disk: 1,
      retries: RETRIES,
      owner: "nemesis@example.com",
      environmentVariables: [{ name: "NEMESIS_JOB", value: "1" }],
    };
    const parent = {
      ...common,
      name: jobs.parent,
      schedule: `R${n}/${new Date(startMs).toISOString()}/PT${JOBS_PERIOD_MS / 1000}S`,
      // Every occurrence runs on its own: none waits for the one before (Chronos's WAIT).
      concurrent: true,
    };
    const child = { ...common, name: jobs.child, parents: [jobs.parent] };
    const a = await this.#postJob("iso8601", parent);
    const b = a.status === 204 ? await this.#postJob("dependency", child) : a;
    if (a.status !== 204 || b.status !== 204) {
      this.#current = undefined;
      return [
        {
          property: "the jobs API takes the seed's jobs",
          detail: `POST iso8601 ${a.status}, dependency ${b.status}: ${a.text || b.text}`,
        },
      ];
    }
    this.#current = jobs;
    return [];
  }

  /**
   * POSTs a job; a 503 (the store could not persist it: the ZooKeeper session of the leader is
   * in trouble, which changes nothing) or no answer is retried, as a client would, for a while.
   */
  async #postJob(kind: string, job: unknown): Promise<{ status: number; text: string }> {
    const deadline = Date.now() + POST_RETRY_MS;
    for (;;) {
      const res = await call("POST", `${this.url}/v1/scheduler/${kind}`, job);
      if ((res.status !== 503 && res.status !== 0) || Date.now() > deadline) return res;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** The seed's jobs' ledgers, or undefined where the API did not answer. */
  async #runs(): Promise<Map<string, JobRun[]> | undefined> {
    const jobs = this.#current;
    if (jobs === undefined) return new Map();
    const out = new Map<string, JobRun[]>();
    for (const name of [jobs.parent, jobs.child]) {
      const res = await call("GET", `${this.url}/v1/scheduler/job/${name}/history`);
      if (res.status !== 200) return undefined;
      out.set(name, ((res.json as { runs?: WireRun[] }).runs ?? []).map(parseRun));
    }
    return out;
  }

  /** Why the seed's jobs are not done yet ([] once every occurrence is accounted for and no run is active). */
  async unsettled(): Promise<string[]> {
    const jobs = this.#current;
    if (jobs === undefined) return [];
    const runs = await this.#runs();
    if (runs === undefined) return ["the jobs API does not answer"];
    const out: string[] = [];
    const active = [...runs.values()]
      .flat()
      .filter((r) => ["queued", "launching", "running"].includes(r.state));
    for (const r of active.slice(0, 4)) out.push(`job run ${r.runId} ${r.state}`);
    const lastDue = jobs.dues.at(-1) as number;
    const parentRuns = runs.get(jobs.parent) ?? [];
    if (!parentRuns.some((r) => r.dueMs === lastDue || (r.lastDueMs ?? r.dueMs) >= lastDue))
      out.push(`${jobs.parent}: its last occurrence has no entry yet`);
    const successes = parentRuns.filter((r) => r.state === "success").length;
    const childEntries = (runs.get(jobs.child) ?? []).reduce(
      (n, r) => n + (r.state === "skipped" ? (r.skippedCount ?? 1) : 1),
      0,
    );
    if (childEntries < successes)
      out.push(`${jobs.child}: ${childEntries} entries for ${successes} parent successes`);
    return out;
  }

  /** The seed's jobs against their schedule, the master's tasks and the done markers. */
  async check(cluster: NemesisCluster): Promise<{ violations: Violation[]; counts: JobsCounts }> {
    const counts: JobsCounts = { occurrences: 0, ran: 0, coalesced: 0, dependentRuns: 0 };
    const jobs = this.#current;
    if (jobs === undefined) return { violations: [], counts };
    const runs = await this.#runs();
    // Through a leader change (a master stops on losing ZooKeeper for a moment), bounded.
    let masterTasks = await tasksOnMaster(cluster);
    for (
      const deadline = Date.now() + MASTER_WAIT_MS;
      masterTasks === undefined && Date.now() < deadline;
    ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      masterTasks = await tasksOnMaster(cluster);
    }
    if (runs === undefined || masterTasks === undefined)
      return {
        violations: [
          {
            property: "the jobs framework ran each due occurrence once",
            detail: `${runs === undefined ? "the jobs API" : "the leading master"} did not answer`,
          },
        ],
        counts,
      };
    const parentRuns = runs.get(jobs.parent) ?? [];
    counts.occurrences = jobs.dues.length;
    counts.ran = parentRuns.filter((r) => r.state !== "skipped").length;
    counts.coalesced = parentRuns
      .filter((r) => r.state === "skipped")
      .reduce((n, r) => n + (r.skippedCount ?? 1), 0);
    counts.dependentRuns = (runs.get(jobs.child) ?? []).filter((r) => r.state !== "skipped").length;
    const violations = checkJobs({
      parent: { name: jobs.parent, dues: jobs.dues },
      child: { name: jobs.child },
      runs,
      masterTasks,
      done: doneMarkers(this.doneDir),
    });
    return { violations, counts };
  }

  /** What the framework did about the seed's jobs (for a violation's story). */
  trail(): string[] {
    const jobs = this.#current;
    return jobs === undefined ? [] : jobsTrail([jobs.parent, jobs.child]);
  }

  /** Deletes the seed's jobs (child first: a parent's delete would re-parent it). */
  async forget(): Promise<void> {
    const jobs = this.#current;
    this.#current = undefined;
    if (jobs === undefined) return;
    for (const name of [jobs.child, jobs.parent])
      await call("DELETE", `${this.url}/v1/scheduler/job/${name}`);
  }

  async close(): Promise<void> {
    for (const i of this.instances) await i.close().catch(() => undefined);
  }
}

interface WireRun {
  runId: string;
  due: string;
  trigger: string;
  started: string;
  state: string;
  attempt: number;
  taskId: string;
  reason: string;
  skippedCount?: number;
  lastDue?: string;
}

function parseRun(w: WireRun): JobRun {
  const ms = (text: string | undefined) => (text ? Date.parse(text) : undefined);
  return {
    runId: w.runId,
    dueMs: ms(w.due) ?? Number.NaN,
    trigger: w.trigger,
    state: w.state,
    attempt: w.attempt,
    taskId: w.taskId,
    startedMs: ms(w.started),
    reason: w.reason,
    ...(w.skippedCount === undefined ? {} : { skippedCount: w.skippedCount }),
    ...(w.lastDue === undefined ? {} : { lastDueMs: ms(w.lastDue) as number }),
  };
}

/** Every task of the leading master's view (frameworks active and completed): id -> state. */
async function tasksOnMaster(cluster: NemesisCluster): Promise<Map<string, string> | undefined> {
  const leader = cluster.leaderUrl();
  if (leader === undefined) return undefined;
  const res = await call("GET", `${leader}/master/state`);
  if (res.status !== 200) return undefined;
  type Task = { id: string; state: string };
  type Framework = { tasks?: Task[]; completed_tasks?: Task[]; unreachable_tasks?: Task[] };
  const state = res.json as { frameworks?: Framework[]; completed_frameworks?: Framework[] };
  const out = new Map<string, string>();
  for (const f of [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])])
    for (const t of [
      ...(f.completed_tasks ?? []),
      ...(f.unreachable_tasks ?? []),
      ...(f.tasks ?? []),
    ])
      out.set(t.id, t.state);
  return out;
}

async function call(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; json: unknown; text: string }> {
  try {
    const res = await fetch(url, {
      method,
      redirect: "manual",
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  } catch {
    return { status: 0, json: undefined, text: "" };
  }
}
