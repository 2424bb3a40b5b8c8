// A test agent: speaks the master <-> agent channel over real HTTP, as a Tessera agent would.
// It subscribes (registers, or re-registers with its tasks), answers PINGs with PONGs, records
// every event from the master, and sends status updates on request.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { postCall, subscribe } from "../../../src/http/client.ts";
import { AGENT_CHANNEL_PATH } from "../../../src/wire/agent-channel.ts";
import { Waiters } from "../../support/eventually.ts";
import { EVENT_WAIT_MS, type Event } from "./helpers.ts";

export const DEFAULT_AGENT_RESOURCES = [
  { name: "cpus", type: "SCALAR", scalar: { value: 4 } },
  { name: "mem", type: "SCALAR", scalar: { value: 4096 } },
  { name: "disk", type: "SCALAR", scalar: { value: 10000 } },
  { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 32000 }] } },
];

export interface TestAgentOptions {
  hostname?: string;
  port?: number;
  resources?: unknown[];
  /** Re-register as this agent with these tasks (after a master restart). */
  agentId?: string;
  tasks?: unknown[];
  frameworks?: unknown[];
  /** Answer PINGs (default true). */
  pong?: boolean;
  /** The advertised address (default none: the master takes the hostname as its IP). */
  address?: { ip: string; port: number };
  /** The agent's attributes (AgentInfo.attributes). */
  attributes?: unknown[];
}

export class TestAgent {
  readonly events: Event[] = [];
  agentId = "";
  streamId = "";
  readonly #url: string;
  readonly #waiters = new Waiters();
  #close: () => void = () => {};
  #ended = false;
  #pong = true;

  private constructor(masterUrl: string) {
    this.#url = `${masterUrl}/master/${AGENT_CHANNEL_PATH}`;
  }

  /** Subscribes and waits for SUBSCRIBED. */
  static async start(masterUrl: string, options: TestAgentOptions = {}): Promise<TestAgent> {
    const agent = new TestAgent(masterUrl);
    agent.#pong = options.pong ?? true;
    const resources = options.resources ?? DEFAULT_AGENT_RESOURCES;
    const sub: Record<string, unknown> = {
      agent_info: {
        hostname: options.hostname ?? "agent1",
        port: options.port ?? 5051,
        resources,
        ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
      },
      version: "1.11.0",
      capabilities: [{ type: "MULTI_ROLE" }, { type: "HIERARCHICAL_ROLE" }],
      total_resources: resources,
      tasks: options.tasks ?? [],
      frameworks: options.frameworks ?? [],
      ...(options.address === undefined ? {} : { address: options.address }),
    };
    const call: Record<string, unknown> = { type: "SUBSCRIBE", subscribe: sub };
    if (options.agentId !== undefined) {
      sub.agent_id = { value: options.agentId };
      call.agent_id = { value: options.agentId };
    }
    const res = await subscribe(agent.#url, JSON.stringify(call));
    assert.ok(res.ok, `agent SUBSCRIBE refused: ${res.ok ? "" : res.response.body}`);
    agent.streamId = res.streamId ?? "";
    agent.#close = () => res.close();
    void agent.#pump(res.events);
    const subscribed = await agent.waitFor("SUBSCRIBED");
    agent.agentId = (subscribed.subscribed as { agent_id: { value: string } }).agent_id.value;
    return agent;
  }

  async #pump(events: AsyncIterable<unknown>): Promise<void> {
    try {
      for await (const raw of events) {
        const event = raw as Event;
        this.events.push(event);
        if (event.type === "PING" && this.#pong) void this.call({ type: "PONG" }).catch(() => {});
        this.#waiters.wake();
      }
    } catch {
      // The connection dropped: the stream has ended.
    } finally {
      this.#ended = true;
      this.#waiters.wake();
    }
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The first event of `type` not yet taken by an earlier waitFor (bounded wait). */
  #taken = new Set<Event>();
  async waitFor(type: string, timeoutMs = EVENT_WAIT_MS): Promise<Event> {
    const found = await this.#waiters.until(
      `the agent to get ${type}`,
      () => {
        const event = this.events.find((e) => e.type === type && !this.#taken.has(e));
        assert.ok(
          event !== undefined || !this.#ended,
          `agent stream ended while waiting for ${type}`,
        );
        return event;
      },
      { timeoutMs },
    );
    this.#taken.add(found);
    return found;
  }

  /** Waits until the master ends this agent's stream (bounded). */
  async waitForEnd(timeoutMs = EVENT_WAIT_MS): Promise<void> {
    await this.#waiters.until("the master to end the agent stream", () => this.#ended, {
      timeoutMs,
    });
  }

  /** POSTs an agent call on this agent's stream. */
  call(body: Record<string, unknown>): Promise<{ status: number; body: string }> {
    return postCall(this.#url, JSON.stringify({ agent_id: { value: this.agentId }, ...body }), {
      headers: { "Mesos-Stream-Id": this.streamId },
    });
  }

  /** Sends a status update with a fresh uuid (to be acknowledged); returns the uuid. */
  async sendUpdate(
    frameworkId: string,
    taskId: string,
    state: string,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const uuid = randomBytes(16).toString("base64");
    const res = await this.call({
      type: "UPDATE",
      update: {
        framework_id: { value: frameworkId },
        status: {
          task_id: { value: taskId },
          state,
          source: "SOURCE_EXECUTOR",
          agent_id: { value: this.agentId },
          timestamp: Date.now() / 1000,
          uuid,
          ...extra,
        },
        latest_state: state,
      },
    });
    assert.equal(res.status, 202, res.body);
    return uuid;
  }

  close(): void {
    this.#close();
  }
}
