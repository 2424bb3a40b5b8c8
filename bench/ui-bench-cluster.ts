// The UI load bench's cluster behind a real master, all over the wire: many fake agents on the
// master <-> agent channel (each a SUBSCRIBE stream; RUN_TASK answered with TASK_RUNNING, a
// kill with TASK_KILLED, status updates sent in batches per agent as a real agent does) and one
// HTTP scheduler that fills every offer with small tasks up to a target count and acknowledges
// every update. Agents are sized to hold exactly `tasksPerAgent` tasks, so the cluster is full
// once launched and a finished task's resources come back as one small offer that the
// scheduler fills again: churn() makes steady event traffic (finish, offer, launch, run).

import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { RecordIoReader } from "../src/ui/recordio.ts";
import { AGENT_CHANNEL_PATH } from "../src/wire/agent-channel.ts";

const TASK_CPUS = 0.1;
const TASK_MEM_MB = 32;
/** Agent SUBSCRIBEs in flight at once while registering. */
const SUBSCRIBES_IN_FLIGHT = 100;
/** Keep-alive sockets for calls (agent updates, scheduler calls). */
const CALL_SOCKETS = 32;
/** How often each agent's queued updates go out, as one POST. */
const FLUSH_INTERVAL_MS = 50;

type Json = Record<string, unknown>;

interface FakeAgent {
  index: number;
  id: string;
  streamId: string;
  queued: Json[];
  close: () => void;
}

const callAgent = new Agent({ keepAlive: true, maxSockets: CALL_SOCKETS });

