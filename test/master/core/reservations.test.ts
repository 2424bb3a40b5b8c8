import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { acceptCall } from "../scheduler-calls.ts";
import { Harness } from "./harness.ts";

const reservedCpus = (principal?: string) => ({
  name: "cpus",
  type: "SCALAR" as const,
  scalar: { value: 1 },
  role: "web",
  reservation: principal === undefined ? {} : { principal },
});

function setup(principal?: string) {
  const h = new Harness();
  const agent = h.addAgent("a1", "cpus:4;mem:1024");
  const fw = h.subscribe({ role: "web", ...(principal === undefined ? {} : { principal }) });
  h.allocate();
  const offer = h.offers(fw.streamId)[0];
  assert.ok(offer);
  return { h, agent, fw, offer };
}

describe("RESERVE and UNRESERVE", () => {
  it("RESERVE converts offered resources, tells the agent to checkpoint them, and the reservation is offered back", () => {
    const { h, agent, fw, offer } = setup("p");
    h.call(
      fw.streamId,
      fw.frameworkId,
      acceptCall([offer.id], [{ type: "RESERVE", reserve: { resources: [reservedCpus("p")] } }], {
        refuse_seconds: 0,
      }),
    );
    const checkpoint = h
      .agentEventsOn(agent.streamId)
      .find((e) => e.type === "CHECKPOINT_RESOURCES");
    assert.deepEqual(
      checkpoint?.checkpoint_resources?.resources?.map((r) => [
        r.name,
        r.scalar?.value,
        r.reservations?.[0]?.role,
        r.reservations?.[0]?.type,
      ]),
      [["cpus", 1, "web", "DYNAMIC"]],
    );
    h.allocate();
    const next = h.offers(fw.streamId).at(-1);
    const reserved = next?.resources?.find((r) => r.name === "cpus" && r.role === "web");
    assert.equal(reserved?.scalar?.value, 1);
    assert.deepEqual(reserved?.reservation, { principal: "p" });
    const unreserved = next?.resources?.find((r) => r.name === "cpus" && r.role === "*");
    assert.equal(unreserved?.scalar?.value, 3);
    assert.deepEqual(h.master.invariantViolations(), []);

    // UNRESERVE gives them back to "*".
    h.call(
      fw.streamId,
      fw.frameworkId,
      acceptCall(
        [next!.id],
        [{ type: "UNRESERVE", unreserve: { resources: [reservedCpus("p")] } }],
        { refuse_seconds: 0 },
      ),
    );
    const last = h
      .agentEventsOn(agent.streamId)
      .filter((e) => e.type === "CHECKPOINT_RESOURCES")
      .at(-1);
    assert.deepEqual(last?.checkpoint_resources?.resources ?? [], []);
    h.allocate();
    const cpus = h
      .offers(fw.streamId)
      .at(-1)
      ?.resources?.filter((r) => r.name === "cpus");
    assert.deepEqual(
      cpus?.map((r) => [r.role, r.scalar?.value]),
      [["*", 4]],
    );
  });

  it("a RESERVE with another principal, or of more than offered, changes nothing; with an operation id it gets OPERATION_ERROR", () => {
    const { h, agent, fw, offer } = setup("p");
    h.call(
      fw.streamId,
      fw.frameworkId,
      acceptCall(
        [offer.id],
        [
          { type: "RESERVE", id: { value: "op1" }, reserve: { resources: [reservedCpus("q")] } },
          {
            type: "RESERVE",
            reserve: { resources: [{ ...reservedCpus("p"), scalar: { value: 9 } }] },
          },
        ],
      ),
    );
    const error = h.frameworkEvents(fw.streamId).find((e) => e.type === "UPDATE_OPERATION_STATUS");
    assert.equal(error?.update_operation_status?.status.state, "OPERATION_ERROR");
    assert.match(
      error?.update_operation_status?.status.message ?? "",
      /^A reserve operation was attempted by authenticated principal 'p', which does not match a reserved resource in the request with principal 'q'; on agent /,
    );
    assert.equal(
      h.agentEventsOn(agent.streamId).filter((e) => e.type === "CHECKPOINT_RESOURCES").length,
      0,
    );
    assert.equal(h.master.metrics(h.nowMs)["master/invalid_operations"], 2);
    assert.match(
      h.allocator.calls.at(-1) ?? "",
      /cpus\{allocated:web\}:4; mem\{allocated:web\}:1024 5$/,
    );
  });

  it("an ACCEPT with an UNKNOWN operation is refused 501 and leaves the offer outstanding", () => {
    const { h, fw, offer } = setup();
    const allocatorCalls = h.allocator.calls.length;
    const reply = h.call(
      fw.streamId,
      fw.frameworkId,
      acceptCall(
        [offer.id],
        [
          { type: "RESERVE", reserve: { resources: [] } },
          { type: "UNKNOWN", id: { value: "v" } },
        ],
      ),
    );
    assert.equal(reply?.kind, "reply");
    const answer = reply?.kind === "reply" ? reply.reply : undefined;
    assert.equal(answer?.ok, false);
    assert.equal(answer?.ok === false ? answer.error.code : "", "not_implemented");
    assert.match(answer?.ok === false ? answer.error.message : "", /'UNKNOWN' is not implemented/);
    assert.ok(h.master.snapshot(h.nowMs).offers.some((o) => o.id === offer.id.value));
    assert.equal(h.allocator.calls.length, allocatorCalls);
    assert.equal(
      h.frameworkEvents(fw.streamId).some((e) => e.type === "UPDATE_OPERATION_STATUS"),
      false,
    );
  });

  it("CREATE_DISK and DESTROY_DISK get Mesos's refusal: no resource provider manages the disk", () => {
    const { h, fw, offer } = setup();
    const disk = { name: "disk", type: "SCALAR" as const, scalar: { value: 1 } };
    h.call(
      fw.streamId,
      fw.frameworkId,
      acceptCall(
        [offer.id],
        [
          {
            type: "CREATE_DISK",
            id: { value: "c" },
            create_disk: { source: disk, target_type: "MOUNT" },
          },
          { type: "DESTROY_DISK", id: { value: "d" }, destroy_disk: { source: disk } },
        ],
      ),
    );
    const messages = h
      .frameworkEvents(fw.streamId)
      .flatMap((e) =>
        e.type === "UPDATE_OPERATION_STATUS" ? [e.update_operation_status?.status] : [],
      )
      .map((s) => [s?.operation_id?.value, s?.state, s?.message]);
    assert.deepEqual(messages, [
      [
        "c",
        "OPERATION_ERROR",
        "Invalid CREATE_DISK Operation: 'source' is not managed by a resource provider",
      ],
      [
        "d",
        "OPERATION_ERROR",
        "Invalid DESTROY_DISK Operation: 'source' is not managed by a resource provider",
      ],
    ]);
  });
});
