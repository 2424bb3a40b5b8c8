import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MemoryAppStore } from "../../../src/frameworks/services/app-store.ts";
import { parseAppDefinition } from "../../../src/frameworks/services/app-validation.ts";
import type { AppId } from "../../../src/frameworks/services/path-id.ts";
import {
  type ServicesEffect,
  ServicesState,
} from "../../../src/frameworks/services/services-state.ts";
import { roomyOffer } from "./fixtures.ts";

const T0 = Date.parse("2024-01-01T00:00:00.000Z");

const offer = (n: number) => roomyOffer(`O${n}`, `S${n}`, `agent${n}`);

/** One app of one instance, launched and running, under the given unreachableStrategy. */
function runningApp(unreachableStrategy: unknown) {
  let ids = 0;
  const state = new ServicesState({ store: new MemoryAppStore(), newId: () => `id-${++ids}` });
  const parsed = parseAppDefinition({ id: "/web", cmd: "sleep 1000", unreachableStrategy });
  assert.ok(parsed.ok);
  assert.ok(state.deploy({ upsert: [parsed.app] }, false, T0).ok);
  state.advance(T0);
  const launch = state.handleOffers([offer(1)], T0).find((e) => e.kind === "launch");
  assert.ok(launch?.kind === "launch");
  const taskId = launch.tasks[0]?.task_id.value as string;
  state.handleStatus({ taskId, state: "TASK_RUNNING" }, T0);
  return { state, taskId };
}

const web = "/web" as AppId;
const kills = (effects: ServicesEffect[]) => effects.filter((e) => e.kind === "kill");

describe("unreachableStrategy", () => {
  test("by default (0 s, 0 s) an unreachable instance is replaced and forgotten at once; its task is killed if it returns", () => {
    const { state, taskId } = runningApp(undefined);
    state.handleStatus({ taskId, state: "TASK_UNREACHABLE" }, T0 + 1000);
    const instances = state.instancesOf(web);
    assert.equal(instances.length, 1, "the old instance is expunged, one replacement scheduled");
    assert.equal(instances[0]?.state, undefined);
    const back = state.handleStatus({ taskId, state: "TASK_RUNNING" }, T0 + 2000);
    assert.deepEqual(kills(back), [{ kind: "kill", taskId, agentId: undefined }]);
  });

  test("with inactiveAfterSeconds the instance is kept until then, replaced after, and expunged after expungeAfterSeconds", () => {
    const { state, taskId } = runningApp({ inactiveAfterSeconds: 60, expungeAfterSeconds: 120 });
    state.handleStatus({ taskId, state: "TASK_UNREACHABLE" }, T0);
    state.tick(T0 + 59_000);
    assert.equal(state.instancesOf(web).length, 1, "still counted before inactiveAfterSeconds");
    state.tick(T0 + 60_000);
    const replaced = state.instancesOf(web);
    assert.equal(replaced.length, 2);
    assert.equal(replaced.filter((i) => i.goal === "Running" && i.state === undefined).length, 1);
    assert.equal(replaced.filter((i) => i.goal === "Decommissioned").length, 1);
    state.tick(T0 + 120_000);
    assert.equal(state.instancesOf(web).length, 1, "expunged after expungeAfterSeconds");
  });

  test("a task that returns before inactiveAfterSeconds keeps its instance and is not replaced", () => {
    const { state, taskId } = runningApp({ inactiveAfterSeconds: 60, expungeAfterSeconds: 120 });
    state.handleStatus({ taskId, state: "TASK_UNREACHABLE" }, T0);
    const back = state.handleStatus({ taskId, state: "TASK_RUNNING" }, T0 + 10_000);
    assert.equal(kills(back).length, 0);
    state.tick(T0 + 600_000);
    const [only, ...rest] = state.instancesOf(web);
    assert.equal(rest.length, 0);
    assert.equal(only?.state, "TASK_RUNNING");
    assert.equal(only?.unreachableSinceMs, undefined);
  });

  test("a replaced task that returns before it is expunged is killed", () => {
    const { state, taskId } = runningApp({ inactiveAfterSeconds: 0, expungeAfterSeconds: 600 });
    state.handleStatus({ taskId, state: "TASK_UNREACHABLE" }, T0);
    const back = state.handleStatus({ taskId, state: "TASK_RUNNING" }, T0 + 10_000);
    assert.equal(kills(back).length, 1);
  });

  test("disabled never replaces an unreachable instance", () => {
    const { state, taskId } = runningApp("disabled");
    state.handleStatus({ taskId, state: "TASK_UNREACHABLE" }, T0);
    state.tick(T0 + 24 * 3600_000);
    const [only, ...rest] = state.instancesOf(web);
    assert.equal(rest.length, 0);
    assert.equal(only?.state, "TASK_UNREACHABLE");
    assert.equal(only?.goal, "Running");
  });
});