function post(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent: callAgent,
        headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Opens a RecordIO stream (its own socket); events go to `onEvent` until it ends. */
function openStream(
  port: number,
  path: string,
  body: string,
  onEvent: (event: Json) => void,
): Promise<{ streamId: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent: false,
        headers: { "Content-Type": "application/json", Accept: "application/json" },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`${path} SUBSCRIBE answered ${res.statusCode}`));
          return;
        }
        const reader = new RecordIoReader();
        res.on("data", (chunk: Buffer) => {
          for (const record of reader.push(chunk)) onEvent(JSON.parse(record) as Json);
        });
        res.on("error", () => {});
        resolve({
          streamId: String(res.headers["mesos-stream-id"] ?? ""),
          close: () => req.destroy(),
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export interface ClusterShape {
  agents: number;
  tasks: number;
}

export class FakeCluster {
  readonly #port: number;
  readonly #shape: ClusterShape;
  readonly #tasksPerAgent: number;
  readonly #agents: FakeAgent[] = [];
  readonly #byId = new Map<string, FakeAgent>();
  /** Running tasks as [agent index, task id], for churn's random pick (swap-remove). */
  readonly #running: [number, string][] = [];
  #frameworkId = "";
  #schedulerStream = "";
  #closeScheduler: () => void = () => {};
  #nextTask = 0;
  #launched = 0;
  /** TASK_RUNNING updates the scheduler got, and its ACKNOWLEDGE calls not yet answered. */
  #runningSeen = 0;
  #acksInFlight = 0;
  #flusher: ReturnType<typeof setInterval> | undefined;
  /** Tasks that ended in a state other than the ones churn asked for (should stay 0). */
  failures = 0;

  constructor(port: number, shape: ClusterShape) {
    this.#port = port;
    this.#shape = shape;
    this.#tasksPerAgent = Math.ceil(shape.tasks / shape.agents);
  }

  get running(): number {
    return this.#running.length;
  }

  /** The scheduler's framework id and stream id, for calls of the bench's own. */
  get scheduler(): { frameworkId: string; streamId: string } {
    return { frameworkId: this.#frameworkId, streamId: this.#schedulerStream };
  }

  /** Registers every agent (bounded concurrency); resolves when all are SUBSCRIBED. */
  async registerAgents(): Promise<void> {
    const cpus = Math.round(this.#tasksPerAgent * TASK_CPUS * 10) / 10;
    const resources = [
      { name: "cpus", type: "SCALAR", scalar: { value: cpus } },
      { name: "mem", type: "SCALAR", scalar: { value: this.#tasksPerAgent * TASK_MEM_MB } },
    ];
    let next = 0;
    const worker = async () => {
      while (next < this.#shape.agents) {
        const index = next++;
        await this.#registerOne(index, resources);
      }
    };
    await Promise.all(Array.from({ length: SUBSCRIBES_IN_FLIGHT }, worker));
    this.#flusher = setInterval(() => this.#flush(), FLUSH_INTERVAL_MS);
  }

  async #registerOne(index: number, resources: Json[]): Promise<void> {
    const call = {
      type: "SUBSCRIBE",
      subscribe: {
        agent_info: { hostname: `ui-bench-${index}`, port: 5051, resources },
        version: "1.11.0",
        capabilities: [{ type: "MULTI_ROLE" }, { type: "HIERARCHICAL_ROLE" }],
        total_resources: resources,
        tasks: [],
        frameworks: [],
      },
    };
    let subscribed: (id: string) => void = () => {};
    const id = new Promise<string>((resolve) => {
      subscribed = resolve;
    });
    const agent: FakeAgent = { index, id: "", streamId: "", queued: [], close: () => {} };
    const stream = await openStream(
      this.#port,
      `/master/${AGENT_CHANNEL_PATH}`,
      JSON.stringify(call),
      (event) => this.#onAgentEvent(agent, event, subscribed),
    );
    agent.streamId = stream.streamId;
    agent.close = stream.close;
    agent.id = await id;
    this.#agents[index] = agent;
    this.#byId.set(agent.id, agent);
  }

  #onAgentEvent(agent: FakeAgent, event: Json, subscribed: (id: string) => void): void {
    switch (event.type) {
      case "SUBSCRIBED":
        subscribed((event.subscribed as { agent_id: { value: string } }).agent_id.value);
        return;
      case "PING":
        agent.queued.push({ type: "PONG" });
        return;
      case "RUN_TASK": {
        const taskId = (event.run_task as { task: { task_id: { value: string } } }).task.task_id
          .value;
        this.#running.push([agent.index, taskId]);
        this.#queueUpdate(agent, taskId, "TASK_RUNNING");
        return;
      }
      case "KILL_TASK": {
        const taskId = (event.kill_task as { task_id: { value: string } }).task_id.value;
        this.#queueUpdate(agent, taskId, "TASK_KILLED");
        return;
      }
    }
  }

  #queueUpdate(agent: FakeAgent, taskId: string, state: string): void {
    const agent_id = { value: agent.id };
    agent.queued.push({
      type: "UPDATE",
      update: {
        framework_id: { value: this.#frameworkId },
        status: {
          task_id: { value: taskId },
          state,
          source: "SOURCE_EXECUTOR",
          agent_id,
          timestamp: Date.now() / 1000,
          uuid: randomBytes(16).toString("base64"),
        },
        latest_state: state,
      },
    });
  }

  #flush(): void {
    for (const agent of this.#agents) {
      if (agent === undefined || agent.queued.length === 0) continue;
      const calls = agent.queued.map((c) => ({ agent_id: { value: agent.id }, ...c }));
      agent.queued = [];
      void post(this.#port, `/master/${AGENT_CHANNEL_PATH}`, JSON.stringify(calls), {
        "Mesos-Stream-Id": agent.streamId,
      }).catch(() => {});
    }
  }

  /**
   * Subscribes the scheduler; resolves once `tasks` tasks are running and the launch is over:
   * the scheduler got every TASK_RUNNING and the master answered every acknowledgement (the
   * agents count a task once RUN_TASK reaches them, long before; the first render measured
   * next would otherwise share the master with the launch's last thousands of updates).
   */
  async launchTasks(timeoutMs: number): Promise<void> {
    let subscribed: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      subscribed = resolve;
    });
    const stream = await openStream(
      this.#port,
      "/api/v1/scheduler",
      JSON.stringify({
        type: "SUBSCRIBE",
        subscribe: { framework_info: { user: "bench", name: "ui-bench" } },
      }),
      (event) => this.#onSchedulerEvent(event, subscribed),
    );
    this.#schedulerStream = stream.streamId;
    this.#closeScheduler = stream.close;
    await ready;
    const deadline = Date.now() + timeoutMs;
    while (
      this.#running.length < this.#shape.tasks ||
      this.#runningSeen < this.#shape.tasks ||
      this.#acksInFlight > 0
    ) {
      if (Date.now() > deadline) {
        throw new Error(
          `only ${this.#running.length} of ${this.#shape.tasks} tasks running (${this.#runningSeen} seen by the scheduler, ${this.#acksInFlight} acknowledgements unanswered)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  #schedulerCall(call: Json, answered: () => void = () => {}): void {
    const body = JSON.stringify({ framework_id: { value: this.#frameworkId }, ...call });
    void post(this.#port, "/api/v1/scheduler", body, {
      "Mesos-Stream-Id": this.#schedulerStream,
    })
      .catch(() => {})
      .finally(answered);
  }

  #onSchedulerEvent(event: Json, subscribed: () => void): void {
    if (event.type === "SUBSCRIBED") {
      this.#frameworkId = (
        event.subscribed as { framework_id: { value: string } }
      ).framework_id.value;
      subscribed();
    } else if (event.type === "OFFERS") {
      for (const offer of (event.offers as { offers?: Json[] }).offers ?? []) this.#fill(offer);
    } else if (event.type === "UPDATE") {
      const status = (event.update as { status: Json }).status as {
        task_id: { value: string };
        agent_id: { value: string };
        state: string;
        uuid?: string;
      };
      if (status.state !== "TASK_RUNNING" && status.state !== "TASK_FINISHED") this.failures++;
      if (status.state === "TASK_RUNNING") this.#runningSeen++;
      if (status.uuid === undefined) return;
      this.#acksInFlight++;
      this.#schedulerCall(
        {
          type: "ACKNOWLEDGE",
          acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
        },
        () => this.#acksInFlight--,
      );
    }
  }

  /** Fills one offer with tasks, up to the target count; declines what is left. */
  #fill(offer: Json): void {
    const o = offer as {
      id: { value: string };
      agent_id: { value: string };
      resources: { name: string; scalar?: { value: number } }[];
    };
    const amount = (name: string) => o.resources.find((r) => r.name === name)?.scalar?.value ?? 0;
    const fit = Math.floor(
      Math.min(amount("cpus") / TASK_CPUS + 1e-6, amount("mem") / TASK_MEM_MB + 1e-6),
    );
    const count = Math.max(0, Math.min(fit, this.#shape.tasks - this.#launched));
    const resources = [
      { name: "cpus", type: "SCALAR", scalar: { value: TASK_CPUS } },
      { name: "mem", type: "SCALAR", scalar: { value: TASK_MEM_MB } },
    ];
    const taskInfos = Array.from({ length: count }, () => ({
      name: "ui-bench",
      task_id: { value: `ui-bench-${this.#nextTask++}` },
      agent_id: o.agent_id,
      resources,
      command: { value: "true" },
    }));
    this.#launched += count;
    this.#schedulerCall({
      type: "ACCEPT",
      accept: {
        offer_ids: [o.id],
        operations: count === 0 ? [] : [{ type: "LAUNCH", launch: { task_infos: taskInfos } }],
        filters: { refuse_seconds: 1 },
      },
    });
  }

  /** Finishes `count` random running tasks; the scheduler launches as many again. */
  churn(count: number): void {
    for (let i = 0; i < count && this.#running.length > 0; i++) {
      const at = Math.floor(Math.random() * this.#running.length);
      const [index, taskId] = this.#running[at]!;
      this.#running[at] = this.#running[this.#running.length - 1]!;
      this.#running.pop();
      this.#launched--;
      const agent = this.#agents[index];
      if (agent !== undefined) this.#queueUpdate(agent, taskId, "TASK_FINISHED");
    }
  }

  close(): void {
    if (this.#flusher !== undefined) clearInterval(this.#flusher);
    this.#closeScheduler();
    for (const agent of this.#agents) agent?.close();
    callAgent.destroy();
  }
}
