// The usage relay's arithmetic (usage-totals.ts) and its sweep (usage-relay.ts) over fake agents:
// cpus in use are the rate of each container's cpu time between two samples; memory is the
// sum of rss; a sweep asks a bounded number of agents, round robin; answers are cached and
// shared; a failing agent is counted, not fatal.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  USAGE_CACHE_MS,
  USAGE_SWEEP_AGENTS_MAX,
  UsageRelay,
} from "../../../src/master/http/usage-relay.ts";
import {
  agentSample,
  clusterUsage,
  parseStatistics,
} from "../../../src/master/http/usage-totals.ts";

const entry = (executor: string, t: number, user: number, sys: number, rss: number) => ({
  framework_id: "fw",
  executor_id: executor,
  statistics: {
    timestamp: t,
    cpus_user_time_secs: user,
    cpus_system_time_secs: sys,
    mem_rss_bytes: rss,
  },
});

test("cpus used is the rate of cpu time between two samples, summed over containers in both", () => {
  const first = agentSample(
    undefined,
    parseStatistics([entry("a", 100, 10, 2, 1000)]) ?? new Map(),
  );
  assert.equal(first.cpusUsed, 0, "no rate from one sample");
  assert.equal(first.hasRate, false);
  const second = agentSample(
    first,
    parseStatistics([entry("a", 110, 25, 2, 3000), entry("b", 110, 50, 0, 500)]) ?? new Map(),
  );
  assert.equal(second.cpusUsed, 1.5, "15 cpu seconds in 10 s; b is new");
  assert.equal(second.memRssBytes, 3500);
  const restarted = agentSample(second, parseStatistics([entry("a", 120, 1, 0, 10)]) ?? new Map());
  assert.equal(restarted.cpusUsed, 0, "a counter going back gives no rate");
  const total = clusterUsage([second, restarted]);
  assert.deepEqual(total, {
    cpus_used: 1.5,
    mem_rss_bytes: 3510,
    containers: 3,
    agents_with_rate: 2,
  });
  assert.equal(parseStatistics({ not: "a list" }), undefined);
  assert.equal(
    parseStatistics([{ statistics: {} }])?.size,
    0,
    "an entry without timestamp is skipped",
  );
});

test("a sweep asks a bounded batch, round robin; answers are cached and shared; failures counted", async () => {
  let nowMs = 1_000_000;
  const agents = Array.from({ length: USAGE_SWEEP_AGENTS_MAX + 10 }, (_, i) => ({
    id: `agent-${String(i).padStart(4, "0")}`,
    address: `10.0.0.${i}:5051`,
  }));
  const asked: string[] = [];
  const relay = new UsageRelay({
    agents: () => agents,
    nowMs: () => nowMs,
    getJson: async (url) => {
      asked.push(url);
      if (url.includes("10.0.0.0:")) throw new Error("down");
      return [entry("e", nowMs / 1000, nowMs / 1000, 0, 1)];
    },
  });
  const [a, b] = await Promise.all([relay.usage(), relay.usage()]);
  assert.equal(a, b, "concurrent requests share one sweep");
  assert.equal(asked.length, USAGE_SWEEP_AGENTS_MAX);
  assert.equal(a.agents.failed, 1);
  assert.equal(a.agents.sampled, USAGE_SWEEP_AGENTS_MAX - 1);
  assert.equal(await relay.usage(), a, "cached");

  nowMs += USAGE_CACHE_MS;
  const c = await relay.usage();
  assert.equal(asked.length, USAGE_SWEEP_AGENTS_MAX * 2);
  // The second sweep starts after the first one's last agent and wraps around.
  assert.ok(asked[USAGE_SWEEP_AGENTS_MAX]?.includes(`10.0.0.${USAGE_SWEEP_AGENTS_MAX}:`));
  assert.equal(c.agents.total, agents.length);
  assert.equal(c.agents.sampled, agents.length - 1);
  // Agents sampled twice run one cpu each (cpu seconds grow as fast as time).
  assert.equal(c.cpus_used, c.agents.with_rate);
  assert.ok(c.agents.with_rate > 0);
});
