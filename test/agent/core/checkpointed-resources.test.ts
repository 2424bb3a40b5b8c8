import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { agentTotal, baseOf } from "../../../src/agent/core/checkpointed-resources.ts";
import { parseResourcesText, Resources } from "../../../src/resources/index.ts";
import { resourcesFromWire, resourcesToWire } from "../../../src/resources/wire-format.ts";
import type { Resource } from "../../../src/wire/resource.ts";
import { AGENT_ID, Harness } from "./harness.ts";

const dyn = [{ type: "DYNAMIC" as const, role: "web", principal: "ops" }];
const vol = (id: string, size: number): Resource =>
  ({
    name: "disk",
    type: "SCALAR",
    scalar: { value: size },
    reservations: dyn,
    disk: { persistence: { id }, volume: { container_path: "data", mode: "RW" } },
  }) as Resource;
const reservedCpus = (value: number): Resource =>
  ({ name: "cpus", type: "SCALAR", scalar: { value }, reservations: dyn }) as Resource;

function wire(text: string): Resource[] {
  const parsed = parseResourcesText(text);
  assert.ok(parsed.ok);
  return resourcesToWire(parsed.value);
}

function domain(list: readonly Resource[]): Resources {
  const parsed = resourcesFromWire([...list]);
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.message);
  return parsed.value;
}

describe("the agent's checkpointed resources", () => {
  it("CHECKPOINT_RESOURCES is written, then its operation is reported OPERATION_FINISHED; the next SUBSCRIBE carries it", () => {
    const h = new Harness({ holdCheckpoints: true });
    h.register();
    h.flush();
    const uuid = { value: Buffer.alloc(16, 7).toString("base64") };
    h.masterEvent({
      type: "CHECKPOINT_RESOURCES",
      checkpoint_resources: {
        resources: [vol("v1", 64), reservedCpus(1)],
        operation: { uuid, framework_id: { value: "F1" }, operation_id: { value: "op" } },
      },
    });
    const write = h.held.at(-1)?.write;
    assert.equal(write?.type, "resources");
    // Nothing is reported before the checkpoint is durable.
    assert.equal(
      h.masterCalls().some((c) => c.type === "UPDATE_OPERATION_STATUS"),
      false,
    );
    h.flush();
    const reported = h.masterCalls().find((c) => c.type === "UPDATE_OPERATION_STATUS");
    assert.equal(reported?.agent_id?.value, AGENT_ID);
    assert.deepEqual(reported?.update_operation_status?.operation_uuid, uuid);
    assert.equal(reported?.update_operation_status?.status.state, "OPERATION_FINISHED");
    assert.equal(reported?.update_operation_status?.status.operation_id?.value, "op");
    assert.ok(reported?.update_operation_status?.status.uuid?.value);

    // After a restart from the checkpoint, the SUBSCRIBE names them again.
    const disk = h.disk;
    h.restart({
      agentId: AGENT_ID,
      agentInfo: { hostname: "agent1", port: 5051, resources: [], attributes: [] },
      rebooted: false,
      frameworks: [],
      checkpointedResources: disk.flatMap((w) => (w.type === "resources" ? w.resources : [])),
    });
    h.handle({ kind: "master_connected" });
    h.fire("registration");
    const subscribe = h.outputs.filter((o) => o.kind === "master_subscribe").at(-1);
    const names = (subscribe?.kind === "master_subscribe" ? subscribe.call : undefined)?.subscribe
      ?.checkpointed_resources;
    assert.deepEqual(
      names?.map((r) => [r.name, r.scalar?.value, r.disk?.persistence?.id]),
      [
        ["disk", 64, "v1"],
        ["cpus", 1, undefined],
      ],
    );
  });

  it("the total is --resources with each checkpointed resource in place of what it was made from", () => {
    const total = domain(
      agentTotal(wire("cpus:4;mem:1024;disk:1000"), [vol("v1", 64), reservedCpus(1)]),
    );
    assert.equal(total.get("disk"), 1000_000);
    assert.equal(total.get("cpus"), 4000);
    assert.equal(total.persistentVolumes().get("disk"), 64_000);
    assert.equal(total.reserved("web").get("cpus"), 1000);
    assert.equal(total.unreserved().get("disk"), 936_000);
  });

  it("checkpointed resources that no longer fit --resources are left out rather than counted twice", () => {
    const total = domain(agentTotal(wire("cpus:4;disk:10"), [vol("v1", 64)]));
    assert.equal(total.get("disk"), 10_000);
    assert.equal(total.persistentVolumes().size, 0);
  });

  it("for any split of the disk into volumes, the total keeps every scalar's quantity", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 6 }), (sizes) => {
        const volumes = sizes.map((s, i) => vol(`v${i}`, s));
        const flags = wire("cpus:4;mem:1024;disk:1000");
        const total = domain(agentTotal(flags, volumes));
        assert.equal(total.get("disk"), 1000_000);
        const fitted = total.persistentVolumes().size;
        assert.ok(fitted <= sizes.length);
        for (const r of total.persistentVolumes()) {
          assert.ok(Resources.of(baseOf(r)).unreserved().size === 1);
        }
      }),
    );
  });
});
