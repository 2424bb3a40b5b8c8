// Runs the nemesis over a list of seeds on one cluster: creates the cluster and the workloads,
// runs each seed (seed-run.ts), prints each seed's result with its replay command, and tears
// everything down at the end, on failure, and on SIGINT/SIGTERM. Used by `npm run nemesis`
// (main.ts) and by the suite's bounded run (nemesis.test.ts).
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { absorbUnknownZkReplyCodes, unknownZkReplies } from "../../src/zk/unknown-replies.ts";
import { zooKeeperJar } from "../support/zookeeper.ts";
import type { Violation } from "./checks.ts";
import { NemesisCluster } from "./cluster.ts";
import { type JobsCounts, JobsWorkload } from "./jobs-workload.ts";
import { FAULT_KINDS, type FaultKind } from "./nemesis.ts";
import { networkUnavailable } from "./network.ts";
import type { SeedSpec } from "./regressions.ts";
import { runSeed, type SeedResult, type Workloads } from "./seed-run.ts";
import { OperatorWrites, ServicesWorkload } from "./side-workloads.ts";
import { SdkWorkload } from "./workload.ts";

export interface HarnessOptions {
  readonly seeds: readonly SeedSpec[];
  /** Third octet of 10.213.<octet>.0/24. */
  readonly octet: number;
  readonly windowMs?: number;
  readonly settleMs?: number;
  readonly kinds?: readonly FaultKind[];
  /** Environment of the agents (the test-only TESSERA_TEST_BREAK of the harness's own test). */
  readonly agentEnv?: Record<string, string>;
  readonly services?: boolean;
  /** The jobs framework's workload (on unless false). */
  readonly jobs?: boolean;
  readonly log?: (line: string) => void;
}

export interface HarnessSummary {
  readonly results: SeedResult[];
  readonly faultsByKind: Record<string, number>;
  readonly tasks: number;
  readonly updates: number;
  /** The jobs framework's occurrences over every seed (undefined when it did not run). */
  readonly jobs: JobsCounts | undefined;
  readonly violations: number;
  /** Servers that exited on their own and were started again (masters losing ZooKeeper). */
  readonly supervisorRestarts: string[];
  /** Operator writes sent, and answered 200, by kind (weight, quota, maintenance). */
  readonly operatorWrites: Record<string, { sent: number; acknowledged: number }>;
  /** ZooKeeper replies with an unknown error code the harness process took as CONNECTION_LOSS. */
  readonly unknownZkReplies: number;
  /** What of the run was left on the host after teardown ([] = nothing). */
  readonly leftovers: string[];
}

/** Why the nemesis cannot run here (printed as the skip reason), or undefined. */
export function nemesisUnavailable(): string | undefined {
  const net = networkUnavailable();
  if (net !== undefined) return net;
  const zk = zooKeeperJar();
  return "skip" in zk ? zk.skip : undefined;
}

export function replayCommand(seed: number, kinds?: readonly FaultKind[]): string {
  return `npm run nemesis -- --seed ${seed}${kinds === undefined ? "" : ` --faults ${kinds.join(",")}`}`;
}

