// The overview's parts read from the master's Tessera endpoints every few seconds while the
// page is open (neither is on the event stream): the leader and standbys (`/master/masters`,
// from the ZooKeeper election group) and the cluster's usage from the agents' statistics
// (`/master/usage`, the master's relay: the browser never asks an agent) as time series.
// Both wait for the stream's first SUBSCRIBED: on a large cluster the master prints tens of MB
// of state for it, and a usage sweep (hundreds of agent requests) beside it delayed the
// overview's totals, which matter more (bench/ui.bench.ts).
import { type ComponentChild, h } from "preact";
import { authFetch } from "./auth.ts";
import { chart } from "./chart.ts";
import { SAMPLES_MAX } from "./model.ts";
import { usePolled } from "./poll.ts";

const POLL_MS = 5_000;

interface MasterInfo {
  id: string;
  hostname?: string;
  port?: number;
  address?: { ip?: string; hostname?: string; port?: number };
}

interface Masters {
  leader?: MasterInfo;
  standbys: MasterInfo[];
}

interface Usage {
  cpus_used: number;
  mem_rss_bytes: number;
  containers: number;
  agents: { total: number; sampled: number; with_rate: number };
  timestamp_ms: number;
}

export interface UsageSample {
  readonly atMs: number;
  readonly cpusUsed: number;
  readonly memUsedMb: number;
}

/** This session's usage samples (kept across visits of the page), the oldest dropped. */
const usageSamples: UsageSample[] = [];

async function getJson<T>(path: string): Promise<T> {
  const r = await authFetch(path, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error(`${path}: ${r.status} ${(await r.text()).trim()}`);
  return (await r.json()) as T;
}

function where(m: MasterInfo): string {
  const host = m.address?.hostname ?? m.hostname ?? m.address?.ip ?? "?";
  return `${host}:${m.address?.port ?? m.port ?? "?"}`;
}

/** The leader and the standbys, as the masters' election group lists them. */
export function MastersCard({ synced }: { synced: boolean }): ComponentChild {
  const { value, error } = usePolled(
    synced ? "/master" : "",
    () => getJson<Masters>("/master/masters"),
    [],
    POLL_MS,
  );
  const rows: [string, MasterInfo][] = [
    ...(value?.leader === undefined ? [] : [["leader", value.leader] as [string, MasterInfo]]),
    ...(value?.standbys ?? []).map((m) => ["standby", m] as [string, MasterInfo]),
  ];
  return h(
    "section",
    { class: "card", "data-testid": "masters" },
    h("h3", null, "Masters"),
    error !== ""
      ? h("p", { class: "error" }, `Cannot read the masters: ${error}`)
      : rows.length === 0
        ? h("p", { class: "empty" }, value === undefined ? "loading…" : "no leader known")
        : h(
            "table",
            null,
            rows.map(([role, m]) =>
              h(
                "tr",
                { key: m.id, "data-role": role },
                h("td", null, role),
                h("td", null, h("code", null, where(m))),
                h("td", { class: "dim" }, m.id),
              ),
            ),
          ),
  );
}

/** Cpus and memory in use over time, from the master's relay of the agents' statistics. */
export function UsageCharts({ synced }: { synced: boolean }): ComponentChild {
  const { value, error } = usePolled(
    synced ? "/master" : "",
    async () => {
      const usage = await getJson<Usage>("/master/usage");
      const last = usageSamples[usageSamples.length - 1];
      // The master caches its answer for a few seconds: one sample per answer.
      if (last === undefined || last.atMs !== usage.timestamp_ms) {
        usageSamples.push({
          atMs: usage.timestamp_ms,
          cpusUsed: usage.cpus_used,
          memUsedMb: usage.mem_rss_bytes / (1024 * 1024),
        });
        if (usageSamples.length > SAMPLES_MAX) usageSamples.shift();
      }
      return usage;
    },
    [],
    POLL_MS,
  );
  const note =
    error !== ""
      ? `usage: ${error}`
      : value === undefined
        ? "usage: loading…"
        : `usage of ${value.containers} containers on ${value.agents.sampled} of ${value.agents.total} agents`;
  return h(
    "div",
    { class: "usage", "data-testid": "usage" },
    chart("CPUs in use", usageSamples, [["used", "#c63", (s) => s.cpusUsed]]),
    chart("Memory in use (MB, rss)", usageSamples, [["used", "#c63", (s) => s.memUsedMb]]),
    h("p", { class: "dim", "data-testid": "usage-note" }, note),
  );
}
