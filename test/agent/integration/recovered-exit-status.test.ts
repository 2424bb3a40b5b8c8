// kill -9 of `tessera agent` while launches are in flight (issue 22, fault 4): six `sleep 3`
// tasks are launched and the agent is killed as the first one is reported; the restarted agent
// must neither destroy a container its checkpoint knows as an orphan (a launch whose pid file
// was not written yet) nor report a recovered task's end as unknown: each task whose process
// outlived the agent exited 0, so it ends TASK_FINISHED, its real exit status, which the
// launcher recorded for the next agent. A task whose process the dead agent never started
// ends terminal too, but not as if it had run. A long task whose process outlived the agent
// before it was reported running is reported TASK_RUNNING by the recovered executor.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningMaster } from "../../../src/master/server.ts";
import { type TaskState, TERMINAL_TASK_STATES } from "../../../src/wire/status.ts";
import { killPids } from "../../support/cluster.ts";
import {
  type AgentProcess,
  agentCgroupsRoot,
  agentProcessFlags,
  removeCgroupRoot,
  spawnAgent,
} from "./agent-process.ts";
import { processesWith } from "./cluster.ts";
import { commandTask, Framework, startMasterForAgents, tempWorkDir } from "./helpers.ts";

const TASKS = 6;

for (const isolation of ["posix/cpu,posix/mem", "cgroups/cpu,cgroups/mem"]) {
  describe(`recovered tasks end with their real exit status (${isolation})`, () => {
    let master: RunningMaster;
    let framework: Framework;
    let work: Awaited<ReturnType<typeof tempWorkDir>>;
    let agent: AgentProcess | undefined;
    let flags: Record<string, string>;
    const marker = `tessera-exit-status-${process.pid}-${isolation.slice(0, 5)}`;

    before(async () => {
      work = await tempWorkDir();
      master = await startMasterForAgents();
      flags = await agentProcessFlags(master.url, work.dir, isolation);
      agent = await spawnAgent(flags);
      framework = await Framework.subscribe(master);
    });

    after(async () => {
      framework.close();
      await agent?.kill9();
      killPids(processesWith(marker));
      await master.close();
      await removeCgroupRoot(agentCgroupsRoot(work.dir));
      await work.remove();
    });

    it("kill -9 while six launches are in flight: every task whose process outlived the agent ends TASK_FINISHED once it exits 0", async () => {
      const offer = await framework.offer();
      const ids = Array.from({ length: TASKS }, (_, i) => `t${i}`);
      await framework.launch(
        offer,
        ids.map((id) => commandTask(id, `sleep 3 # ${marker}-${id}`)),
      );
      await framework.until("the first update", () => framework.updates[0]);
      await agent?.kill9();
      const survivors = new Set(ids.filter((id) => processesWith(`${marker}-${id}`).length > 0));
      assert.ok(survivors.size > 0, "some task's process outlived the agent");
      agent = await spawnAgent(flags);
      const ends = await framework.until(
        "every task terminal",
        () => {
          const last = new Map<string, string>();
          for (const u of framework.updates) {
            if (TERMINAL_TASK_STATES.has(u.state as TaskState))
              last.set(u.taskId, `${u.state}: ${u.status.message ?? ""}`);
          }
          return last.size === TASKS ? last : undefined;
        },
        30_000,
      );
      const wrong = new Map<string, string>();
      for (const [id, end] of ends) {
        const ran = survivors.has(id);
        if (ran ? !end.startsWith("TASK_FINISHED") : end.includes("unknown status")) {
          wrong.set(id, `${ran ? "outlived the agent" : "never started"}, ${end}`);
        }
      }
      assert.deepEqual([...wrong], [], `${survivors.size} of ${TASKS} outlived the agent`);
    });

    it("kill -9 while six long tasks launch: every task whose process outlived the agent is reported TASK_RUNNING after the restart (nemesis seed 2069)", async () => {
      // The offers queued before the first test's restart went with the agent: launch on
      // the first one still valid.
      let ids: string[] = [];
      const from = framework.updates.length;
      for (let attempt = 0; attempt < 5 && ids.length === 0; attempt++) {
        const offer = await framework.offer();
        const tried = Array.from({ length: TASKS }, (_, i) => `long${attempt}-${i}`);
        await framework.launch(
          offer,
          tried.map((id) => commandTask(id, `sleep 600 # ${marker}-${id}`)),
        );
        const first = await framework.until("the first update", () =>
          framework.updates.slice(from).find((u) => tried.includes(u.taskId)),
        );
        if (!/invalid offers/.test(first.status.message ?? "")) ids = tried;
      }
      assert.ok(ids.length > 0, "a valid offer");
      await agent?.kill9();
      const survivors = ids.filter((id) => processesWith(`${marker}-${id}`).length > 0);
      assert.ok(survivors.length > 0, "some task's process outlived the agent");
      agent = await spawnAgent(flags);
      const latest = () => {
        const last = new Map<string, string>();
        for (const u of framework.updates.slice(from)) last.set(u.taskId, u.state);
        return last;
      };
      // A task the dead agent had not yet reported running (STAGING or STARTING) whose process
      // runs is running: it must not stay STAGING until it ends.
      await framework.until(
        "every task whose process outlived the agent reported running",
        () => survivors.every((id) => latest().get(id) === "TASK_RUNNING") || undefined,
        20_000,
      );
    });
  });
}
