// Conformance: legacy endpoints and metrics with several tasks (reference §4.5, §4.6, §9.2
// TasksEndpoint, metrics in /metrics/snapshot): /master/tasks paging and order by first status,
// /master/slaves' *_full resources, and the §4.6 metric keys with their zero counters.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { assertMetrics } from "../../support/metrics.ts";
import { getJson, type Loose, launchRunning, webFramework } from "./helpers.ts";
import { masterSuite } from "./suite.ts";

describe("legacy endpoints and metrics with three tasks", () => {
  const { master, agent, scheduler } = masterSuite({
    flags: { allocation_interval: "50ms" },
    agent: { hostname: "legacy-agent" },
    framework: webFramework("gina", "pager"),
  });
  before(async () => {
    // Launched one after another: their first statuses are in this order.
    for (const id of ["p-1", "p-2", "p-3"]) await launchRunning(master, scheduler, agent, id);
  });

  const ids = async (query: string) =>
    ((await getJson(`${master.url}/master/tasks${query}`)).json as Loose).tasks.map(
      (t: Loose) => t.id,
    );

  it("/master/tasks orders by first status (descending by default) and pages with offset and limit", async () => {
    assert.deepEqual(await ids(""), ["p-3", "p-2", "p-1"]);
    assert.deepEqual(await ids("?order=asc"), ["p-1", "p-2", "p-3"]);
    assert.deepEqual(await ids("?order=asc&offset=1&limit=1"), ["p-2"]);
    assert.deepEqual(await ids("?limit=2"), ["p-3", "p-2"]);
    assert.deepEqual(await ids("?task_id=p-2"), ["p-2"]);
    assert.deepEqual(await ids(`?framework_id=${scheduler.frameworkId}&offset=3`), []);
    const bad = await fetch(`${master.url}/master/tasks?limit=-1`);
    assert.equal(bad.status, 400);
    assert.equal(await bad.text(), "Failed to parse 'limit': not a non-negative integer");
  });

  it("/master/slaves adds the *_full resources in protobuf JSON", async () => {
    const { status, json } = await getJson(`${master.url}/master/slaves`);
    assert.equal(status, 200);
    const slave = json.slaves[0];
    assert.equal(slave.id, agent.agentId);
    const used = slave.used_resources_full.find((r: Loose) => r.name === "cpus");
    assert.equal(used.scalar.value, 3);
    assert.equal(used.role, "*");
    assert.ok(slave.unreserved_resources_full.some((r: Loose) => r.name === "ports"));
    assert.deepEqual(slave.reserved_resources_full, {});
    assert.ok(Array.isArray(slave.offered_resources_full));
  });

  it("the deprecated .json names (state.json, tasks.json, roles.json) answer as the canonical endpoints, jsonp included", async () => {
    const text = async (path: string) => {
      const res = await fetch(`${master.url}${path}`);
      assert.equal(res.status, 200, path);
      return res.text();
    };
    for (const [canonical, alias] of [
      ["/master/state", "/master/state.json"],
      ["/master/state", "/state.json"],
      ["/master/tasks", "/master/tasks.json"],
      ["/master/tasks?order=asc&limit=2", "/tasks.json?order=asc&limit=2"],
      ["/master/roles", "/master/roles.json"],
    ] as const) {
      // Offers may come and go between two reads: the alias must match a read on either side.
      const before = await text(canonical);
      const got = await text(alias);
      const after = await text(canonical);
      assert.ok(got === before || got === after, `${alias} answers as ${canonical}`);
    }
    const jsonp = await fetch(`${master.url}/master/state.json?jsonp=show`);
    assert.equal(jsonp.headers.get("content-type"), "text/javascript");
    assert.match(await jsonp.text(), /^show\(\{.*\}\);$/s);
  });

  it("/metrics/snapshot has the §4.6 keys, counters at zero until counted, message counters", async () => {
    const m = (await getJson(`${master.url}/metrics/snapshot`)).json as Record<string, number>;
    for (const key of [
      "master/uptime_secs",
      "master/cpus_revocable_total",
      "master/mem_used",
      "master/slaves_active",
      "master/slaves_unreachable",
      "master/frameworks_connected",
      "master/outstanding_offers",
      "master/tasks_staging",
      "system/load_1min",
    ]) {
      assert.equal(typeof m[key], "number", key);
    }
    assertMetrics(m, {
      "master/tasks_running": 3,
      "master/cpus_used": 3,
      "master/tasks_finished": 0,
      "master/tasks_gone_by_operator": 0,
      "master/slave_registrations": 1,
      "master/messages_register_framework": 1,
      "master/messages_launch_tasks": 3,
      "master/messages_status_update": 3,
      "master/valid_status_updates": 3,
    });
    const text = await (await fetch(`${master.url}/metrics`)).text();
    assert.match(text, /^master_tasks_running 3$/m);
    assert.match(text, /^master_messages_launch_tasks 3$/m);
  });

  it("/metrics/snapshot times allocation runs and registry writes, and lists the framework's own keys", async () => {
    const m = (await getJson(`${master.url}/metrics/snapshot`)).json as Record<string, number>;
    // Allocation runs every 50 ms here: several have run, each timed.
    assert.ok(
      (m["allocator/mesos/allocation_runs"] ?? 0) >= 2,
      String(m["allocator/mesos/allocation_runs"]),
    );
    for (const timer of [
      "allocator/mesos/allocation_run_ms",
      "allocator/mesos/allocation_run_latency_ms",
      "registrar/state_store_ms",
      "registrar/state_fetch_ms",
    ]) {
      for (const suffix of ["", "/count", "/min", "/max", "/p50", "/p99", "/p9999"]) {
        assert.equal(typeof m[timer + suffix], "number", timer + suffix);
      }
    }
    assert.ok((m["registrar/state_store_ms/count"] ?? 0) >= 1);
    assert.equal(m["registrar/queued_operations"], 0);
    assert.equal(m["allocator/mesos/resources/cpus/total"], m["master/cpus_total"]);
    const prefix = Object.keys(m).find((k) =>
      /^master\/frameworks\/[^/]+\/[^/]+\/subscribed$/.test(k),
    );
    assert.ok(prefix !== undefined, "a per-framework key");
    const base = prefix.slice(0, -"subscribed".length);
    assertMetrics(m, {
      [`${base}subscribed`]: 1,
      [`${base}tasks/active/task_running`]: 3,
      [`${base}operations/launch`]: 3,
    });
  });
});
