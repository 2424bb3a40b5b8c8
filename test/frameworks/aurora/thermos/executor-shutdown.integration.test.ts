// SHUTDOWN (here: the framework tears down) reaches a Thermos task as a kill does: the
// lifecycle endpoints, SIGTERM, then the final process, all within the agent's shutdown grace
// period, and the executor's container ends.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  thermosExecutorInfo,
  thermosTaskData,
} from "../../../../src/frameworks/aurora/thermos/executor-info.ts";
import { ThermosTask } from "../../../../src/frameworks/aurora/thermos/task-config.ts";
import { clusterForSuite, sandboxFile } from "../../../agent/integration/cluster.ts";
import type { Loose } from "../../../agent/integration/helpers.ts";
import { freePort } from "../../../support/cluster.ts";
import { eventually } from "../../../support/eventually.ts";

const SERVER = fileURLToPath(new URL("./lifecycle-server.mjs", import.meta.url));

describe("a Thermos task when its framework is torn down", () => {
  // posix isolation: the executor runs from this checkout (see executor.integration.test.ts).
  const cluster = clusterForSuite("thermos-shutdown", { isolation: "posix/cpu,posix/mem" });

  it("gets /quitquitquit, /abortabortabort and SIGTERM, runs its final process, and its executor ends", async () => {
    const port = await freePort();
    const task = ThermosTask.parse({
      name: "torn",
      ports: { http: port },
      finalization_wait: 3,
      processes: [
        { name: "server", cmdline: `exec ${process.execPath} ${SERVER} {{thermos.ports[http]}}` },
        { name: "goodbye", final: true, cmdline: "echo bye > goodbye.txt" },
      ],
    });
    await cluster.launch([
      {
        task_id: { value: "torn" },
        resources: [
          { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
          { name: "mem", type: "SCALAR", scalar: { value: 384 } },
        ],
        executor: thermosExecutorInfo({ executorId: "torn" }),
        data: thermosTaskData(task),
      },
    ]);
    await cluster.framework.state("torn", "TASK_RUNNING", 90_000);
    const sandbox = cluster.sandbox("torn");
    const events = () =>
      sandboxFile(sandbox, "events.txt")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.slice(l.indexOf(" ") + 1));
    await eventually("the server to listen", () => events().includes("listening"), {
      timeoutMs: 30_000,
    });

    const res = await cluster.framework.scheduler.call({ type: "TEARDOWN" });
    assert.equal(res.status, 202, res.body);
    await eventually(
      "the final process to run",
      () => sandboxFile(sandbox, "goodbye.txt") === "bye\n",
      {
        timeoutMs: 30_000,
      },
    );
    assert.deepEqual(events(), [
      "listening",
      "POST /quitquitquit",
      "POST /abortabortabort",
      "SIGTERM",
    ]);
    await eventually(
      "the executor's container to end",
      async () => {
        const answer = await fetch(`${cluster.agent.url}/api/v1`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ type: "GET_CONTAINERS" }),
        });
        const containers = ((await answer.json()) as Loose).get_containers.containers ?? [];
        return containers.length === 0;
      },
      { timeoutMs: 30_000 },
    );
  });
});
