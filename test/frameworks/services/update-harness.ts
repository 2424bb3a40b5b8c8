// A fake Mesos around the services core on a virtual clock, for the update-control tests: every
// step moves the clock a second, ticks the core and offers roomy agents; a launched task runs at
// once (and reports healthy when its app checks health), unless the test marks its version bad:
// then it fails, once per incarnation up to `badIncarnations`. Kills end tasks as TASK_KILLED.
import assert from "node:assert/strict";
import type { DeploymentRecord } from "../../../src/frameworks/services/app-store.ts";
import type { Instance } from "../../../src/frameworks/services/instance.ts";
import type { AppId } from "../../../src/frameworks/services/path-id.ts";
import {
  ServicesCore,
  type ServicesSnapshot,
} from "../../../src/frameworks/services/services-core.ts";
import type {
  ServicesInput,
  ServicesOutput,
} from "../../../src/frameworks/services/services-outputs.ts";
import type { DeploymentResult, Result } from "../../../src/frameworks/services/services-types.ts";
import { parseTaskId } from "../../../src/frameworks/services/task-info.ts";
import { appDef, roomyOffer } from "./fixtures.ts";

export const T0 = Date.parse("2024-01-01T00:00:00.000Z");

const EMPTY: ServicesSnapshot = {
  apps: [],
  versionIds: new Map(),
  runningVersions: [],
  instances: [],
  deployments: [],
};

export class FakeMesos {
  nowMs = T0;
  readonly core: ServicesCore;
  readonly events: ServicesOutput[] = [];
  /** App versions whose tasks fail; how many incarnations of each instance fail (default all). */
  readonly bad = new Map<string, number>();
  /** `unhealthy`: bad tasks run but report unhealthy (then are killed), else they fail. */
  badMode: "fail" | "unhealthy" = "fail";
  /** Agents under maintenance: their offers carry an unavailability, as Mesos's do. */
  readonly maintenance = new Set<string>();
  private offerRound = 0;

  constructor(private readonly agents = 10) {
    let n = 0;
    this.core = new ServicesCore({ newId: () => `id-${++n}` }, EMPTY);
  }

  /** Handles one input and plays Mesos on what comes out (launches run, kills end). */
  input(input: ServicesInput): ServicesOutput[] {
    const out = this.core.handle(input, this.nowMs);
    const queue = [...out];
    while (queue.length > 0) {
      const o = queue.shift() as ServicesOutput;
      if (o.kind === "event") this.events.push(o);
      if (o.kind === "launch") {
        for (const t of o.tasks) queue.push(...this.run(t.task_id.value, o.agentId));
      } else if (o.kind === "kill") {
        queue.push(...this.status(o.taskId, "TASK_KILLED"));
      }
    }
    return out;
  }

  private status(
    taskId: string,
    state: "TASK_RUNNING" | "TASK_KILLED" | "TASK_FAILED",
    healthy?: boolean,
  ) {
    const update = { taskId, state, ...(healthy === undefined ? {} : { healthy }) };
    return this.core.handle({ kind: "task_status", update }, this.nowMs);
  }

  private run(taskId: string, agentId: string): ServicesOutput[] {
    const parsed = parseTaskId(taskId);
    assert.ok(parsed !== undefined);
    const i = this.core.instancesOf(parsed.appId).find((x) => x.instanceId === parsed.instanceId);
    assert.ok(i !== undefined);
    const checks = (this.core.app(parsed.appId)?.app.healthChecks.length ?? 0) > 0;
    const failing = parsed.incarnation <= (this.bad.get(i.version) ?? 0);
    const out = [...this.status(taskId, "TASK_RUNNING")];
    void agentId;
    if (failing && this.badMode === "fail") out.push(...this.status(taskId, "TASK_FAILED"));
    else if (failing) {
      out.push(...this.status(taskId, "TASK_RUNNING", false));
      out.push(...this.status(taskId, "TASK_KILLED", false));
    } else if (checks) out.push(...this.status(taskId, "TASK_RUNNING", true));
    return out;
  }

  /** One second passes: a tick, then an offer from every agent. */
  step(): void {
    this.nowMs += 1000;
    this.input({ kind: "tick" });
    const round = ++this.offerRound;
    const offers = Array.from({ length: this.agents }, (_, a) => {
      const o = roomyOffer(`O${round}-${a}`, `S${a}`, `agent${a}`);
      if (!this.maintenance.has(`S${a}`)) return o;
      return { ...o, unavailability: { start: { nanoseconds: this.nowMs * 1e6 } } };
    });
    this.input({ kind: "offers", offers });
  }

  /** Steps until `done` holds, at most `maxSteps`; returns the steps taken. */
  stepUntil(done: () => boolean, maxSteps = 600, each?: () => void): number {
    for (let k = 1; k <= maxSteps; k++) {
      this.step();
      each?.();
      if (done()) return k;
    }
    assert.fail(`not done after ${maxSteps} steps`);
  }

  /** The master's inverse offer for `agentId`; returns the outputs. */
  inverseOffer(agentId: string): ServicesOutput[] {
    this.maintenance.add(agentId);
    const io = {
      id: { value: `IO-${++this.offerRound}` },
      framework_id: { value: "fw" },
      agent_id: { value: agentId },
      unavailability: { start: { nanoseconds: this.nowMs * 1e6 } },
      resources: [],
    };
    return this.input({ kind: "inverse_offers", inverseOffers: [io] });
  }

  deploy(fields: Record<string, unknown>): DeploymentResult {
    const out = this.input({ kind: "deploy", change: { upsert: [appDef(fields)] }, force: false });
    this.input({ kind: "advance" });
    return replyOf(out);
  }

  command(id: string, command: "pause" | "resume" | "pulse" | "rollback"): Result<unknown> {
    const out = this.input({ kind: "update_command", deploymentId: id, command });
    this.input({ kind: "advance" });
    const reply = out.find((o) => o.kind === "reply");
    assert.ok(reply?.kind === "reply" && reply.reply.to === "update_command");
    return reply.reply.result;
  }

  cancel(id: string, force: boolean): void {
    this.input({ kind: "cancel_deployment", deploymentId: id, force });
    this.input({ kind: "advance" });
  }

  instances(app = "/a"): Instance[] {
    return this.core.instancesOf(app as AppId);
  }

  running(app = "/a"): Instance[] {
    return this.instances(app).filter((i) => i.state === "TASK_RUNNING" && i.goal === "Running");
  }

  deployment(id: string): DeploymentRecord | undefined {
    return this.core.deployment(id);
  }

  updateState(id: string, app = "/a"): string | undefined {
    return this.deployment(id)?.updates?.[app as AppId]?.state;
  }

  eventTypes(): string[] {
    return this.events.flatMap((o) => (o.kind === "event" ? [o.event.eventType] : []));
  }
}

function replyOf(out: ServicesOutput[]): DeploymentResult {
  const reply = out.find((o) => o.kind === "reply");
  assert.ok(reply?.kind === "reply" && reply.reply.to === "deploy" && reply.reply.result.ok);
  return reply.reply.result.value;
}

/** Deploys `instances` of app /a (version 1) and steps until they all run; returns its version. */
export function startApp(mesos: FakeMesos, fields: Record<string, unknown>): string {
  const r = mesos.deploy({ id: "/a", cmd: "v1", ...fields });
  const want = (fields.instances as number | undefined) ?? 1;
  mesos.stepUntil(() => mesos.running().length === want && mesos.core.deployments().length === 0);
  return r.version;
}
