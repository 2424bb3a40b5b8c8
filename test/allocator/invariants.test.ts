import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AllocatorState, normalizeOptions } from "../../src/allocator/allocator-state.ts";
import { Allocator } from "../../src/allocator/index.ts";
import { FrameworkState } from "../../src/allocator/records.ts";
import { applyDelta } from "../../src/allocator/scalar-vector.ts";
import { InvariantError } from "../../src/base/assert.ts";
import { agentRecord, res } from "./helpers.ts";

/** Allocator books with one agent and one framework tracked under role "web". */
function books(agentText = "cpus:4;mem:4096") {
  const state = new AllocatorState(normalizeOptions({}), []);
  const agent = agentRecord("a0", agentText);
  state.agents.set(agent.id, agent);
  state.countAgentTotal(agent, 1);
  const fw = new FrameworkState("f1");
  fw.roles = new Set(["web"]);
  state.frameworks.set(fw.id, fw);
  state.track(fw, "web");
  return { state, agent, fw, role: state.role("web") };
}

const invariant = (pattern: RegExp) => (error: unknown) =>
  error instanceof InvariantError && pattern.test(error.message);

describe("allocator invariants (asserted, always on)", () => {
  it("an allocation of more than the agent has available crashes instead of clamping", () => {
    const { state, agent, fw, role } = books();
    state.allocate(fw, role, agent, res("cpus:3"));
    assert.throws(
      () => state.allocate(fw, role, agent, res("cpus:2")),
      invariant(/beyond what a0 has available/),
    );
  });

  it("recovering what a framework does not hold crashes", () => {
    const a = new Allocator({ seed: 1 });
    a.addAgent("a0", { hostname: "h0", total: res("cpus:4;mem:4096") });
    a.addFramework("f1", { roles: ["web"] });
    const [offer] = a.allocate(0);
    assert.ok(offer !== undefined);
    const more = offer.resources.add(res("cpus:1").allocate("web"));
    assert.throws(
      () => a.recoverResources("f1", "a0", more, undefined, 0),
      invariant(/does not hold in web on a0/),
    );
  });

  it("a role's allocation out of step with its frameworks' crashes at the next change", () => {
    const { state, agent, fw, role } = books();
    state.roleSorter.allocated("web", { ids: [state.names.id("cpus")], millis: [1_000] });
    assert.throws(
      () => state.allocate(fw, role, agent, res("cpus:1")),
      invariant(/role web holds .* its frameworks/),
    );
  });

  it("an allocation vector never goes negative", () => {
    const v = [1_000];
    assert.throws(
      () => applyDelta(v, { ids: [0], millis: [2_000] }, -1),
      invariant(/went negative/),
    );
  });
});
