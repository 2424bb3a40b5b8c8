// One seed on a running nemesis cluster: wait until the cluster is whole, run the workload
// with the seed's faults for a short window, heal, wait for it to settle (reconciling), check,
// then kill the seed's long tasks and check again that nothing of a terminal task still runs.
import { SeededRandom } from "../../src/base/prng.ts";
import {
  checkCheckpointed,
  checkOperatorWrites,
  checkOutcomes,
  checkProcesses,
  checkUpdateStreams,
  isReconcileAnswer,
  type TaskHistory,
  type Violation,
} from "./checks.ts";
import type { NemesisCluster } from "./cluster.ts";
import type { JobsCounts, JobsWorkload } from "./jobs-workload.ts";
import { type FaultKind, planFaults, runFault } from "./nemesis.ts";
import { observe, taskProcesses } from "./observe.ts";
import type { OperatorWrites, ServicesWorkload } from "./side-workloads.ts";
import type { SdkWorkload } from "./workload.ts";

export interface SeedOptions {
  readonly windowMs: number;
  /** Bound on the cluster settling after the heal (and before the seed starts). */
  readonly settleMs: number;
  readonly kinds: readonly FaultKind[];
  readonly log: (line: string) => void;
}

export interface SeedResult {
  readonly seed: number;
  readonly faults: FaultKind[];
  readonly tasks: number;
  readonly updates: number;
  readonly jobs: JobsCounts | undefined;
  readonly violations: Violation[];
  readonly ms: number;
}

export interface Workloads {
  readonly sdk: readonly SdkWorkload[];
  readonly services: ServicesWorkload | undefined;
  readonly jobs: JobsWorkload | undefined;
  readonly operator: OperatorWrites;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson(url: string): Promise<unknown> {
  try {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2_000) });
    return res.status === 200 ? await res.json() : undefined;
  } catch {
    return undefined;
  }
}

interface MasterView {
  readonly url: string;
  readonly activeAgents: number;
  /** Framework id -> ids of its tasks in TASK_RUNNING. */
  readonly running: Map<string, string[]>;
}

/** The leader's view, if ZooKeeper names one and it answers as leader. */
async function leaderView(cluster: NemesisCluster): Promise<MasterView | undefined> {
  const url = cluster.leaderUrl();
  if (url === undefined) return undefined;
  const state = (await getJson(`${url}/master/state`)) as
    | {
        slaves?: { active?: boolean }[];
        frameworks?: { id: string; tasks?: { id: string; state: string }[] }[];
      }
    | undefined;
  if (state === undefined) return undefined;
  const running = new Map<string, string[]>();
  for (const f of state.frameworks ?? [])
    running.set(
      f.id,
      (f.tasks ?? []).filter((t) => t.state === "TASK_RUNNING").map((t) => t.id),
    );
  const activeAgents = (state.slaves ?? []).filter((s) => s.active === true).length;
  return { url, activeAgents, running };
}

/** How long a check waits for a leading master to answer through a leader change. */
const LEADER_WAIT_MS = 15_000;

async function leaderViewWithin(
  cluster: NemesisCluster,
  boundMs: number,
): Promise<MasterView | undefined> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const view = await leaderView(cluster);
    if (view !== undefined || Date.now() > deadline) return view;
    await sleep(250);
  }
}

/** Why the cluster is not whole yet ([] once it is). */
async function notWhole(cluster: NemesisCluster, w: Workloads): Promise<string[]> {
  const out: string[] = [];
  const view = await leaderView(cluster);
  if (view === undefined) return ["no leading master answers"];
  if (view.activeAgents < cluster.agents.length)
    out.push(`${view.activeAgents}/${cluster.agents.length} agents active`);
  for (const s of w.sdk) if (s.client.phase !== "subscribed") out.push(`${s.name} not subscribed`);
  if (w.jobs !== undefined) out.push(...(await w.jobs.notReady()));
  return out;
}

async function until(
  what: () => Promise<string[]>,
  boundMs: number,
  onTick?: (i: number) => Promise<void>,
): Promise<string[]> {
  const deadline = Date.now() + boundMs;
  let missing: string[] = [];
  for (let i = 0; ; i++) {
    missing = await what();
    if (missing.length === 0 || Date.now() > deadline) return missing;
    await onTick?.(i);
    await sleep(250);
  }
}

