// Every operator command against a real master and a real agent launching real processes
// (both in this test process, on port 0), driven through the real `tessera` binary: output
// shapes (table headers, --json), task output and exit codes, quota/weights set then get,
// drain, teardown, and one-line errors for unknown tasks.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { RunningAgent } from "../../src/agent/server.ts";
import type { RunningMaster } from "../../src/master/server.ts";
import { startMasterForAgents, startTestAgent, tempWorkDir } from "../agent/integration/helpers.ts";
import { lines, tessera } from "./helpers.ts";

let master: RunningMaster;
let agent: RunningAgent;
let removeWorkDir: () => Promise<void>;
// The master comes from TESSERA_MASTER, as a user would set it once for a shell.
const cli = (...args: string[]) => tessera(args, { TESSERA_MASTER: master.url });

before(async () => {
  master = await startMasterForAgents();
  const work = await tempWorkDir();
  removeWorkDir = work.remove;
  agent = await startTestAgent(master, work.dir);
});

after(async () => {
  await agent?.close();
  await master?.close();
  await removeWorkDir?.();
});

describe("tessera run and the task views", () => {
  let taskId = "";

  test("`run` streams the task's stdout and stderr, reports its states and exits with its code", async () => {
    const r = await cli(
      "run",
      "--name",
      "probe",
      "--",
      "sh",
      "-c",
      "echo out; echo err >&2; exit 4",
    );
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, "out\n");
    assert.match(r.stderr, /^err$/m);
    const states = [...r.stderr.matchAll(/^task (probe-[0-9a-f]+) (TASK_\w+)/gm)];
    assert.deepEqual(
      states.map((m) => m[2]),
      ["TASK_STARTING", "TASK_RUNNING", "TASK_FAILED"],
    );
    taskId = states[0]?.[1] ?? "";
    assert.match(r.stderr, /TASK_FAILED on agent [\w.-]+:\d+: Command exited with status 4/);
  });

  test("`run` of a task no agent could ever hold fails at once, naming the agents' sizes", async () => {
    const r = await cli("run", "--cpus", "1000", "--", "true");
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr).length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^error: no agent in the cluster can ever fit cpus:1000;mem:32 for role '\*' \(agents: /,
    );
  });

  test("`tasks --all` lists the finished task in a table and as JSON; `ps` hides finished ones", async () => {
    const table = await cli("tasks", "--all");
    assert.equal(table.code, 0, table.stderr);
    const [header, ...rows] = lines(table.stdout);
    assert.match(header ?? "", /^ID\s+NAME\s+STATE\s+CPUS\s+MEM\s+AGENT\s+FRAMEWORK$/);
    assert.ok(rows.some((row) => row.startsWith(taskId) && row.includes("TASK_FAILED")));

    const json = await cli("tasks", "--all", "--json");
    const parsed = JSON.parse(json.stdout) as { id: string; state: string; cpus: number }[];
    const row = parsed.find((t) => t.id === taskId);
    assert.equal(row?.state, "TASK_FAILED");
    assert.equal(row?.cpus, 0.1);

    const live = await cli("ps", "--json");
    assert.deepEqual(JSON.parse(live.stdout), []);
  });

  test("`logs` prints the task's stdout, and its stderr with --stderr", async () => {
    const out = await cli("logs", taskId);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, "out\n");
    const err = await cli("logs", taskId, "--stderr");
    assert.equal(err.stdout, "err\n");
  });

  test("`logs` and `kill` of an unknown task print one line and exit 1", async () => {
    for (const command of ["logs", "kill"]) {
      const r = await cli(command, "no-such-task");
      assert.equal(r.code, 1);
      assert.deepEqual(lines(r.stderr), [
        "error: no task 'no-such-task' on this cluster — `tessera tasks --all` lists the known ones",
      ]);
    }
  });

  test("`run --detach` leaves the task running; `kill` ends it TASK_KILLED; `teardown` ends its framework", async () => {
    const detached = await cli("run", "--detach", "--name", "sleeper", "--", "sleep", "300");
    assert.equal(detached.code, 0, detached.stderr);
    const id = detached.stdout.trim();
    assert.match(id, /^sleeper-[0-9a-f]+$/);
    const running = JSON.parse((await cli("ps", "--json")).stdout) as {
      id: string;
      state: string;
      framework_id: string;
    }[];
    const task = running.find((t) => t.id === id);
    assert.equal(task?.state, "TASK_RUNNING");

    const killed = await cli("kill", id);
    assert.equal(killed.code, 0, killed.stderr);
    assert.match(killed.stdout, new RegExp(`^task ${id} TASK_KILLED$`, "m"));
    const all = JSON.parse((await cli("tasks", "--all", "--json")).stdout) as {
      id: string;
      state: string;
    }[];
    assert.equal(all.find((t) => t.id === id)?.state, "TASK_KILLED");
    // Nobody acknowledges the detached task's TASK_KILLED, so the master still lists it among
    // its tasks (as Mesos does); `tasks` without --all shows running ones only.
    const live = JSON.parse((await cli("tasks", "--json")).stdout) as { id: string }[];
    assert.equal(
      live.find((t) => t.id === id),
      undefined,
      "a killed task is not listed as live",
    );

    const frameworkId = task?.framework_id ?? "";
    const down = await cli("teardown", frameworkId);
    assert.equal(down.code, 0, down.stderr);
    const frameworks = JSON.parse((await cli("frameworks", "--all", "--json")).stdout) as {
      id: string;
      state: string;
    }[];
    assert.equal(frameworks.find((f) => f.id === frameworkId)?.state, "completed");
  });

  test("`logs -f` follows a running task's output until the task ends", async () => {
    const detached = await cli(
      "run",
      "--detach",
      "--name",
      "talker",
      "--",
      "sh",
      "-c",
      "echo one; sleep 2; echo two",
    );
    assert.equal(detached.code, 0, detached.stderr);
    assert.match(detached.stdout, /^talker-\S+\n$/, "a detached run prints only the task id");
    const id = detached.stdout.trim();
    const followed = await cli("logs", "-f", id);
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(followed.stdout, "one\ntwo\n");
    const frameworks = JSON.parse((await cli("frameworks", "--json")).stdout) as {
      id: string;
      name: string;
    }[];
    for (const f of frameworks.filter((x) => x.name === "tessera-run")) {
      assert.equal((await cli("teardown", f.id)).code, 0);
    }
  });

  test("`frameworks --all` shows run's framework as completed after it tore itself down", async () => {
    const r = await cli("frameworks", "--all", "--json");
    const rows = JSON.parse(r.stdout) as { name: string; state: string }[];
    assert.ok(rows.some((f) => f.name === "tessera-run" && f.state === "completed"));
    const table = await cli("frameworks", "--all");
    assert.match(
      lines(table.stdout)[0] ?? "",
      /^ID\s+NAME\s+USER\s+ROLES\s+STATE\s+TASKS\s+CPUS\s+MEM$/,
    );
  });

  test("`state` prints the master's GET_STATE, and /master/state with --legacy", async () => {
    const v1 = JSON.parse((await cli("state")).stdout) as { type: string; get_state: unknown };
    assert.equal(v1.type, "GET_STATE");
    const legacy = JSON.parse((await cli("state", "--legacy")).stdout) as { slaves: unknown[] };
    assert.equal(legacy.slaves.length, 1);
  });
});

