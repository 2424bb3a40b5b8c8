import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ServicesApi } from "../../../src/frameworks/services/api.ts";
import { MemoryAppStore } from "../../../src/frameworks/services/app-store.ts";
import {
  type ServicesEffect,
  ServicesState,
} from "../../../src/frameworks/services/services-state.ts";
import { roomyOffer } from "./fixtures.ts";

const nowMs = Date.parse("2024-01-01T00:00:00.000Z");

function services() {
  let ids = 0;
  const effects: ServicesEffect[] = [];
  const state = new ServicesState({ store: new MemoryAppStore(), newId: () => `id-${++ids}` });
  const api = new ServicesApi({
    state,
    nowMs: () => nowMs,
    effects: (e) => effects.push(...e),
    leader: "",
  });
  const call = (method: string, path: string, body?: unknown) => {
    const [p, q] = path.split("?");
    const reply = api.handle({
      method,
      path: p as string,
      query: new URLSearchParams(q ?? ""),
      clientIp: "127.0.0.1",
      body: body === undefined ? "" : JSON.stringify(body),
    });
    assert.ok(reply.kind === "json" || reply.kind === "text");
    return reply as { status: number; body: Record<string, unknown> & { updateState?: string } };
  };
  /** Launches what waits and reports every launched task running. */
  const run = () => {
    const out = [
      ...effects.splice(0),
      ...state.handleOffers([roomyOffer("O1", "S1", "a1")], nowMs),
    ];
    for (const e of out)
      if (e.kind === "launch")
        for (const t of e.tasks)
          state.handleStatus({ taskId: t.task_id.value, state: "TASK_RUNNING" }, nowMs);
  };
  return { call, run };
}

describe("services API: update control routes", () => {
  test("pulse, pause and abort through /v2/deployments/{id}/..., with updateState in the deployment JSON", () => {
    const { call, run } = services();
    assert.equal(call("POST", "/v2/apps", { id: "/u", cmd: "x", instances: 2 }).status, 201);
    run();
    const put = call("PUT", "/v2/apps/u", {
      id: "/u",
      cmd: "y",
      instances: 2,
      upgradeStrategy: { batchSize: 1, pulseIntervalSeconds: 60 },
    });
    const id = put.body.deploymentId as string;
    assert.equal(
      call("GET", `/v2/deployments/${id}`).body.updateState,
      "ROLL_FORWARD_AWAITING_PULSE",
    );
    const listed = call("GET", "/v2/deployments").body as unknown as { updateState: string }[];
    assert.equal(listed[0]?.updateState, "ROLL_FORWARD_AWAITING_PULSE");
    assert.equal(call("POST", `/v2/deployments/${id}/resume`).status, 409);
    const pulsed = call("POST", `/v2/deployments/${id}/pulse`);
    assert.equal(pulsed.status, 200);
    assert.equal(pulsed.body.updateState, "ROLLING_FORWARD");
    assert.equal(call("POST", "/v2/deployments/nope/pause").status, 404);
    assert.equal(
      call("POST", `/v2/deployments/${id}/pause`).body.updateState,
      "ROLL_FORWARD_PAUSED",
    );
    assert.equal(call("DELETE", `/v2/deployments/${id}?force=true`).status, 202);
    assert.equal(call("GET", `/v2/deployments/${id}`).body.updateState, "ABORTED");
    assert.equal(call("POST", `/v2/deployments/${id}/pause`).status, 404);
    assert.equal(call("GET", "/v2/deployments/nope").status, 404);
  });

  test("a deployment without update control takes no pause (409) and has no updateState", () => {
    const { call } = services();
    const created = call("POST", "/v2/apps", { id: "/m", cmd: "x", mem: 999999 });
    const list = call("GET", "/v2/deployments").body as unknown as Record<string, unknown>[];
    assert.equal(list[0]?.updateState, undefined);
    const id = list[0]?.id as string;
    assert.equal(created.status, 201);
    assert.equal(call("POST", `/v2/deployments/${id}/pause`).status, 409);
  });
});