/** The fault window: the workload and the nemesis side by side. */
async function faultWindow(
  cluster: NemesisCluster,
  w: Workloads,
  random: SeededRandom,
  seed: number,
  o: SeedOptions,
): Promise<FaultKind[]> {
  const plan = planFaults(seed, o.windowMs, o.kinds);
  const start = Date.now();
  const faults = plan.map(async (f) => {
    await sleep(f.atMs);
    await runFault(cluster, f, o.log);
  });
  for (const s of w.sdk) for (let i = 0; i < 2; i++) s.launchLong();
  while (Date.now() - start < o.windowMs) {
    for (const s of w.sdk) {
      s.launchShort(300 + random.nextInt(1_500));
      if (random.nextInt(4) === 0) {
        await s.killOne(random);
        s.launchLong();
      }
    }
    const action = random.nextInt(6);
    if (action === 0) await w.services?.scale(random);
    else if (action < 3) await w.operator.writeOne(random, cluster.leaderUrl());
    await sleep(250);
  }
  await Promise.all(faults);
  for (const s of w.sdk) s.dropUnlaunched();
  cluster.revive();
  return plan.map((f) => f.kind);
}

/** After the heal: short tasks terminal, long ones reconciled running, services converged. */
async function unsettled(
  cluster: NemesisCluster,
  w: Workloads,
  healedAt: number,
): Promise<string[]> {
  const out = await notWhole(cluster, w);
  if (out.length > 0) return out;
  for (const s of w.sdk) {
    for (const t of s.open()) {
      if (t.kind === "short") out.push(`${t.id} not terminal`);
      else if (!reconciledRunningSince(t, healedAt)) out.push(`${t.id} not reconciled running`);
    }
  }
  // The services framework's API, the master and the agents' processes all agree on the count.
  if (w.services !== undefined)
    for (const v of await checkServices(cluster, w, taskProcesses(cluster).services))
      out.push(`services ${v.detail}`);
  if (w.jobs !== undefined) out.push(...(await w.jobs.unsettled()));
  return out;
}

const reconcileMarks = new WeakMap<TaskHistory, { at: number; index: number }>();

function reconciledRunningSince(task: TaskHistory, healedAt: number): boolean {
  const mark = reconcileMarks.get(task);
  if (mark === undefined || mark.at < healedAt) return false;
  return task.updates
    .slice(mark.index)
    .some((u) => isReconcileAnswer(u) && u.state === "TASK_RUNNING");
}

async function reconcileAll(w: Workloads): Promise<void> {
  for (const s of w.sdk) {
    for (const t of s.open()) reconcileMarks.set(t, { at: Date.now(), index: t.updates.length });
    await s.reconcileOpen();
  }
}

export async function runSeed(
  cluster: NemesisCluster,
  w: Workloads,
  seed: number,
  o: SeedOptions,
): Promise<SeedResult> {
  const started = Date.now();
  const violations: Violation[] = [];
  const restartsBefore = cluster.supervisorRestarts.length;
  const notReady = await until(() => notWhole(cluster, w), o.settleMs);
  if (notReady.length > 0)
    violations.push({
      property: "the cluster is whole before the seed",
      detail: notReady.join("; "),
    });
  const random = new SeededRandom(seed);
  // The jobs' occurrences start just after the window opens and fall inside it.
  if (w.jobs !== undefined) violations.push(...(await w.jobs.post(seed, o.windowMs)));
  const windowAt = Date.now();
  const faults = await faultWindow(cluster, w, random, seed, o);
  const healedAt = Date.now();
  const left = await until(
    () => unsettled(cluster, w, healedAt),
    o.settleMs,
    async (i) => {
      if (i % 6 === 0) await reconcileAll(w);
    },
  );
  const settledAt = Date.now();
  if (left.length > 0)
    violations.push({
      property: "the cluster settles after healing",
      detail: left.slice(0, 8).join("; "),
    });
  const tasks = w.sdk.flatMap((s) => [...s.tasks.values()]);
  const seen = observe(cluster, w.sdk[0]?.doneDir ?? "/nonexistent");
  violations.push(
    ...checkUpdateStreams(tasks),
    ...checkOutcomes(tasks, seen),
    ...checkProcesses(tasks, seen),
    ...checkCheckpointed(tasks, seen),
  );
  violations.push(...(await checkServices(cluster, w, seen.services)));
  const jobs = await w.jobs?.check(cluster);
  if (jobs !== undefined) violations.push(...jobs.violations);
  if (jobs !== undefined && jobs.violations.length > 0)
    for (const line of w.jobs?.trail() ?? []) o.log(`jobs trail ${line}`);
  // Every run of the seed's jobs ended: nothing of them may still run.
  for (const [task, agents] of seen.jobs)
    violations.push({
      property: "no process alive whose task is terminal",
      task,
      detail: `a job's task runs on ${agents.join(",")} with every run of the seed's jobs ended`,
    });
  const readBack = await readBackFromLeader(cluster, w, o.settleMs);
  if (readBack === undefined)
    violations.push({
      property: "operator writes answered 200 survive failover",
      detail: `no leader answered GET_WEIGHTS, GET_QUOTA and GET_MAINTENANCE_SCHEDULE within ${o.settleMs} ms`,
    });
  else violations.push(...checkOperatorWrites(w.operator.writes, readBack));
  // Masters stop when they lose ZooKeeper (by design); any other server exiting is a crash.
  for (const name of cluster.supervisorRestarts.slice(restartsBefore))
    if (!name.startsWith("m"))
      violations.push({
        property: "no server crashes",
        detail: `${name} exited on its own (see its log) and was restarted`,
      });
  const checkedAt = Date.now();
  violations.push(...(await killLongTasks(cluster, w, o)));
  o.log(
    `phases: ready ${windowAt - started} ms, window ${healedAt - windowAt} ms, ` +
      `settle ${settledAt - healedAt} ms, checks ${checkedAt - settledAt} ms, kills ${Date.now() - checkedAt} ms`,
  );
  const updates = tasks.reduce((n, t) => n + t.updates.length, 0);
  for (const s of w.sdk) s.clear();
  await w.jobs?.forget();
  const unique = [...new Map(violations.map((v) => [JSON.stringify(v), v])).values()];
  return {
    seed,
    faults,
    tasks: tasks.length,
    updates,
    jobs: jobs?.counts,
    violations: unique,
    ms: Date.now() - started,
  };
}