describe("operator changes", () => {
  test("`quota set` then `quota get` shows the role's guarantees and limits", async () => {
    const set = await cli(
      "quota",
      "set",
      "analytics",
      "--guarantee",
      "cpus:0.5",
      "--limit",
      "cpus=1,mem=256",
    );
    assert.equal(set.code, 0, set.stderr);
    const rows = JSON.parse((await cli("quota", "get", "--json")).stdout);
    assert.deepEqual(rows, [
      { role: "analytics", guarantees: { cpus: 0.5 }, limits: { cpus: 1, mem: 256 } },
    ]);
    const table = await cli("quota");
    assert.deepEqual(lines(table.stdout), [
      "ROLE       GUARANTEES  LIMITS",
      "analytics  cpus:0.5    cpus:1;mem:256",
    ]);
  });

  test("`weights set` then `weights get` shows the new weights; a bad weight changes nothing", async () => {
    const set = await cli("weights", "set", "dev=2", "prod=3.5");
    assert.equal(set.code, 0, set.stderr);
    const bad = await cli("weights", "set", "dev=0");
    assert.equal(bad.code, 2);
    assert.deepEqual(lines(bad.stderr).length, 1);
    const rows = JSON.parse((await cli("weights", "--json")).stdout);
    assert.deepEqual(rows, [
      { role: "dev", weight: 2 },
      { role: "prod", weight: 3.5 },
    ]);
    const roles = await cli("roles");
    assert.match(lines(roles.stdout)[0] ?? "", /^ROLE\s+WEIGHT\s+FRAMEWORKS\s+CPUS\s+MEM$/);
    assert.ok(lines(roles.stdout).some((l) => /^prod\s+3\.5\s/.test(l)));
  });

  test("`deactivate`/`reactivate` and `drain` change the agent's state as `agents` shows", async () => {
    const before = JSON.parse((await cli("agents", "--json")).stdout) as {
      id: string;
      address: string;
      state: string;
    }[];
    assert.equal(before.length, 1);
    assert.equal(before[0]?.state, "active");
    const id = before[0]?.id ?? "";
    const table = await cli("agents");
    assert.match(lines(table.stdout)[0] ?? "", /^ID\s+ADDRESS\s+STATE\s+CPUS\s+MEM\s+DISK$/);

    assert.equal((await cli("deactivate", id)).code, 0);
    let rows = JSON.parse((await cli("agents", "--json")).stdout) as { state: string }[];
    assert.equal(rows[0]?.state, "deactivated");
    assert.equal((await cli("reactivate", before[0]?.address ?? "")).code, 0);

    const bad = await cli("drain", id, "--max-grace-period", "soon");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max-grace-period: cannot read 'soon'/);

    const drained = await cli("drain", id, "--max-grace-period", "5s");
    assert.equal(drained.code, 0, drained.stderr);
    rows = JSON.parse((await cli("agents", "--json")).stdout) as { state: string }[];
    assert.equal(rows[0]?.state, "draining");
    const unknown = await cli("drain", "no-such-agent");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error: no agent 'no-such-agent' on this cluster/);
  });
});
