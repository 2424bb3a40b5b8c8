// Aurora jobs on a real cluster (issue #19): a master, two agents launching real processes, the
// services framework serving the Aurora API. A job is created from a YAML file with `tessera
// aurora job create`, its instances are launched through the Thermos executor, updated with
// `tessera aurora update` (a canary of one instance, then the whole job paused and resumed), and
// `tessera aurora job kill` removes it.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startServices } from "../../../src/frameworks/services/start.ts";
import { tessera } from "../../cli/helpers.ts";
import { eventually, type RealCluster, startRealCluster } from "../services/real-cluster.ts";

const KEY = "it/root/devel/hello";

let cluster: RealCluster;
let aurora: string;
let file: string;

before(async () => {
  cluster = await startRealCluster();
  const services = await startServices({
    master: cluster.master.url,
    dataDir: join(cluster.dir, "services"),
    httpPort: 0,
    aurora: { port: 0, cluster: "it" },
    // The job's role is its Unix user; the test runs as root.
    extraRoles: ["root"],
  });
  cluster.services = services;
  assert.ok(services.auroraUrl !== undefined);
  aurora = services.auroraUrl;
  file = join(cluster.dir, "hello.yaml");
  writeFileSync(file, jobFile("sleep 600"));
});

function jobFile(cmdline: string, update?: string): string {
  return [
    "role: root",
    "environment: devel",
    "name: hello",
    "service: true",
    "instances: 2",
    ...(update === undefined ? [] : [`update_config: ${update}`]),
    "task:",
    "  processes:",
    "    - name: sleeper",
    `      cmdline: ${cmdline}`,
    "  resources: { cpu: 0.1, ram: 32MB, disk: 8MB, ports: [http] }",
    "",
  ].join("\n");
}
after(async () => {
  await cluster?.close();
});

interface TaskRow {
  status: string;
  assignedTask: { taskId: string; instanceId: number; assignedPorts: Record<string, number> };
}

async function tasksStatus(): Promise<TaskRow[]> {
  const res = await fetch(`${aurora}/api/getTasksStatus`, {
    method: "POST",
    body: JSON.stringify({ job: KEY }),
  });
  const body = (await res.json()) as { responseCode: string; result: { tasks: TaskRow[] } };
  assert.equal(body.responseCode, "OK");
  return body.result.tasks;
}

interface UpdateDetails {
  update: { summary: { state: { status: string } } };
  instances?: { instances: unknown[] };
}

/** The update `id` as getJobUpdateDetails shows it (finished ones too). */
async function updateDetails(id: string): Promise<UpdateDetails | undefined> {
  const res = await fetch(`${aurora}/api/getJobUpdateDetails`, {
    method: "POST",
    body: JSON.stringify({ job: KEY, key: { job: KEY, id } }),
  });
  const body = (await res.json()) as {
    responseCode: string;
    result: { updateDetailsList: UpdateDetails[] };
  };
  assert.equal(body.responseCode, "OK");
  return body.result.updateDetailsList[0];
}

interface MasterTask {
  id: string;
  state: string;
  executor_id?: string;
  framework_id: string;
}

async function masterTasks(): Promise<MasterTask[]> {
  const res = await fetch(`${cluster.master.url}/master/state`);
  const state = (await res.json()) as {
    frameworks: { tasks: MasterTask[]; completed_tasks?: MasterTask[] }[];
  };
  return state.frameworks.flatMap((f) => [...f.tasks, ...(f.completed_tasks ?? [])]);
}

