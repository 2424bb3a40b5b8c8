// disk/du end to end: a real master and agent with `--enforce_container_disk_quota`. The agent's
// /monitor/statistics reports a running task's sandbox use against its disk resource, and a
// task that writes past its `disk` is ended TASK_FAILED with REASON_CONTAINER_LIMITATION_DISK,
// as Mesos's disk/du isolator reports it, leaving no process behind.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventually } from "../../support/eventually.ts";
import { clusterForSuite, processesWith } from "./cluster.ts";
import { commandTask, type Loose } from "./helpers.ts";

const MB = 1024 * 1024;

function resources(diskMb: number) {
  return [
    { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
    { name: "mem", type: "SCALAR", scalar: { value: 32 } },
    { name: "disk", type: "SCALAR", scalar: { value: diskMb } },
  ];
}

/** disk/du measuring every 50 ms, and a task over its disk ended. */
const DISK_FLAGS = {
  isolation: "posix/cpu,posix/mem,disk/du",
  container_disk_watch_interval: "50ms",
  enforce_container_disk_quota: "true",
};

describe("disk/du with a real master and agent", () => {
  const cluster = clusterForSuite("disk", DISK_FLAGS);

  it("/monitor/statistics shows a running task's sandbox use and its disk limit", async () => {
    const marker = `tessera-disk-ok-${process.pid}`;
    const agentId = await cluster.launch([
      commandTask("disk-ok", `head -c ${2 * MB} /dev/zero > blob; sleep 60 # ${marker}`, {
        resources: resources(16),
      }),
    ]);
    await cluster.framework.state("disk-ok", "TASK_RUNNING");
    const entry = await eventually(
      "statistics showing the task's 2 MB",
      async () => {
        const res = await fetch(`${cluster.agent.url}/monitor/statistics`);
        const e = ((await res.json()) as Loose[]).find((x) => x.executor_id === "disk-ok");
        return (e?.statistics?.disk_used_bytes ?? 0) >= 2 * MB ? e : undefined;
      },
      { everyMs: 50 },
    );
    assert.equal(entry.framework_id, cluster.framework.id);
    assert.equal(entry.statistics.disk_limit_bytes, 16 * MB);
    assert.ok(entry.statistics.disk_used_bytes < 16 * MB);
    await cluster.framework.kill(agentId, "disk-ok");
    await cluster.framework.state("disk-ok", "TASK_KILLED");
  });

  it("a task writing past its disk is TASK_FAILED with REASON_CONTAINER_LIMITATION_DISK", async () => {
    const marker = `tessera-disk-over-${process.pid}`;
    await cluster.launch([
      commandTask("disk-over", `head -c ${4 * MB} /dev/zero > blob; sleep 60 # ${marker}`, {
        resources: resources(1),
      }),
    ]);
    const failed = await cluster.framework.state("disk-over", "TASK_FAILED", 30_000);
    assert.equal(failed.status.reason, "REASON_CONTAINER_LIMITATION_DISK");
    assert.equal(failed.status.source, "SOURCE_AGENT");
    assert.match(failed.status.message ?? "", /Disk usage \(.*\) exceeds quota \(1MB\)/);
    assert.deepEqual(processesWith(marker), [], "no process of the task is left");
  });
});
