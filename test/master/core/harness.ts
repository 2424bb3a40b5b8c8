// Drives a MasterCore in tests: a virtual clock, timers fired in order, registry writes applied
// to a registry state (at once, or held back until the test releases them), and the outputs
// sorted by recipient so that tests can ask "what did this framework / agent see".

import type { AllocatorPort } from "../../../src/master/core/allocator-port.ts";
import { MasterCore } from "../../../src/master/core/master.ts";
import {
  applyRegistryOperation,
  emptyRegistryState,
  type RegistryState,
} from "../../../src/master/core/registry-state.ts";
import type { TaskHistory } from "../../../src/master/core/task-history.ts";
import type {
  MasterFlags,
  MasterInput,
  MasterOutput,
  OperatorCall,
} from "../../../src/master/core/types.ts";
import type { AgentEvent, SchedulerEvent } from "../../../src/master/core/wire-types.ts";
import type { RegistryStore } from "../../../src/master/registry/index.ts";
import { parseResourcesText } from "../../../src/resources/index.ts";
import { resourcesToWire } from "../../../src/resources/wire-format.ts";
import type { AgentCall, AgentSubscribe } from "../../../src/wire/agent-channel.ts";
import type { FrameworkInfo } from "../../../src/wire/framework.ts";
import type { OfferID } from "../../../src/wire/ids.ts";
import type { SchedulerCall } from "../../../src/wire/scheduler.ts";
import type { Task, TaskInfo } from "../../../src/wire/task.ts";
import { launchCall } from "../scheduler-calls.ts";
import { FakeAllocator } from "./fake-allocator.ts";

export const MASTER_ID = "M";

export interface HarnessOptions {
  flags?: Partial<MasterFlags>;
  /** Hold registry writes until `releaseRegistry()` (default: durable at once). */
  holdRegistry?: boolean;
  registry?: RegistryState;
  startMs?: number;
  /** A restarted master gets a new id, as Mesos's does. */
  masterId?: string;
  /** The allocator the core drives (default: the FakeAllocator in `allocator`). */
  allocator?: AllocatorPort;
  /** Finished tasks a stopped master saved (task-history.ts), handed to the recovery. */
  taskHistory?: TaskHistory;
}

export class Harness {
  readonly allocator = new FakeAllocator();
  readonly master: MasterCore;
  readonly registry: RegistryState;
  nowMs: number;
  readonly outputs: MasterOutput[] = [];
  readonly timers = new Map<string, number>();
  readonly heldWrites: Extract<MasterOutput, { kind: "persist" }>[] = [];
  readonly replies = new Map<number, MasterOutput>();
  readonly closedStreams = new Set<string>();
  holdRegistry: boolean;
  #nextStream = 0;
  #nextRequest = 0;

  constructor(options: HarnessOptions = {}) {
    this.nowMs = options.startMs ?? 1_000_000;
    this.holdRegistry = options.holdRegistry ?? false;
    this.registry = options.registry ?? emptyRegistryState();
    this.master = new MasterCore(
      {
        masterInfo: {
          id: options.masterId ?? MASTER_ID,
          ip: 16777343,
          port: 5050,
          hostname: "master",
        },
        ...(options.flags === undefined ? {} : { flags: options.flags }),
      },
      { allocator: options.allocator ?? this.allocator },
    );
    this.step({
      kind: "recover",
      registry: this.registry,
      ...(options.taskHistory === undefined ? {} : { taskHistory: options.taskHistory }),
    });
  }

  step(input: MasterInput): MasterOutput[] {
    const out = this.master.handle(input, this.nowMs);
    this.outputs.push(...out);
    for (const o of out) {
      if (o.kind === "set_timer") this.timers.set(o.timerId, o.atMs);
      if (o.kind === "cancel_timer") this.timers.delete(o.timerId);
      if (o.kind === "reply") this.replies.set(o.requestId, o);
      if (o.kind === "close_framework_stream") this.closedStreams.add(o.streamId);
      if (o.kind === "close_agent_stream") this.closedStreams.add(o.agentStreamId);
    }
    for (const o of out) {
      if (o.kind !== "persist") continue;
      if (this.holdRegistry) this.heldWrites.push(o);
      else this.#commit(o);
    }
    return out;
  }

