// A real master and a real agent launching real processes: a task runs, prints into its
// sandbox, and ends FINISHED (exit 0), FAILED (exit 1) or KILLED (after the grace period).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { executorRuns, executorRunsDir } from "../../support/cluster.ts";
import { eventually } from "../../support/eventually.ts";
import { clusterForSuite } from "./cluster.ts";
import { commandTask } from "./helpers.ts";

describe("agent task lifecycle with a real master", () => {
  const cluster = clusterForSuite("lifecycle");

  it("a task that prints and exits 0 goes STARTING, RUNNING, FINISHED with its output in the sandbox", async () => {
    const { agent, framework } = cluster;
    const offer = await framework.offer();
    await framework.launch(offer, [commandTask("hello", "echo hello from tessera")]);
    await framework.state("hello", "TASK_STARTING");
    await framework.state("hello", "TASK_RUNNING");
    const finished = await framework.state("hello", "TASK_FINISHED");
    assert.equal(finished.status.message, "Command exited with status 0");
    assert.equal(finished.status.source, "SOURCE_EXECUTOR");
    const states = framework.updates.filter((u) => u.taskId === "hello").map((u) => u.state);
    assert.deepEqual(states, ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
    const sandbox = executorRunsDir(cluster.workDir, offer.agent_id.value, framework.id, "hello");
    const state = (await (await fetch(`${agent.url}/state`)).json()) as { id: string };
    assert.equal(state.id, offer.agent_id.value);
    const runs = executorRuns(cluster.workDir, offer.agent_id.value, framework.id, "hello");
    assert.equal(runs.length, 1);
    const stdout = await readFile(join(sandbox, runs[0] ?? "", "stdout"), "utf8");
    assert.match(stdout, /hello from tessera/);

    // Once acknowledged, the task is history that /state keeps, as Mesos's does, with the
    // sandbox's directory (what tools read to find a finished task's files).
    type Ex = { id: string; directory: string; completed_tasks: { id: string; state: string }[] };
    type Fw = { id: string; completed_executors: Ex[] };
    const done = await eventually(
      "the finished executor to show in /state",
      async () => {
        const s = (await (await fetch(`${agent.url}/state`)).json()) as {
          frameworks: Fw[];
          completed_frameworks: Fw[];
        };
        return [...s.frameworks, ...s.completed_frameworks]
          .filter((f) => f.id === framework.id)
          .flatMap((f) => f.completed_executors)
          .find((e) => e.id === "hello" && e.completed_tasks.length > 0);
      },
      { everyMs: 50 },
    );
    assert.equal(done.directory, join(sandbox, runs[0] ?? ""));
    assert.deepEqual(
      done.completed_tasks.map((t) => [t.id, t.state]),
      [["hello", "TASK_FINISHED"]],
    );
  });

  it("a task that exits 1 is TASK_FAILED with Mesos's message", async () => {
    const { agent, framework } = cluster;
    const offer = await framework.offer();
    await framework.launch(offer, [commandTask("fails", "exit 1")]);
    const failed = await framework.state("fails", "TASK_FAILED");
    assert.equal(failed.status.message, "Command exited with status 1");
    // The agent counts what ended here, under Mesos's metric keys.
    const metrics = (await (await fetch(`${agent.url}/metrics/snapshot`)).json()) as Record<
      string,
      number
    >;
    assert.equal(metrics["slave/tasks_finished"], 1, "hello");
    assert.equal(metrics["slave/tasks_failed"], 1, "fails");
    assert.ok((metrics["slave/valid_status_updates"] ?? 0) >= 6, "3 updates per task");
    assert.equal(metrics["slave/invalid_status_updates"], 0);
    // The keys Mesos lists beside them (reference §4.6), at their values for this agent.
    assert.equal(metrics["slave/recovery_errors"], 0);
    assert.equal(typeof metrics["slave/recovery_time_secs"], "number");
    assert.equal(metrics["slave/valid_framework_messages"], 0);
    assert.equal(metrics["slave/executors_preempted"], 0);
    assert.equal(metrics["slave/cpus_revocable_total"], 0);
    assert.equal(metrics["slave/cpus_revocable_used"], 0);
    assert.ok((metrics["slave/executor_directory_max_allowed_age_secs"] ?? 0) > 0);
  });

  it("a killed task gets SIGTERM, then SIGKILL after its grace period, and is TASK_KILLED", async () => {
    const { framework } = cluster;
    const offer = await framework.offer();
    await framework.launch(offer, [
      commandTask("stubborn", "trap '' TERM; echo trapped; while true; do sleep 0.05; done", {
        kill_policy: { grace_period: { nanoseconds: 300_000_000 } },
      }),
    ]);
    await framework.state("stubborn", "TASK_RUNNING");
    // Kill only once the trap is in place; a SIGTERM before it would end the shell at once.
    await eventually(
      "the task to report its TERM trap",
      async () => {
        const run = cluster.sandbox("stubborn");
        const out = await readFile(join(run ?? "none", "stdout"), "utf8").catch(() => "");
        return out.includes("trapped");
      },
      { everyMs: 25 },
    );
    await framework.kill(offer.agent_id, "stubborn");
    // Bounded generously: under heavy load (other suites on 2 cores) the kill took over 10 s.
    const killed = await framework.state("stubborn", "TASK_KILLED", 30_000);
    assert.equal(killed.status.message, "Command terminated with signal Killed");
  });
});
