// The Aurora API over an in-memory services engine on a fixed clock, and a stand-in for Mesos
// that offers, reports launched tasks RUNNING and killed ones KILLED: what the Aurora API tests
// share.
import assert from "node:assert/strict";
import { AuroraApi } from "../../../src/frameworks/aurora/aurora-api.ts";
import type { CallResult } from "../../../src/frameworks/aurora/aurora-response.ts";
import { EngineClient } from "../../../src/frameworks/aurora/engine-client.ts";
import type { TaskInfoInput } from "../../../src/sdk/offer-matching.ts";
import { roomyOffer, servicesInMemory, uuidNumbered } from "../services/fixtures.ts";

export const HARNESS_NOW_MS = Date.parse("2024-01-01T00:00:00.000Z");

export function auroraHarness(urls: { jobsUrl?: () => string; masterUrl?: () => string } = {}) {
  let ids = 0;
  let nowMs = HARNESS_NOW_MS;
  const { effects, state, server } = servicesInMemory({
    nowMs: () => nowMs,
    newId: () => uuidNumbered(++ids),
  });
  const api = new AuroraApi({
    cluster: "local",
    state,
    nowMs: () => nowMs,
    zkServers: "127.0.0.1:2181",
    engines: new EngineClient({ services: server.api, ...urls }),
  });

  async function okCall(method: string, body: unknown): Promise<Record<string, unknown>> {
    const r = await api.call(method, body);
    assert.equal(r.code, "OK", r.code === "OK" ? "" : r.message);
    return (r as Extract<CallResult, { code: "OK" }>).result ?? {};
  }

  async function refused(method: string, body: unknown): Promise<[string, string]> {
    const r = await api.call(method, body);
    assert.notEqual(r.code, "OK");
    return [r.code, (r as { message: string }).message];
  }

  /**
   * Plays Mesos until nothing moves; returns the tasks launched. `stepMs`: the clock moves on
   * this much each round, and rounds go on while a deployment runs (watch periods pass).
   */
  function offerAndRun(stepMs = 0): TaskInfoInput[] {
    const launched: TaskInfoInput[] = [];
    for (let round = 0; round < 20; round++, nowMs += stepMs) {
      const out = [
        ...effects.splice(0),
        ...state.tick(nowMs),
        ...state.handleOffers([roomyOffer(`O${round}`, "S1", "h1")], nowMs),
      ];
      const work = out.filter((e) => e.kind === "launch" || e.kind === "kill");
      if (work.length === 0 && (stepMs === 0 || state.deployments().length === 0)) break;
      for (const e of work) {
        if (e.kind === "launch") {
          for (const t of e.tasks) {
            launched.push(t);
            effects.push(
              ...state.handleStatus(
                { taskId: t.task_id.value, state: "TASK_RUNNING", agentId: e.agentId },
                nowMs,
              ),
            );
          }
        } else if (e.kind === "kill") {
          effects.push(...state.handleStatus({ taskId: e.taskId, state: "TASK_KILLED" }, nowMs));
        }
      }
    }
    return launched;
  }

  return { api, state, effects, nowMs: () => nowMs, okCall, refused, offerAndRun };
}