  #commit(o: Extract<MasterOutput, { kind: "persist" }>): void {
    for (const op of o.ops) applyRegistryOperation(this.registry, op);
    this.step({ kind: "registry_result", token: o.token, ok: true });
  }

  /** Makes the held writes durable in a real registry store, then feeds back the results. */
  async releaseTo(store: RegistryStore): Promise<void> {
    while (this.heldWrites.length > 0) {
      const write = this.heldWrites.shift();
      if (write === undefined) break;
      await store.apply(write.ops);
      for (const op of write.ops) applyRegistryOperation(this.registry, op);
      this.step({ kind: "registry_result", token: write.token, ok: true });
    }
  }

  releaseRegistry(): void {
    const writes = this.heldWrites.splice(0);
    for (const w of writes) this.#commit(w);
  }

  /** Fires, in time order, every timer due up to now + ms. */
  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      let next: [string, number] | undefined;
      for (const entry of this.timers) {
        if (entry[1] <= until && (next === undefined || entry[1] < next[1])) next = entry;
      }
      if (next === undefined) break;
      this.timers.delete(next[0]);
      this.nowMs = Math.max(this.nowMs, next[1]);
      this.step({ kind: "timer_fired", timerId: next[0] });
    }
    this.nowMs = until;
  }

  /** Advances the clock to the next allocation and runs it (and any timer due before). */
  allocate(): void {
    const atMs = this.timers.get("allocation");
    if (atMs === undefined) throw new Error("no allocation timer set");
    this.advance(Math.max(0, atMs - this.nowMs));
  }

  newStreamId(prefix: string): string {
    return `${prefix}-${this.#nextStream++}`;
  }

  subscribe(
    info: Partial<FrameworkInfo> & { capabilities?: FrameworkInfo["capabilities"] } = {},
    suppressedRoles: string[] = [],
  ): { frameworkId: string; streamId: string } {
    const streamId = this.newStreamId("fw");
    const framework_info = { user: "u", name: "fw", ...info } as FrameworkInfo;
    const call: SchedulerCall = {
      type: "SUBSCRIBE",
      subscribe: { framework_info, suppressed_roles: suppressedRoles },
    } as SchedulerCall;
    if (info.id !== undefined) call.framework_id = info.id;
    this.step({ kind: "scheduler_subscribe", streamId, call });
    const subscribed = this.frameworkEvents(streamId).find((e) => e.type === "SUBSCRIBED");
    return { frameworkId: subscribed?.subscribed?.framework_id.value ?? "", streamId };
  }

  call(
    streamId: string,
    frameworkId: string,
    call: Omit<SchedulerCall, "framework_id">,
  ): MasterOutput | undefined {
    const requestId = this.#nextRequest++;
    this.step({
      kind: "scheduler_call",
      requestId,
      streamId,
      call: { ...call, framework_id: { value: frameworkId } } as SchedulerCall,
    });
    return this.replies.get(requestId);
  }

  /** The framework ACCEPTs `offerIds`, launching `tasks` (see scheduler-calls.ts launchCall). */
  launch(
    fw: { frameworkId: string; streamId: string },
    offerIds: readonly OfferID[],
    tasks: readonly TaskInfo[],
    filters?: { refuse_seconds: number },
  ): MasterOutput | undefined {
    return this.call(fw.streamId, fw.frameworkId, launchCall(offerIds, tasks, filters));
  }

  operator(call: OperatorCall): number {
    const requestId = this.#nextRequest++;
    this.step({ kind: "operator_call", requestId, call });
    return requestId;
  }

  /** Registers an agent; returns its id and stream once SUBSCRIBED was sent. */
  addAgent(
    hostname: string,
    resources = "cpus:4;mem:1024",
    extra: Partial<AgentSubscribe> = {},
  ): { agentId: string; streamId: string } {
    const streamId = this.newStreamId("agent");
    this.step({
      kind: "agent_subscribe",
      agentStreamId: streamId,
      call: agentSubscribeCall(hostname, resources, extra),
    });
    const subscribed = this.agentEventsOn(streamId).find((e) => e.type === "SUBSCRIBED");
    return { agentId: subscribed?.subscribed?.agent_id.value ?? "", streamId };
  }

  /**
   * Agent `agentId` (host a1, cpus:4;mem:1024) subscribes again on `streamId`, reporting the
   * `running` tasks (framework id, task id) as TASK_RUNNING: a re-registration.
   */
  reregister(
    streamId: string,
    agentId: string,
    running: readonly (readonly [frameworkId: string, taskId: string])[] = [],
  ): MasterOutput[] {
    const tasks = running.map(([fw, task]) => reportedTask(fw, task, agentId, "TASK_RUNNING"));
    return this.step({
      kind: "agent_subscribe",
      agentStreamId: streamId,
      call: agentSubscribeCall("a1", "cpus:4;mem:1024", {
        agent_id: { value: agentId },
        ...(tasks.length === 0 ? {} : { tasks }),
      }),
    });
  }

  agentCall(agentId: string, call: AgentCall): MasterOutput[] {
    return this.step({ kind: "agent_call", agentId, call });
  }

  frameworkEvents(streamId: string): SchedulerEvent[] {
    return this.outputs.flatMap((o) =>
      o.kind === "framework_event" && o.streamId === streamId ? [o.event] : [],
    );
  }

  agentEventsOn(streamId: string): AgentEvent[] {
    return this.outputs.flatMap((o) =>
      o.kind === "agent_event" && o.agentStreamId === streamId ? [o.event] : [],
    );
  }

  /** Statuses the framework received in UPDATE events. */
  updates(streamId: string) {
    return this.frameworkEvents(streamId).flatMap((e) =>
      e.type === "UPDATE" && e.update ? [e.update.status] : [],
    );
  }

  offers(streamId: string) {
    return this.frameworkEvents(streamId).flatMap((e) =>
      e.type === "OFFERS" ? (e.offers?.offers ?? []) : [],
    );
  }

  clear(): void {
    this.outputs.length = 0;
  }
}

