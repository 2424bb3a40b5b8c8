// Helpers for the agent's integration tests: a real master (port 0, in-memory registry), a real
// agent launching real processes in a temporary work dir, and a scheduler that accepts offers,
// launches tasks and acknowledges every update while waiting (bounded) for task states.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { pino } from "pino";
import {
  type RunningAgent,
  type StartAgentOptions,
  startAgent,
} from "../../../src/agent/server.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import {
  EVENT_WAIT_MS,
  type Event,
  type Loose,
  startTestMaster,
  subscribeScheduler,
  type TestScheduler,
} from "../../master/http/helpers.ts";
import { launchCall, scalar } from "../../master/scheduler-calls.ts";
import { tempWorkDir } from "../../support/cluster.ts";
import { Waiters } from "../../support/eventually.ts";

export { EVENT_WAIT_MS, type Loose, tempWorkDir };

export const TEST_RESOURCES = "cpus:2;mem:2048;disk:4096;ports:[31000-31100]";

export async function startMasterForAgents(): Promise<RunningMaster> {
  return startTestMaster({ allocation_interval: "20ms" });
}

/**
 * The cgroups root of a test agent: its own per work dir, so that one test file's agent never
 * takes another's containers for orphans (a restarted agent destroys every container under its
 * root that its checkpoint does not know), while an agent restarted on the same work dir finds
 * its containers again.
 */
export function agentCgroupsRoot(workDir: string): string {
  return `tessera-agent-it-${basename(workDir)}`;
}

export async function startTestAgent(
  master: RunningMaster | undefined,
  workDir: string,
  flags: Record<string, string> = {},
  options: Omit<StartAgentOptions, "flags" | "logger"> = {},
): Promise<RunningAgent> {
  return startAgent({
    ...options,
    flags: {
      ...(master === undefined ? {} : { master: master.url.replace("http://", "") }),
      work_dir: workDir,
      cgroups_root: agentCgroupsRoot(workDir),
      port: "0",
      ip: "127.0.0.1",
      hostname: "localhost",
      resources: TEST_RESOURCES,
      registration_backoff_factor: "10ms",
      ...flags,
    },
    logger: pino({ level: process.env.TESSERA_TEST_LOG ?? "silent" }),
  });
}

export const FRAMEWORK_INFO = {
  user: "root",
  name: "agent-integration",
  roles: ["*"],
  checkpoint: true,
  capabilities: [{ type: "MULTI_ROLE" }],
};

export interface TaskUpdate {
  taskId: string;
  state: string;
  status: Loose;
}

/** A scheduler that acknowledges every update and lets tests wait for task states. */
export class Framework {
  readonly updates: TaskUpdate[] = [];
  readonly offers: Loose[] = [];
  /** Offers the master rescinded (RESCIND), dropped from `offers` as they come. */
  readonly rescinded = new Set<string>();
  /** The statuses of UPDATE_OPERATION_STATUS events, in order. */
  readonly operationStatuses: Loose[] = [];
  readonly #waiters = new Waiters();
  #pump: Promise<void>;
  autoAck = true;

  private constructor(readonly scheduler: TestScheduler) {
    this.#pump = this.#read();
  }

  static async subscribe(master: RunningMaster, info: Record<string, unknown> = FRAMEWORK_INFO) {
    return new Framework(await subscribeScheduler(master, info));
  }

  get id(): string {
    return this.scheduler.frameworkId;
  }

  async #read(): Promise<void> {
    for (;;) {
      let event: Event | undefined;
      try {
        event = await this.scheduler.events.nextAny(3_600_000);
      } catch {
        return;
      }
      if (event === undefined) return;
      if (event.type === "OFFERS") {
        for (const offer of (event.offers as Loose).offers ?? []) this.offers.push(offer);
      } else if (event.type === "RESCIND") {
        const id: string = (event.rescind as Loose).offer_id.value;
        this.rescinded.add(id);
        const i = this.offers.findIndex((o) => o.id.value === id);
        if (i >= 0) this.offers.splice(i, 1);
      } else if (event.type === "UPDATE") {
        const status = (event.update as Loose).status;
        this.updates.push({ taskId: status.task_id.value, state: status.state, status });
        if (this.autoAck && status.uuid !== undefined) await this.ack(status);
      } else if (event.type === "UPDATE_OPERATION_STATUS") {
        this.operationStatuses.push((event.update_operation_status as Loose).status);
      }
      this.#waiters.wake();
    }
  }

  async ack(status: Loose): Promise<void> {
    await this.scheduler.call({
      type: "ACKNOWLEDGE",
      acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
    });
  }

  /** Waits (bounded) until `predicate` holds after some event. */
  async until<T>(
    what: string,
    predicate: () => T | undefined,
    timeoutMs = EVENT_WAIT_MS,
  ): Promise<T> {
    return this.#waiters.until(what, predicate, {
      timeoutMs,
      detail: () => `updates: ${JSON.stringify(this.updates.map((u) => [u.taskId, u.state]))}`,
    });
  }

  async offer(): Promise<Loose> {
    return this.until("an offer", () => this.offers.shift());
  }

  /** An offer holding at least `cpus` and `mem`. Resources freed by tasks come back in
   *  pieces: smaller offers are declined, so that they come back together. */
  async offerWithRoom(cpus: number, mem: number): Promise<Loose> {
    const has = (o: Loose, name: string) =>
      (o.resources ?? []).find((r: Loose) => r.name === name)?.scalar?.value ?? 0;
    for (let k = 0; k < 100; k++) {
      const offer = await this.offer();
      if (has(offer, "cpus") >= cpus && has(offer, "mem") >= mem) return offer;
      await this.scheduler.call({
        type: "DECLINE",
        decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } },
      });
    }
    throw new Error(`no offer with cpus ${cpus} and mem ${mem}`);
  }

  async state(taskId: string, state: string, timeoutMs = EVENT_WAIT_MS): Promise<TaskUpdate> {
    return this.until(
      `${taskId} in ${state}`,
      () => this.updates.find((u) => u.taskId === taskId && u.state === state),
      timeoutMs,
    );
  }

  /**
   * Launches command tasks on one offer, or on several offers of one agent; each task gets cpus
   * 0.1 and mem 32 unless given.
   */
  async launch(offers: Loose | Loose[], tasks: Loose[]): Promise<void> {
    const held: Loose[] = Array.isArray(offers) ? offers : [offers];
    const infos = tasks.map((t) => ({
      agent_id: held[0].agent_id,
      resources: [scalar("cpus", 0.1), scalar("mem", 32)],
      ...t,
      name: t.name ?? t.task_id.value,
    }));
    const ids = held.map((o) => o.id);
    const res = await this.scheduler.call(launchCall(ids, infos, { refuse_seconds: 0 }));
    assert.equal(res.status, 202, res.body);
  }

  async kill(agentId: Loose, taskId: string): Promise<void> {
    const res = await this.scheduler.call({
      type: "KILL",
      kill: { task_id: { value: taskId }, agent_id: agentId },
    });
    assert.equal(res.status, 202, res.body);
  }

  close(): void {
    this.scheduler.close();
    void this.#pump;
  }
}

export function commandTask(id: string, command: string, extra: Record<string, unknown> = {}) {
  return { task_id: { value: id }, command: { value: command }, ...extra };
}

/** True if a process with this pid exists and is not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
