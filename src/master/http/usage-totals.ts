// What the master's usage relay (usage-relay.ts) computes from agents' `/monitor/statistics`
// (reference §4, a JSON list of {framework_id, executor_id, statistics}): per agent the cpus in
// use — the rate of each container's cpu time (user + system) between two samples of that
// agent, summed — and the memory resident (mem_rss_bytes); over the cluster, their sums. Pure
// functions over parsed JSON; the relay does the fetching and the clock.

/** Containers kept from one agent's answer; the rest are dropped (and counted). */
export const USAGE_CONTAINERS_PER_AGENT_MAX = 10_000;

export interface ContainerSample {
  /** cpus_user_time_secs + cpus_system_time_secs. */
  readonly cpuSecs: number;
  /** The statistics' own timestamp (seconds since the epoch). */
  readonly timestampSecs: number;
  readonly memRssBytes: number;
}

export interface AgentSample {
  /** By `framework_id/executor_id`. */
  readonly containers: ReadonlyMap<string, ContainerSample>;
  /** Sum of the rates of the containers also in the previous sample; 0 on a first sample. */
  readonly cpusUsed: number;
  readonly memRssBytes: number;
  /** False on an agent's first sample: no rate yet. */
  readonly hasRate: boolean;
}

export interface ClusterUsage {
  readonly cpus_used: number;
  readonly mem_rss_bytes: number;
  readonly containers: number;
  /** Agents whose cpus_used is a rate (sampled at least twice). */
  readonly agents_with_rate: number;
}

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** The containers of one `/monitor/statistics` answer; undefined if it is not such a list. */
export function parseStatistics(json: unknown): Map<string, ContainerSample> | undefined {
  if (!Array.isArray(json)) return undefined;
  const out = new Map<string, ContainerSample>();
  for (const entry of json.slice(0, USAGE_CONTAINERS_PER_AGENT_MAX)) {
    const e = entry as Record<string, unknown> | null;
    const stats = e?.statistics as Record<string, unknown> | undefined;
    const timestampSecs = num(stats?.timestamp);
    if (e === null || stats === undefined || timestampSecs === undefined) continue;
    const key = `${String(e.framework_id ?? "")}/${String(e.executor_id ?? "")}`;
    out.set(key, {
      cpuSecs: (num(stats.cpus_user_time_secs) ?? 0) + (num(stats.cpus_system_time_secs) ?? 0),
      timestampSecs,
      memRssBytes: num(stats.mem_rss_bytes) ?? 0,
    });
  }
  return out;
}

/** An agent's new sample, its rate taken against the previous one (containers in both). */
export function agentSample(
  previous: AgentSample | undefined,
  containers: ReadonlyMap<string, ContainerSample>,
): AgentSample {
  let cpusUsed = 0;
  let memRssBytes = 0;
  for (const [key, c] of containers) {
    memRssBytes += c.memRssBytes;
    const p = previous?.containers.get(key);
    const seconds = p === undefined ? 0 : c.timestampSecs - p.timestampSecs;
    // A counter going back is a restarted container under the same key: no rate this time.
    if (p !== undefined && seconds > 0 && c.cpuSecs >= p.cpuSecs) {
      cpusUsed += (c.cpuSecs - p.cpuSecs) / seconds;
    }
  }
  return { containers, cpusUsed, memRssBytes, hasRate: previous !== undefined };
}

/** The cluster's totals over the agents' latest samples. */
export function clusterUsage(samples: Iterable<AgentSample>): ClusterUsage {
  let cpus = 0;
  let mem = 0;
  let containers = 0;
  let withRate = 0;
  for (const s of samples) {
    cpus += s.cpusUsed;
    mem += s.memRssBytes;
    containers += s.containers.size;
    if (s.hasRate) withRate++;
  }
  return { cpus_used: cpus, mem_rss_bytes: mem, containers, agents_with_rate: withRate };
}
