// An agent whose install lives under /tmp (a checkout cloned there, as CI does) with
// filesystem/linux, which gives every container a private /tmp: the default executor of a
// task group, and the Thermos executor a framework starts from that install, still start (the
// agent keeps its install visible in its containers, launcher-dirs.ts). Before, both failed to
// start, and the pods and Aurora tests failed from a clone under /tmp.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { detectNamespaces, findTools } from "../../../src/agent/containerizer/namespaces-detect.ts";
import { thermosTaskData } from "../../../src/frameworks/aurora/thermos/executor-info.ts";
import { ThermosTask } from "../../../src/frameworks/aurora/thermos/task-config.ts";
import { processClusterForSuite } from "./agent-process.ts";
import { terminal } from "./cluster.ts";
import type { Loose } from "./helpers.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** Executors are whole Node.js processes started through tsx: slow on a loaded machine. */
const START_MS = 90_000;

const filesystem = detectNamespaces(findTools()).filesystem;
const skip = !filesystem.ok ? filesystem.detail : undefined;

/** A copy of this checkout's runnable files under /tmp, sharing its node_modules. */
function installUnderTmp(): string {
  const dir = mkdtempSync("/tmp/tessera-install-");
  for (const part of ["bin", "src", "native", "package.json", "tsconfig.json"]) {
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  }
  symlinkSync(realpathSync(join(ROOT, "node_modules")), join(dir, "node_modules"));
  return dir;
}

const scalar = (name: string, value: number) => ({ name, type: "SCALAR", scalar: { value } });

describe("executors of an agent installed under /tmp, with a private /tmp per container", {
  skip,
}, () => {
  const install = skip === undefined ? installUnderTmp() : "";
  after(() => {
    if (install !== "") rmSync(install, { recursive: true, force: true });
  });
  const cluster = processClusterForSuite("posix/cpu,posix/mem,filesystem/linux", {
    bin: join(install, "bin", "tessera.mjs"),
  });

  /** Accepts the next offer with the operation `build` makes for its agent. */
  async function accept(build: (agentId: Loose) => Loose): Promise<void> {
    const offer = await cluster.framework.offer();
    const res = await cluster.framework.scheduler.call({
      type: "ACCEPT",
      accept: {
        offer_ids: [offer.id],
        operations: [build(offer.agent_id)],
        filters: { refuse_seconds: 0 },
      },
    });
    assert.equal(res.status, 202, res.body);
  }

  it("a task group runs on the default executor the agent starts from its install", async () => {
    await accept((agentId) => ({
      type: "LAUNCH_GROUP",
      launch_group: {
        executor: {
          type: "DEFAULT",
          executor_id: { value: "pod-under-tmp" },
          framework_id: { value: cluster.framework.id },
          resources: [scalar("cpus", 0.1), scalar("mem", 128)],
        },
        task_group: {
          tasks: [
            {
              name: "pod-task",
              task_id: { value: "pod-task" },
              agent_id: agentId,
              resources: [scalar("cpus", 0.1), scalar("mem", 32)],
              command: { value: "echo from the pod" },
            },
          ],
        },
      },
    }));
    const done = await terminal(cluster.framework, "pod-task", START_MS);
    assert.equal(done.state, "TASK_FINISHED", done.status.message);
  });

  it("a Thermos task runs on `tessera thermos-executor` started from the install", async () => {
    const task = ThermosTask.parse({
      name: "thermos-under-tmp",
      processes: [{ name: "hello", cmdline: "echo from thermos", min_duration: 0 }],
    });
    await accept((agentId) => ({
      type: "LAUNCH",
      launch: {
        task_infos: [
          {
            name: "thermos-under-tmp",
            task_id: { value: "thermos-under-tmp" },
            agent_id: agentId,
            resources: [scalar("cpus", 0.1), scalar("mem", 384)],
            executor: {
              type: "CUSTOM",
              executor_id: { value: "thermos-under-tmp" },
              command: {
                shell: true,
                value: `'${process.execPath}' '${join(install, "bin", "tessera.mjs")}' thermos-executor`,
              },
            },
            data: thermosTaskData(task),
          },
        ],
      },
    }));
    const done = await terminal(cluster.framework, "thermos-under-tmp", START_MS);
    assert.equal(done.state, "TASK_FINISHED", done.status.message);
  });
});
