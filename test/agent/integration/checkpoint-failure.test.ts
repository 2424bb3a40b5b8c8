// Fault injection: the checkpoint store handed to a real agent starts failing its writes while a
// task runs. The agent must stop taking work and say why (/health, /state, a metric), and the
// framework must never see an update of a checkpointed task that did not reach the disk.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type CheckpointStore,
  workDirCheckpointStore,
} from "../../../src/agent/checkpoint/group-commit.ts";
import { CHECKPOINT_FAILED_MESSAGE } from "../../../src/agent/core/tasks.ts";
import type { CheckpointWrite } from "../../../src/agent/core/types.ts";
import type { RunningAgent } from "../../../src/agent/server.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { eventually } from "../../support/eventually.ts";
import {
  commandTask,
  Framework,
  startMasterForAgents,
  startTestAgent,
  tempWorkDir,
} from "./helpers.ts";

const INJECTED = "EIO: i/o error (injected)";

/** The real on-disk store, failing every write once `failing` is set. */
class FaultyStore implements CheckpointStore {
  failing = false;
  /** Uuids of the status updates whose records are on disk. */
  readonly durable = new Set<string>();
  /** Writes refused while failing. */
  readonly refused: CheckpointWrite[] = [];
  readonly #disk: CheckpointStore;

  constructor(workDir: string) {
    this.#disk = workDirCheckpointStore(workDir);
  }

  async apply(writes: readonly CheckpointWrite[]): Promise<void> {
    if (this.failing) {
      this.refused.push(...writes);
      throw new Error(INJECTED);
    }
    await this.#disk.apply(writes);
    for (const w of writes) {
      if (w.type === "status_update" && w.record.type === "UPDATE") {
        const uuid = w.record.update.status.uuid;
        if (uuid !== undefined) this.durable.add(uuid);
      }
    }
  }
}

describe("agent whose checkpoint writes fail", () => {
  let master: RunningMaster;
  let agent: RunningAgent;
  let framework: Framework;
  let work: Awaited<ReturnType<typeof tempWorkDir>>;
  let store: FaultyStore;

  before(async () => {
    work = await tempWorkDir();
    store = new FaultyStore(work.dir);
    master = await startMasterForAgents();
    agent = await startTestAgent(master, work.dir, {}, { checkpointStore: store });
    framework = await Framework.subscribe(master);
  });

  after(async () => {
    framework.close();
    await agent.close();
    await master.close();
    await work.remove();
  });

  it("stops accepting launches, says why, and forwards no update that is not on disk", async () => {
    const offer = await framework.offer();
    await framework.launch(offer, [commandTask("before", "sleep 60")]);
    await framework.state("before", "TASK_RUNNING");
    const health = await fetch(`${agent.url}/health`);
    assert.equal(health.status, 200);

    store.failing = true;
    await framework.kill(offer.agent_id, "before");
    // The executor's TASK_KILLED reaches the store and is refused there.
    await eventually("the TASK_KILLED record to be refused", () =>
      store.refused.find(
        (w) =>
          w.type === "status_update" &&
          w.record.type === "UPDATE" &&
          w.record.update.status.state === "TASK_KILLED",
      ),
    );
    await eventually("the core to hear of the failure", () => agent.core.checkpointFailure);

    // It says why: /health, /state and a metric.
    assert.equal((await fetch(`${agent.url}/health`)).status, 503);
    const state = (await (await fetch(`${agent.url}/state`)).json()) as Record<string, unknown>;
    assert.equal(state.checkpoint_failure, INJECTED);
    const metrics = (await (await fetch(`${agent.url}/metrics/snapshot`)).json()) as Record<
      string,
      number
    >;
    assert.ok((metrics["slave/checkpoint_write_errors"] ?? 0) >= 1, JSON.stringify(metrics));

    // A new launch is refused, naming the failure.
    const next = await framework.offer();
    await framework.launch(next, [commandTask("after", "sleep 60")]);
    const failed = await framework.state("after", "TASK_FAILED");
    assert.equal(failed.status.reason, "REASON_CONTAINER_LAUNCH_FAILED");
    assert.equal(failed.status.message, `${CHECKPOINT_FAILED_MESSAGE}: ${INJECTED}`);
    assert.equal(failed.status.source, "SOURCE_AGENT");

    // Every update of the checkpointed task the framework saw (and acknowledged) was on disk;
    // its TASK_KILLED, refused by the store, never left the agent.
    const seen = framework.updates.filter((u) => u.taskId === "before");
    assert.deepEqual(
      seen.map((u) => u.state),
      ["TASK_STARTING", "TASK_RUNNING"],
    );
    for (const u of seen) assert.ok(store.durable.has(u.status.uuid), `${u.state} was durable`);
  });
});
