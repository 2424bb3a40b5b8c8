import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeWire, parseWire } from "../../src/wire/json.ts";
import { ResourceStatistics, ResourceUsage } from "../../src/wire/usage.ts";
import { errorOf } from "./wire-asserts.ts";

const STATS = {
  timestamp: 1724431234.5,
  processes: 3,
  threads: "12",
  cpus_user_time_secs: 1.25,
  cpus_system_time_secs: 0.5,
  cpus_limit: 1.1,
  cpus_nr_periods: 100,
  cpus_nr_throttled: 2,
  cpus_throttled_time_secs: 0.01,
  mem_total_bytes: 134217728,
  mem_limit_bytes: "167772160",
  mem_rss_bytes: 100000000,
  mem_low_pressure_counter: 0,
  disk_limit_bytes: 1073741824,
  disk_used_bytes: 4096,
  disk_statistics: [{ persistence: { id: "vol-1" }, limit_bytes: 1024, used_bytes: 12 }],
  blkio_statistics: { cfq: [{ device: { major_number: 8, minor_number: 0 } }] },
  net_rx_bytes: 1000,
  net_tx_bytes: 2000,
  net_tcp_rtt_microsecs_p50: 120.5,
  net_tcp_active_connections: 4,
  net_snmp_statistics: { tcp_stats: { ActiveOpens: 3 } },
};

test("container statistics parse; only the timestamp is required", () => {
  const r = parseWire(ResourceStatistics, STATS);
  assert.ok(r.ok);
  assert.equal(r.value.threads, 12);
  assert.equal(r.value.mem_limit_bytes, 167772160);
  // Opaque kernel statistics are carried through untouched.
  assert.deepEqual(r.value.blkio_statistics, STATS.blkio_statistics);
  assert.equal(encodeWire(ResourceStatistics, { timestamp: 1.5 }), '{"timestamp":1.5}');
  assert.equal(
    errorOf(parseWire(ResourceStatistics, { processes: 1 })),
    "Missing required fields: timestamp",
  );
  assert.match(
    errorOf(parseWire(ResourceStatistics, { timestamp: 1, mem_rss_bytes: -1 })),
    /^mem_rss_bytes: /,
  );
});

test("a usage report lists executors with their container, tasks and statistics", () => {
  const r = parseWire(ResourceUsage, {
    executors: [
      {
        executor_info: {
          executor_id: { value: "sleeper-1" },
          command: { value: "mesos-executor" },
        },
        allocated: [{ name: "cpus", type: "SCALAR", scalar: { value: 0.6 } }],
        statistics: STATS,
        container_id: { value: "9d2c" },
        tasks: [{ name: "sleeper", id: { value: "sleeper-1" }, resources: [] }],
      },
    ],
    total: [{ name: "cpus", type: "SCALAR", scalar: { value: 4 } }],
  });
  assert.ok(r.ok);
  assert.equal(r.value.executors?.[0]?.statistics?.mem_rss_bytes, 100000000);
  assert.equal(
    errorOf(parseWire(ResourceUsage, { executors: [{ tasks: [{ name: "t" }] }] })),
    "Missing required fields: executors[0].executor_info, executors[0].container_id, executors[0].tasks[0].id",
  );
});