/**
 * The operator writes as the leading master holds them. A master that loses ZooKeeper for a
 * moment stops (by design) and the next one takes over, on a loaded machine even after the
 * heal: the read waits (bounded) for a leader that answers, as an operator would retry.
 */
async function readBackFromLeader(
  cluster: NemesisCluster,
  w: Workloads,
  boundMs: number,
): Promise<Map<string, string | undefined> | undefined> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const leader = cluster.leaderUrl();
    const readBack = leader === undefined ? undefined : await w.operator.readBack(leader);
    if (readBack !== undefined || Date.now() > deadline) return readBack;
    await sleep(250);
  }
}

/** The services framework runs exactly its instance count: in its API, on the master, on the agents. */
async function checkServices(
  cluster: NemesisCluster,
  w: Workloads,
  alive: Map<string, string[]>,
): Promise<Violation[]> {
  const services = w.services;
  if (services === undefined) return [];
  const want = new Set([services.instances, ...services.uncertain]);
  const property = "the services framework converges to its instance count";
  const out: Violation[] = [];
  const app = await services.running();
  if (app === undefined || !want.has(app.tasksRunning))
    out.push({
      property,
      detail: `API: ${app?.tasksRunning ?? "?"} running, want ${[...want].join("|")}`,
    });
  // A master that loses ZooKeeper for a moment stops, also right after the heal: wait (bounded)
  // for the next leader's view rather than count a leader change as a wrong instance count.
  const view = await leaderViewWithin(cluster, LEADER_WAIT_MS);
  const id = services.frameworkId;
  const onMaster = id === undefined ? undefined : view?.running.get(id)?.length;
  if (onMaster === undefined || !want.has(onMaster))
    out.push({
      property,
      task: `master runs ${(id === undefined ? [] : (view?.running.get(id) ?? [])).join(" ")}; framework knows ${await services.knownTasks()}`,
      detail: `master: ${onMaster ?? "?"} running, want ${[...want].join("|")}`,
    });
  if (!want.has(alive.size))
    out.push({
      property,
      detail: `agents: ${alive.size} instance processes alive, want ${[...want].join("|")}`,
    });
  return out;
}

/** Kills what is left of the seed's long tasks; none of a terminal task may still run. */
async function killLongTasks(
  cluster: NemesisCluster,
  w: Workloads,
  o: SeedOptions,
): Promise<Violation[]> {
  for (const s of w.sdk) for (const t of s.open()) await s.kill(t);
  const left = await until(
    async () => w.sdk.flatMap((s) => s.open().map((t) => `${t.id} not terminal after its kill`)),
    o.settleMs,
    async (i) => {
      if (i % 8 === 7) {
        await reconcileAll(w);
        for (const s of w.sdk) for (const t of s.open()) await s.kill(t);
      }
    },
  );
  const out: Violation[] = left
    .slice(0, 8)
    .map((detail) => ({ property: "a killed task ends", detail }));
  const tasks = w.sdk.flatMap((s) => [...s.tasks.values()]);
  const seen = observe(cluster, w.sdk[0]?.doneDir ?? "/nonexistent");
  out.push(...checkProcesses(tasks, seen), ...checkUpdateStreams(tasks));
  return out;
}