describe("Aurora jobs on a real cluster", () => {
  it("the Aurora API answers /leaderhealth", async () => {
    const res = await fetch(`${aurora}/leaderhealth`);
    assert.equal(res.status, 200);
  });

  it("tessera aurora job create launches the instances through the Thermos executor", async () => {
    const created = await tessera(["aurora", "job", "create", KEY, file, "--url", aurora]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout, `created ${KEY}\n`);
    const again = await tessera(["aurora", "job", "create", KEY, file, "--url", aurora]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `error: INVALID_REQUEST: job ${KEY} already exists\n`);

    // Each instance's task reached the master with the Thermos executor (its id = the task id).
    const launched = await eventually("two Thermos tasks at the master", async () => {
      const tasks = (await masterTasks()).filter((t) => t.id.startsWith("aurora_root_devel_hello"));
      const thermos = tasks.filter((t) => t.executor_id === t.id);
      return new Set(thermos.map((t) => t.id)).size >= 2 ? thermos : undefined;
    });
    assert.ok(launched.length >= 2);
    const running = await eventually("both instances RUNNING", async () => {
      const tasks = await tasksStatus();
      return tasks.filter((t) => t.status === "RUNNING").length === 2 ? tasks : undefined;
    });
    assert.deepEqual(running.map((t) => t.assignedTask.instanceId).sort(), [0, 1]);
    for (const t of running) assert.ok((t.assignedTask.assignedPorts.http ?? 0) > 0);
    const status = await tessera(["aurora", "job", "status", KEY, "--url", aurora]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^INSTANCE +STATE/);
    assert.equal(status.stdout.match(/ RUNNING /g)?.length, 2);
  });

  it("tessera aurora update start KEY/0 updates that instance only; a whole update pauses, resumes and rolls forward", async () => {
    const v2 = join(cluster.dir, "hello-v2.yaml");
    writeFileSync(v2, jobFile("sleep 601", "{ batch_size: 1, watch_secs: 1 }"));
    const canary = await tessera(["aurora", "update", "start", `${KEY}/0`, v2, "--url", aurora]);
    assert.equal(canary.code, 0, canary.stderr);
    const canaryId = /\(update (.+)\)/.exec(canary.stdout)?.[1];
    assert.ok(canaryId !== undefined, canary.stdout);
    const done = await eventually("the canary ROLLED_FORWARD", async () => {
      const d = await updateDetails(canaryId);
      return d?.update.summary.state.status === "ROLLED_FORWARD" ? d : undefined;
    });
    assert.equal(done.instances?.instances.length, 1, "one instance in the canary");
    const after = await eventually("both instances RUNNING", async () => {
      const tasks = (await tasksStatus()).filter((t) => t.status === "RUNNING");
      return tasks.length === 2 ? tasks : undefined;
    });
    assert.deepEqual(
      after.map((t) => t.assignedTask.instanceId).sort(),
      [0, 1],
      "the canary's new instance is instance 0 again",
    );

    const v3 = join(cluster.dir, "hello-v3.yaml");
    writeFileSync(v3, jobFile("sleep 602", "{ batch_size: 1, watch_secs: 1 }"));
    const whole = await tessera(["aurora", "update", "start", KEY, v3, "--url", aurora]);
    assert.equal(whole.code, 0, whole.stderr);
    const id = /\(update (.+)\)/.exec(whole.stdout)?.[1];
    assert.ok(id !== undefined, whole.stdout);
    const paused = await tessera(["aurora", "update", "pause", KEY, "--url", aurora]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal((await updateDetails(id))?.update.summary.state.status, "ROLL_FORWARD_PAUSED");
    const resumed = await tessera(["aurora", "update", "resume", KEY, "--url", aurora]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const finished = await eventually("the update ROLLED_FORWARD", async () => {
      const d = await updateDetails(id);
      return d?.update.summary.state.status === "ROLLED_FORWARD" ? d : undefined;
    });
    assert.equal(finished.instances?.instances.length, 2);
    const noUpdate = await tessera(["aurora", "update", "pause", KEY, "--url", aurora]);
    assert.equal(noUpdate.code, 1);
    assert.equal(noUpdate.stderr, `error: INVALID_REQUEST: job ${KEY} has no update in progress\n`);
  });

  it("tessera aurora job kill removes the job and its tasks", async () => {
    const killed = await tessera(["aurora", "job", "kill", KEY, "--url", aurora]);
    assert.equal(killed.code, 0, killed.stderr);
    assert.equal(killed.stdout, `killed ${KEY}\n`);
    await eventually("no tasks left", async () =>
      (await tasksStatus()).length === 0 ? true : undefined,
    );
    await eventually("the master's tasks ended", async () => {
      const live = (await masterTasks()).filter(
        (t) =>
          t.id.startsWith("aurora_root_devel_hello") &&
          ["TASK_STAGING", "TASK_STARTING", "TASK_RUNNING"].includes(t.state),
      );
      return live.length === 0 ? true : undefined;
    });
    const vars = (await (await fetch(`${aurora}/vars.json`)).json()) as Record<string, number>;
    assert.equal(vars.api_calls_createJob, 2);
    assert.equal(vars.api_calls_killTasks, 1);
  });
});
