// `tessera run` fails fast where it would wait forever: the pure verdict over the master's
// state (active agents, totals the role may use), and the command against a real master with
// no agent (it says so, waits only --wait_for_agent, then fails with one line).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pino from "pino";
import type { WireAgent } from "../../src/cli/cluster-views.ts";
import { fitVerdict } from "../../src/cli/run-fit.ts";
import { type RunningMaster, startMaster } from "../../src/master/server.ts";
import { lines, tessera } from "./helpers.ts";

const scalar = (name: string, value: number, role?: string) => ({
  name,
  type: "SCALAR",
  scalar: { value },
  ...(role === undefined ? {} : { role }),
});

function agent(resources: ReturnType<typeof scalar>[], extra: Partial<WireAgent> = {}): WireAgent {
  return {
    agent_info: { id: { value: "a1" }, hostname: "host1", port: 5051 },
    active: true,
    total_resources: resources,
    ...extra,
  };
}

const needs = { role: "*", cpus: 1, memMb: 128, diskMb: 0 };

describe("fitVerdict", () => {
  it("fits when one active agent's total holds the request", () => {
    const state = { agents: [agent([scalar("cpus", 2), scalar("mem", 1024)])] };
    assert.deepEqual(fitVerdict(state, needs), { kind: "fits" });
  });

  it("no agent registered, or none active (deactivated, draining): wait", () => {
    assert.equal(fitVerdict({ agents: [] }, needs).kind, "no_active_agent");
    const big = [scalar("cpus", 8), scalar("mem", 8192)];
    const verdict = fitVerdict(
      {
        agents: [
          agent(big, { deactivated: true }),
          agent(big, { drain_info: { state: "DRAINING" } }),
          agent(big, { active: false }),
        ],
      },
      needs,
    );
    assert.ok(verdict.kind === "no_active_agent");
    assert.match(verdict.message, /none of the 3 registered agents is active/);
  });

  it("never fits when every active agent is too small, counting only what the role may use", () => {
    const state = {
      agents: [agent([scalar("cpus", 4, "other"), scalar("cpus", 0.5), scalar("mem", 4096)])],
    };
    const verdict = fitVerdict(state, needs);
    assert.equal(verdict.kind, "never_fits");
    assert.match(
      verdict.kind === "never_fits" ? verdict.message : "",
      /no agent in the cluster can ever fit cpus:1;mem:128 for role '\*' \(agents: host1: cpus:0\.5;mem:4096;disk:0\)/,
    );
    assert.equal(fitVerdict(state, { ...needs, role: "other" }).kind, "fits");
  });
});

describe("tessera run with no agent", () => {
  let master: RunningMaster;
  before(async () => {
    master = await startMaster({
      flags: { registry: "in_memory", port: "0", ip: "127.0.0.1" },
      logger: pino({ level: "silent" }),
    });
  });
  after(async () => {
    await master?.close();
  });

  it("says no agent is registered, waits --wait_for_agent, then fails with one error line", async () => {
    const r = await tessera(["run", "--master", master.url, "--wait_for_agent", "1", "--", "true"]);
    assert.equal(r.code, 1);
    const out = lines(r.stderr);
    assert.match(out[0] ?? "", /^no agent is registered; waiting up to 1 s for one/);
    assert.match(
      out.at(-1) ?? "",
      /^error: no agent is registered after waiting 1 s \(--wait_for_agent\)$/,
    );
  });
});
