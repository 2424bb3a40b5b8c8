// What the jobs tests share: the jobs state on a memory store driven on a virtual clock, with
// the test playing Mesos — offers in, launches and kills out, status updates back.
import assert from "node:assert/strict";
import { JobsApi } from "../../../src/frameworks/jobs/api.ts";
import { JobsHttpServer } from "../../../src/frameworks/jobs/api-http.ts";
import { JobDefinitionSchema } from "../../../src/frameworks/jobs/job-definition.ts";
import { MemoryJobStore } from "../../../src/frameworks/jobs/job-store.ts";
import type { JobsEffect } from "../../../src/frameworks/jobs/jobs-state.ts";
import { JobsState } from "../../../src/frameworks/jobs/jobs-state.ts";
import type { JobsCoreOptions, PutEndpoint } from "../../../src/frameworks/jobs/jobs-types.ts";
import { scheduleModule } from "../../../src/frameworks/jobs/schedule/index.ts";
import type { Schedule } from "../../../src/frameworks/jobs/schedule/types.ts";
import type { TaskInfoInput } from "../../../src/sdk/offer-matching.ts";
import { parseWire } from "../../../src/wire/json.ts";
import { type Offer, Offer as OfferSchema } from "../../../src/wire/offer.ts";
import type { TaskState } from "../../../src/wire/status.ts";

export const T0 = Date.parse("2024-01-01T00:00:00.000Z");

let offerSeq = 0;

/** An offer of `cpus` cpus and 8 GiB on agent `agentId`, with text attributes. */
export function offerOf(
  agentId: string,
  options: { cpus?: number; hostname?: string; attributes?: Record<string, string> } = {},
): Offer {
  const parsed = parseWire(OfferSchema, {
    id: { value: `offer-${++offerSeq}` },
    framework_id: { value: "fw" },
    agent_id: { value: agentId },
    hostname: options.hostname ?? `${agentId}.example`,
    url: { scheme: "http", address: { ip: "10.0.0.1", port: 5051 }, path: "/slave(1)" },
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: options.cpus ?? 8 } },
      { name: "mem", type: "SCALAR", scalar: { value: 8192 } },
      { name: "disk", type: "SCALAR", scalar: { value: 8192 } },
    ],
    attributes: Object.entries(options.attributes ?? {}).map(([name, value]) => ({
      name,
      type: "TEXT",
      text: { value },
    })),
  });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
  return parsed.value;
}

/** The jobs state with a memory store on a virtual clock; `restart()` is a scheduler failover. */
export class JobsHarness {
  nowMs = T0;
  readonly store = new MemoryJobStore();
  state: JobsState;
  /** Every scheduler call the state asked for, in order. */
  readonly calls: JobsEffect[] = [];

  constructor(private readonly options: Partial<JobsCoreOptions> = {}) {
    this.state = this.#newState();
  }

  #newState(): JobsState {
    return new JobsState({
      store: this.store,
      schedules: scheduleModule,
      failureRetryMs: 1000,
      ...this.options,
    });
  }

  /** A new scheduler from what the store holds (a restart or a failover to a standby). */
  restart(): void {
    this.state = this.#newState();
  }

  put(fields: Record<string, unknown>, endpoint: PutEndpoint = "iso8601") {
    const def = JobDefinitionSchema.parse({ command: "true", ...fields });
    const { result, calls } = this.state.putJob(def, endpoint, this.nowMs);
    this.calls.push(...calls);
    return result;
  }

  /** Moves the clock and lets the scheduler fire what is due. */
  advance(ms: number): void {
    this.nowMs += ms;
    this.calls.push(...this.state.tick(this.nowMs));
  }

  /** Offers `offers` (one roomy agent by default); returns the tasks launched. */
  offer(offers: readonly Offer[] = [offerOf("agent-1")]): TaskInfoInput[] {
    const calls = this.state.handleOffers(offers, this.nowMs);
    this.calls.push(...calls);
    return calls.flatMap((c) => (c.kind === "launch" ? c.tasks : []));
  }

  status(taskId: string, state: TaskState, extra: { message?: string; reason?: string } = {}) {
    const calls = this.state.handleStatus(
      { taskId, state, agentId: "agent-1", ...extra },
      this.nowMs,
    );
    this.calls.push(...calls);
    return calls;
  }

  /** Runs a launched task to the end: RUNNING, then `state`. */
  complete(taskId: string, state: TaskState = "TASK_FINISHED", message?: string): void {
    this.status(taskId, "TASK_RUNNING");
    this.status(taskId, state, message === undefined ? {} : { message });
  }

  kills(): string[] {
    return this.calls.flatMap((c) => (c.kind === "kill" ? [c.taskId] : []));
  }
}

export const taskIds = (tasks: readonly TaskInfoInput[]) => tasks.map((t) => t.task_id.value);

/** The harness's state behind the Chronos API on a free port, as a leader. */
export async function serveHarness(
  h: JobsHarness,
): Promise<{ url: string; close(): Promise<void> }> {
  const api = new JobsApi({
    state: h.state,
    nowMs: () => h.nowMs,
    effects: (calls) => h.calls.push(...calls),
    leader: () => "127.0.0.1:4400",
  });
  const server = new JobsHttpServer({
    api: () => api,
    durable: () => h.store.durable(),
    leaderUrl: () => "http://127.0.0.1:4400",
  });
  const address = await server.listen(0, "127.0.0.1");
  return { url: `http://${address.host}:${address.port}`, close: () => server.close() };
}

/**
 * Checks a scheduled job's ledger against its schedule: every occurrence of `original` due by
 * `untilMs` is covered by exactly one entry (a run with its due time, or a skip entry whose
 * range holds it, with the right count). Returns how many occurrences it walked.
 */
export function checkLedgerCoverage(
  state: JobsState,
  name: string,
  original: Schedule,
  untilMs: number,
): number {
  const covered = new Map<number, number>();
  for (const r of state.runsOf(name)) {
    if (r.trigger !== "schedule") continue;
    if (r.skippedCount === undefined) {
      covered.set(r.dueMs, (covered.get(r.dueMs) ?? 0) + 1);
      continue;
    }
    let n = 0;
    for (let d: number | null = r.dueMs; d !== null && d <= (r.lastDueMs as number); n++) {
      covered.set(d, (covered.get(d) ?? 0) + 1);
      d = scheduleModule.nextDue(original, d);
    }
    assert.equal(n, r.skippedCount, `${name}: skip entry ${r.runId} covers its count`);
  }
  let walked = 0;
  for (
    let d: number | null = original.startMs;
    d !== null && d <= untilMs;
    d = scheduleModule.nextDue(original, d)
  ) {
    const at = new Date(d).toISOString();
    assert.equal(covered.get(d), 1, `${name}: the occurrence due ${at} is in the ledger once`);
    walked++;
  }
  return walked;
}
