// `GET /master/usage` (a Tessera addition, not in Mesos): the cluster's resource usage from the
// agents' `/monitor/statistics`, collected by the leading master so the web UI never talks to
// agents. Totals are computed in usage-totals.ts.
//
// Cost at 10,000 agents: one request sweeps at most USAGE_SWEEP_AGENTS_MAX agents, the next
// ones in id order after the last sweep (round robin), USAGE_SWEEP_CONCURRENCY at a time, each
// given USAGE_AGENT_TIMEOUT_MS. The answer is cached USAGE_CACHE_MS and concurrent requests
// share one sweep, so any number of browsers cost one sweep every few seconds. Each agent's
// latest sample is kept (one an agent: the bound is the agent count) and the totals sum them,
// so on a large cluster a total mixes samples up to (agents / USAGE_SWEEP_AGENTS_MAX) sweeps
// old; an agent's rate is its cpu time over the time between two of its own samples. Chosen
// over the UI asking per agent: one number for the overview, with the master's work bounded.

import { leaderGuard } from "../../http/leader.ts";
import { jsonResponse } from "../../http/response.ts";
import type { HttpServer } from "../../http/server.ts";
import { agentPid } from "../core/views.ts";
import type { MasterHttpContext } from "./context.ts";
import { type AgentSample, agentSample, clusterUsage, parseStatistics } from "./usage-totals.ts";

/** Agents asked in one sweep. */
export const USAGE_SWEEP_AGENTS_MAX = 256;
/** Requests to agents in flight at once during a sweep. */
export const USAGE_SWEEP_CONCURRENCY = 16;
/** How long one agent may take to answer before it counts as failed in this sweep. */
export const USAGE_AGENT_TIMEOUT_MS = 2_000;
/** How long an answer is reused before a request starts the next sweep. */
export const USAGE_CACHE_MS = 3_000;

export interface UsageAgent {
  readonly id: string;
  /** `host:port` of its HTTP API. */
  readonly address: string;
}

export interface UsageRelayOptions {
  readonly agents: () => readonly UsageAgent[];
  readonly nowMs?: () => number;
  /** GETs the JSON at `url` within `timeoutMs`; rejects on failure (default: fetch). */
  readonly getJson?: (url: string, timeoutMs: number) => Promise<unknown>;
}

export interface UsageBody {
  readonly cpus_used: number;
  readonly mem_rss_bytes: number;
  readonly containers: number;
  readonly agents: {
    readonly total: number;
    readonly sampled: number;
    readonly with_rate: number;
    readonly swept: number;
    readonly failed: number;
  };
  readonly timestamp_ms: number;
}

async function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  const reply = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!reply.ok) throw new Error(`${url}: ${reply.status}`);
  return reply.json();
}

export class UsageRelay {
  readonly #options: UsageRelayOptions;
  readonly #samples = new Map<string, AgentSample>();
  /** The last agent id swept: the next sweep starts after it. */
  #cursor = "";
  #cached: { body: UsageBody; atMs: number } | undefined;
  #inFlight: Promise<UsageBody> | undefined;

  constructor(options: UsageRelayOptions) {
    this.#options = options;
  }

  #now(): number {
    return (this.#options.nowMs ?? Date.now)();
  }

  usage(): Promise<UsageBody> {
    const cached = this.#cached;
    if (cached !== undefined && this.#now() - cached.atMs < USAGE_CACHE_MS) {
      return Promise.resolve(cached.body);
    }
    this.#inFlight ??= this.#sweep().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** The agents this sweep asks: the next USAGE_SWEEP_AGENTS_MAX after the cursor, wrapping. */
  #pick(agents: readonly UsageAgent[]): UsageAgent[] {
    const sorted = [...agents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const start = sorted.findIndex((a) => a.id > this.#cursor);
    const from = start === -1 ? 0 : start;
    const picked = [...sorted.slice(from), ...sorted.slice(0, from)];
    return picked.slice(0, USAGE_SWEEP_AGENTS_MAX);
  }

  async #sweep(): Promise<UsageBody> {
    const agents = this.#options.agents();
    const known = new Set(agents.map((a) => a.id));
    for (const id of this.#samples.keys()) if (!known.has(id)) this.#samples.delete(id);
    const batch = this.#pick(agents);
    const last = batch[batch.length - 1];
    if (last !== undefined) this.#cursor = last.id;
    const getJson = this.#options.getJson ?? fetchJson;
    let failed = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let agent = batch[next++]; agent !== undefined; agent = batch[next++]) {
        const url = `http://${agent.address}/monitor/statistics`;
        const containers = parseStatistics(
          await getJson(url, USAGE_AGENT_TIMEOUT_MS).catch(() => undefined),
        );
        if (containers === undefined) failed++;
        else this.#samples.set(agent.id, agentSample(this.#samples.get(agent.id), containers));
      }
    };
    await Promise.all(Array.from({ length: USAGE_SWEEP_CONCURRENCY }, worker));
    const totals = clusterUsage(this.#samples.values());
    const atMs = this.#now();
    const body: UsageBody = {
      cpus_used: totals.cpus_used,
      mem_rss_bytes: totals.mem_rss_bytes,
      containers: totals.containers,
      agents: {
        total: agents.length,
        sampled: this.#samples.size,
        with_rate: totals.agents_with_rate,
        swept: batch.length,
        failed,
      },
      timestamp_ms: atMs,
    };
    this.#cached = { body, atMs };
    return body;
  }
}

/** The leader's relay over its registered agents (standbys redirect: the leader guard). */
export function registerUsageRelay(server: HttpServer, ctx: MasterHttpContext): void {
  const relay = new UsageRelay({
    agents: () => {
      const dispatcher = ctx.dispatcher;
      return dispatcher.core
        .snapshot(dispatcher.nowMs())
        .agents.filter((a) => a.connection === "registered")
        .map((a) => ({ id: a.id, address: agentPid(a).slice("slave(1)@".length) }));
    },
  });
  server.route({
    name: "usage",
    methods: ["GET"],
    guard: leaderGuard(ctx.view),
    handler: async () => jsonResponse(200, JSON.stringify(await relay.usage())),
  });
}