export function wireResources(text: string) {
  const parsed = parseResourcesText(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return resourcesToWire(parsed.value);
}

export function agentSubscribeCall(
  hostname: string,
  resources: string,
  extra: Partial<AgentSubscribe> = {},
): AgentCall {
  const wire = wireResources(resources);
  const subscribe: AgentSubscribe = {
    agent_info: { hostname, port: 5051, resources: wire, attributes: [] },
    version: "1",
    total_resources: wire,
    ...extra,
  };
  const call: AgentCall = { type: "SUBSCRIBE", subscribe };
  if (extra.agent_id !== undefined) call.agent_id = extra.agent_id;
  return call;
}

export function commandTask(id: string, agentId: string, resources = "cpus:1;mem:128"): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: agentId },
    resources: wireResources(resources),
    command: { shell: true, value: "sleep 100" },
  } as TaskInfo;
}

/** A Task record as an agent reports it when re-registering. */
export function reportedTask(
  frameworkId: string,
  id: string,
  agentId: string,
  state: Task["state"],
  resources = "cpus:1;mem:128",
): Task {
  return {
    name: id,
    task_id: { value: id },
    framework_id: { value: frameworkId },
    agent_id: { value: agentId },
    state,
    resources: wireResources(resources),
    statuses: [],
  };
}

export function uuidOf(n: number): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(n, 12);
  return bytes.toString("base64");
}

/** A master with agent a1 (cpus:4;mem:1024) running `taskIds` of one framework (`info`). */
export function withTasks(taskIds: string[], info: Parameters<Harness["subscribe"]>[0] = {}) {
  const h = new Harness();
  const agent = h.addAgent("a1");
  const fw = h.subscribe(info);
  launchTasks(h, fw, agent.agentId, taskIds);
  return { h, agent, fw };
}

/** A master with one agent a1 (cpus:4;mem:1024) and one framework (`info`) holding its offer. */
export function withOffer(info: Parameters<Harness["subscribe"]>[0] = {}) {
  const h = new Harness();
  const agent = h.addAgent("a1", "cpus:4;mem:1024");
  const fw = h.subscribe(info);
  h.allocate();
  const offer = h.offers(fw.streamId)[0];
  if (offer === undefined) throw new Error("no offer was made");
  return { h, agent, fw, offer };
}

/** Offers, accepts and launches `taskIds` on the agent; returns nothing, asserts success. */
export function launchTasks(
  h: Harness,
  fw: { frameworkId: string; streamId: string },
  agentId: string,
  taskIds: string[],
  resources = "cpus:1;mem:128",
): void {
  h.allocate();
  const offer = h
    .offers(fw.streamId)
    .filter((o) => o.agent_id.value === agentId)
    .at(-1);
  if (offer === undefined) throw new Error(`no offer for ${agentId}`);
  const tasks = taskIds.map((id) => commandTask(id, agentId, resources));
  h.launch(fw, [offer.id], tasks, { refuse_seconds: 0 });
}

/** The agent sends a status update for a task. */
export function agentUpdate(
  h: Harness,
  agentId: string,
  frameworkId: string,
  taskId: string,
  state: Task["state"],
  uuid: string | undefined,
  latestState?: Task["state"],
): MasterOutput[] {
  const status: AgentCall["update"] = {
    framework_id: { value: frameworkId },
    status: { task_id: { value: taskId }, state, source: "SOURCE_EXECUTOR" },
  };
  if (uuid !== undefined) status.status.uuid = uuid;
  if (latestState !== undefined) status.latest_state = latestState;
  return h.agentCall(agentId, { type: "UPDATE", agent_id: { value: agentId }, update: status });
}
