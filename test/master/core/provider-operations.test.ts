// CREATE_DISK and DESTROY_DISK, the resource provider offer operations: Tessera has no resource
// providers, so Mesos's validation refuses every source ("'source' is not managed by a resource
// provider"). As in Mesos the operation alone is dropped — OPERATION_ERROR when it has an id —
// and the rest of the ACCEPT (here a LAUNCH) goes ahead; the ACCEPT itself is accepted.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acceptCall } from "../scheduler-calls.ts";
import { Harness } from "./harness.ts";

const rawDisk = { name: "disk", type: "SCALAR" as const, scalar: { value: 10 } };

describe("resource provider operations without resource providers", () => {
  for (const op of [
    {
      type: "CREATE_DISK" as const,
      create_disk: { source: rawDisk, target_type: "MOUNT" as const },
    },
    { type: "DESTROY_DISK" as const, destroy_disk: { source: rawDisk } },
  ]) {
    it(`${op.type} gets OPERATION_ERROR with Mesos's message; the LAUNCH beside it runs`, () => {
      const h = new Harness();
      const agent = h.addAgent("a1", "cpus:4;mem:1024;disk:100");
      const fw = h.subscribe({});
      h.allocate();
      const offer = h.offers(fw.streamId)[0];
      assert.ok(offer);
      const task = {
        name: "t",
        task_id: { value: "t1" },
        agent_id: offer.agent_id,
        resources: [{ name: "cpus", type: "SCALAR" as const, scalar: { value: 1 } }],
        command: { value: "true" },
      };
      const reply = h.call(
        fw.streamId,
        fw.frameworkId,
        acceptCall(
          [offer.id],
          [
            { ...op, id: { value: "disk-op" } },
            { type: "LAUNCH", launch: { task_infos: [task] } },
          ],
        ),
      );
      assert.equal(reply?.kind === "reply" ? reply.reply.ok : undefined, true);
      const error = h
        .frameworkEvents(fw.streamId)
        .find((e) => e.type === "UPDATE_OPERATION_STATUS");
      assert.equal(error?.update_operation_status?.status.state, "OPERATION_ERROR");
      assert.equal(
        error?.update_operation_status?.status.message,
        "'source' is not managed by a resource provider",
      );
      assert.ok(h.agentEventsOn(agent.streamId).some((e) => e.type === "RUN_TASK"));
    });
  }
});
