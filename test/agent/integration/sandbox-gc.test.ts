// Sandbox GC with a real master and agent: a finished task's sandbox is removed once
// --gc_delay (shrunk by the disk's usage) has passed, checked every --disk_watch_interval,
// while a running task's sandbox stays until that task ends.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { eventually } from "../../support/eventually.ts";
import { assertMetrics } from "../../support/metrics.ts";
import { clusterForSuite } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

async function gone(path: string): Promise<boolean> {
  return eventually(`${path} to be removed`, () => !existsSync(path), {
    timeoutMs: 15_000,
    everyMs: 50,
  });
}

/**
 * Sandboxes go 2 s after their executor ends (no headroom shrinks that), checked every 50 ms:
 * long enough that the finished task's sandbox is still there when the test first looks on a
 * loaded machine; short enough that its removal is soon seen.
 */
const GC_FLAGS = { gc_delay: "2secs", gc_disk_headroom: "0", disk_watch_interval: "50ms" };

describe("sandbox garbage collection", () => {
  const cluster = clusterForSuite("gc", GC_FLAGS);

  it("removes a finished task's sandbox and keeps a running one's until it ends", async () => {
    const { framework } = cluster;
    const agentId = await cluster.launch([
      commandTask("gc-short", "echo hi"),
      commandTask("gc-long", "sleep 60"),
    ]);
    await framework.state("gc-long", "TASK_RUNNING");
    await framework.state("gc-short", "TASK_FINISHED");
    const short = cluster.sandbox("gc-short");
    const long = cluster.sandbox("gc-long");
    assert.ok(short !== undefined && long !== undefined, "both sandboxes were made");
    assert.ok(await gone(short), `${short} was not removed`);
    // Several watch intervals past the finished one's removal: the running one is untouched.
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(existsSync(long), "a running task's sandbox was removed");
    await framework.kill(agentId, "gc-long");
    await framework.state("gc-long", "TASK_KILLED");
    assert.ok(await gone(long), `${long} was not removed after its task ended`);
    // The run directory goes first, then its emptied parents; the removal counts once all did.
    const metrics = await eventually(
      "both removals counted",
      async () => {
        const m = (await (await fetch(`${cluster.agent.url}/metrics/snapshot`)).json()) as Record<
          string,
          number
        >;
        return m["gc/path_removals_succeeded"] === 2 ? m : undefined;
      },
      { timeoutMs: 15_000, everyMs: 20 },
    );
    assertMetrics(metrics, {
      "gc/path_removals_succeeded": 2,
      "gc/path_removals_failed": 0,
      "gc/path_removals_pending": 0,
    });
  });
});
