// Which tasks of a group the default executor runs as nested containers of their own (those
// naming an image), and which it refuses rather than run without what they asked for.
import assert from "node:assert/strict";
import { test } from "node:test";
import { needsOwnContainer, taskRefusal } from "../../src/executors/nested-tasks.ts";
import type { TaskInfo } from "../../src/wire/task.ts";

const task = (container?: unknown): TaskInfo =>
  ({
    name: "t",
    task_id: { value: "t" },
    agent_id: { value: "a" },
    resources: [],
    command: { value: "true" },
    ...(container === undefined ? {} : { container }),
  }) as unknown as TaskInfo;

const image = { type: "DOCKER", docker: { name: "busybox" } };
const volume = {
  container_path: "/shared",
  mode: "RW",
  source: { type: "SANDBOX_PATH", sandbox_path: { type: "PARENT", path: "shared" } },
};

test("a task naming an image gets a nested container; one without runs as a child", () => {
  assert.equal(needsOwnContainer(task({ type: "MESOS", mesos: { image } })), true);
  assert.equal(needsOwnContainer(task()), false);
  assert.equal(needsOwnContainer(task({ type: "MESOS" })), false);
});

test("type DOCKER, or volumes without an image of its own, are refused; the rest is not", () => {
  assert.match(
    taskRefusal(task({ type: "DOCKER", docker: { image: "busybox" } })) ?? "",
    /Docker ContainerInfo is not supported on the task/,
  );
  assert.match(
    taskRefusal(task({ type: "MESOS", volumes: [volume] })) ?? "",
    /volumes of a task without an image/,
  );
  assert.equal(
    taskRefusal(task({ type: "MESOS", mesos: { image }, volumes: [volume] })),
    undefined,
  );
  assert.equal(taskRefusal(task()), undefined);
});