export async function runHarness(options: HarnessOptions): Promise<HarnessSummary> {
  const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const unavailable = nemesisUnavailable();
  if (unavailable !== undefined) throw new Error(`the nemesis cannot run here: ${unavailable}`);
  const zk = zooKeeperJar();
  if (!("jar" in zk)) throw new Error(zk.skip);
  absorbUnknownZkReplyCodes();
  const dir = mkdtempSync(join(tmpdir(), "tessera-nemesis-"));
  const doneDir = join(dir, "done");
  mkdirSync(doneDir);
  const cluster = NemesisCluster.create({
    octet: options.octet,
    dir,
    zkJar: zk.jar,
    ...(options.agentEnv === undefined ? {} : { agentEnv: options.agentEnv }),
  });
  log(`nemesis: cluster on 10.213.${options.octet}.0/24, logs in ${dir}/logs`);
  let sdk: SdkWorkload[] = [];
  let services: ServicesWorkload | undefined;
  let jobs: JobsWorkload | undefined;
  const teardown = async () => {
    for (const s of sdk) await s.stop().catch(() => undefined);
    await services?.close().catch(() => undefined);
    await jobs?.close();
    await cluster.destroy();
  };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log("nemesis: interrupted, tearing down");
    void teardown().finally(() => process.exit(130));
  };
  // A library throwing from a socket callback (node-zookeeper-client does, on a garbled
  // packet from a server killed mid-answer) would end this process with the cluster left on
  // the host: tear down first, then fail.
  const onCrash = (error: unknown) => {
    log(`nemesis: uncaught ${String((error as Error)?.stack ?? error)}`);
    // Already tearing down after a signal: that path exits.
    if (!interrupted) void teardown().finally(() => process.exit(1));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.on("uncaughtException", onCrash);
  const results: SeedResult[] = [];
  const operator = new OperatorWrites();
  try {
    sdk = [
      new SdkWorkload("nemesis-a", cluster.zkUrl, doneDir),
      new SdkWorkload("nemesis-b", cluster.zkUrl, doneDir),
    ];
    if (options.services !== false)
      services = await ServicesWorkload.start(cluster.zkUrl, join(dir, "services"));
    if (options.jobs !== false)
      jobs = await JobsWorkload.start(cluster.zkUrl, join(dir, "jobs"), doneDir);
    const w: Workloads = { sdk, services, jobs, operator };
    for (const spec of options.seeds) {
      const seed = spec.seed;
      const kinds = spec.kinds ?? options.kinds ?? FAULT_KINDS;
      log(`nemesis: seed ${seed} (replay: ${replayCommand(seed, spec.kinds)})`);
      const result = await runSeed(cluster, w, seed, {
        windowMs: options.windowMs ?? 4_000,
        settleMs: options.settleMs ?? 45_000,
        kinds,
        log: (line) => log(`  fault ${line}`),
      });
      results.push(result);
      const j = result.jobs;
      log(
        `nemesis: seed ${seed}: ${result.tasks} tasks, ${result.updates} updates, ` +
          (j === undefined ? "" : `${j.occurrences} job occurrences (${j.coalesced} coalesced), `) +
          `${result.violations.length} violations, ${(result.ms / 1000).toFixed(1)} s`,
      );
      for (const v of result.violations) log(`  VIOLATION ${formatViolation(v)}`);
      if (result.violations.length > 0) log(`  replay: ${replayCommand(seed, spec.kinds)}`);
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("uncaughtException", onCrash);
    await teardown();
  }
  const faultsByKind: Record<string, number> = {};
  for (const r of results) for (const f of r.faults) faultsByKind[f] = (faultsByKind[f] ?? 0) + 1;
  const operatorWrites: Record<string, { sent: number; acknowledged: number }> = {};
  for (const write of operator.writes) {
    const kind = write.key.split(":")[0] as string;
    const counts = operatorWrites[kind] ?? { sent: 0, acknowledged: 0 };
    operatorWrites[kind] = counts;
    counts.sent++;
    if (write.acknowledged) counts.acknowledged++;
  }
  return {
    results,
    faultsByKind,
    operatorWrites,
    supervisorRestarts: [...cluster.supervisorRestarts],
    tasks: results.reduce((n, r) => n + r.tasks, 0),
    updates: results.reduce((n, r) => n + r.updates, 0),
    violations: results.reduce((n, r) => n + r.violations.length, 0),
    jobs: sumJobs(results),
    unknownZkReplies: unknownZkReplies(),
    leftovers: cluster.leftovers(),
  };
}

function sumJobs(results: readonly SeedResult[]): JobsCounts | undefined {
  const each = results.flatMap((r) => (r.jobs === undefined ? [] : [r.jobs]));
  if (each.length === 0) return undefined;
  const sum = (k: keyof JobsCounts) => each.reduce((n, c) => n + c[k], 0);
  return {
    occurrences: sum("occurrences"),
    ran: sum("ran"),
    coalesced: sum("coalesced"),
    dependentRuns: sum("dependentRuns"),
  };
}

export function formatViolation(v: Violation): string {
  return `[${v.property}]${v.task === undefined ? "" : ` ${v.task}:`} ${v.detail}`;
}

export function formatSummary(s: HarnessSummary): string {
  const kinds = Object.entries(s.faultsByKind)
    .map(([k, n]) => `${k}=${n}`)
    .join(" ");
  const writes = Object.entries(s.operatorWrites)
    .map(([k, c]) => `${k} ${c.acknowledged}/${c.sent}`)
    .join(", ");
  const failed = s.results.filter((r) => r.violations.length > 0).map((r) => r.seed);
  return [
    `nemesis: ${s.results.length} seeds, faults ${kinds || "none"}, ${s.tasks} tasks, ` +
      `${s.updates} updates checked, ${s.violations} violations; operator writes answered 200: ${writes || "none"}`,
    s.jobs === undefined
      ? "nemesis: jobs framework: not run"
      : `nemesis: jobs framework: ${s.jobs.occurrences} occurrences due, ${s.jobs.ran} run and ` +
        `${s.jobs.coalesced} coalesced, ${s.jobs.dependentRuns} dependent runs`,
    `nemesis: servers restarted after exiting on their own: ${s.supervisorRestarts.length === 0 ? "none" : s.supervisorRestarts.join(" ")}`,
    ...(failed.length > 0
      ? [`nemesis: failing seeds ${failed.join(" ")} (add them to test/nemesis/regressions)`]
      : []),
    ...(s.unknownZkReplies > 0
      ? [
          `nemesis: ZooKeeper replies with an unknown error code in the harness process (taken as CONNECTION_LOSS, see src/zk/unknown-replies.ts): ${s.unknownZkReplies}`,
        ]
      : []),
    ...(s.leftovers.length > 0 ? [`nemesis: LEFT ON THE HOST: ${s.leftovers.join(", ")}`] : []),
  ].join("\n");
}
