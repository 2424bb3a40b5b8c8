import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { checkConversion, type OperationScope } from "../../../src/master/core/operations.ts";
import type { OperatorCall, SchedulerCallReply } from "../../../src/master/core/types.ts";
import { Resources } from "../../../src/resources/index.ts";
import { resourcesFromWire, resourcesToWire } from "../../../src/resources/wire-format.ts";
import type { OfferOperation } from "../../../src/wire/offer.ts";
import type { Resource } from "../../../src/wire/resource.ts";
import { Harness } from "./harness.ts";

const dyn = [{ type: "DYNAMIC" as const, role: "web", principal: "ops" }];
const reserved = (name: string, value: number): Resource =>
  ({ name, type: "SCALAR", scalar: { value }, reservations: dyn }) as Resource;
const volume = (id: string, size: number): Resource =>
  ({
    ...reserved("disk", size),
    disk: { persistence: { id, principal: "ops" }, volume: { container_path: "d", mode: "RW" } },
  }) as Resource;

function run(h: Harness, agentId: string, operation: OfferOperation, principal?: string) {
  const call: OperatorCall = { type: "OFFER_OPERATION", agentId, operation, principal };
  const o = h.replies.get(h.operator(call));
  return o?.kind === "reply" ? o.reply : undefined;
}

function message(reply: SchedulerCallReply | undefined): string {
  return reply?.ok === false ? `${reply.error.code}: ${reply.error.message}` : "ok";
}

describe("the operator's resource operations", () => {
  it("reserve, create, destroy and unreserve on the agent's unused resources answer 202 and checkpoint each step", () => {
    const h = new Harness();
    const agent = h.addAgent("a1", "cpus:4;mem:1024;disk:1000");
    const steps: OfferOperation[] = [
      { type: "RESERVE", reserve: { source: [], resources: [reserved("disk", 200)] } },
      { type: "CREATE", create: { volumes: [volume("v1", 200)] } },
      { type: "DESTROY", destroy: { volumes: [volume("v1", 200)] } },
      { type: "UNRESERVE", unreserve: { resources: [reserved("disk", 200)] } },
    ];
    const seen: string[][] = [];
    for (const op of steps) {
      const reply = run(h, agent.agentId, op);
      assert.deepEqual(reply, { ok: true, status: 202 }, message(reply));
      const checkpoint = h
        .agentEventsOn(agent.streamId)
        .filter((e) => e.type === "CHECKPOINT_RESOURCES")
        .at(-1)?.checkpoint_resources;
      seen.push(
        (checkpoint?.resources ?? []).map(
          (r) =>
            `${r.name}:${r.scalar?.value}${r.disk?.persistence ? `[${r.disk.persistence.id}]` : ""}`,
        ),
      );
    }
    assert.deepEqual(seen, [["disk:200"], ["disk:200[v1]"], ["disk:200"], []]);
    assert.deepEqual(h.master.invariantViolations(), []);
  });

  it("refuses with Mesos's statuses: unknown agent 400, an allocated resource 400, more than is unused 409, a wrong principal 400", () => {
    const h = new Harness();
    const agent = h.addAgent("a1", "cpus:4;mem:1024;disk:1000");
    const reserve = (resources: Resource[]): OfferOperation => ({
      type: "RESERVE",
      reserve: { source: [], resources },
    });
    assert.equal(
      message(run(h, "nope", reserve([reserved("cpus", 1)]))),
      "invalid_call: No agent found with specified ID",
    );
    assert.match(
      message(
        run(
          h,
          agent.agentId,
          reserve([{ ...reserved("cpus", 1), allocation_info: { role: "web" } }]),
        ),
      ),
      /^invalid_call: Invalid RESERVE operation on agent .* \(a1\): A reserve operation was attempted with an allocated resource, but the operator API only allows reservations to be made to unallocated resources$/,
    );
    assert.match(
      message(run(h, agent.agentId, reserve([reserved("cpus", 5)]))),
      /^conflict: Failed to apply RESERVE operation: .* does not contain .*cpus.*:5$/,
    );
    assert.match(
      message(run(h, agent.agentId, reserve([reserved("cpus", 1)]), "mallory")),
      /A reserve operation was attempted by authenticated principal 'mallory', which does not match a reserved resource in the request with principal 'ops'$/,
    );
    assert.equal(
      message(run(h, agent.agentId, { type: "DESTROY", destroy: { volumes: [volume("x", 1)] } })),
      "invalid_call: Invalid DESTROY operation: Persistent volumes not found",
    );
    assert.equal(
      h.agentEventsOn(agent.streamId).filter((e) => e.type === "CHECKPOINT_RESOURCES").length,
      0,
    );
  });

  it("an agent that re-registers with a stale checkpoint is sent the master's", () => {
    const h = new Harness();
    const agent = h.addAgent("a1", "cpus:4;mem:1024;disk:1000");
    run(h, agent.agentId, {
      type: "RESERVE",
      reserve: { source: [], resources: [reserved("disk", 10)] },
    });
    // The agent is back after a restart: its old stream has closed.
    h.step({ kind: "agent_stream_closed", agentStreamId: agent.streamId });
    const stream = h.newStreamId("agent");
    h.reregister(stream, agent.agentId);
    const resent = h.agentEventsOn(stream).find((e) => e.type === "CHECKPOINT_RESOURCES");
    assert.equal(resent?.checkpoint_resources?.resources?.[0]?.scalar?.value, 10);
  });
});

const scope = (checkpointed: Resources): OperationScope => ({
  framework: undefined,
  role: undefined,
  principal: undefined,
  agentCapabilities: [],
  checkpointed,
  used: Resources.empty(),
});

function domain(list: Resource[]): Resources {
  const parsed = resourcesFromWire(list);
  assert.ok(parsed.ok);
  return parsed.value;
}

describe("volume resizing arithmetic", () => {
  it("GROW_VOLUME then SHRINK_VOLUME by the same amount gives back the volume and the disk, and conserves the total", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (sizeMb, byMb) => {
          const vol = volume("v", sizeMb);
          const grow = checkConversion(scope(domain([vol])), {
            type: "GROW_VOLUME",
            grow_volume: { volume: vol, addition: reserved("disk", byMb) },
          });
          assert.ok(grow.ok, grow.ok ? "" : grow.message);
          assert.equal(grow.consumed.get("disk"), grow.converted.get("disk"));
          const grown = grow.converted.toArray()[0];
          assert.equal(grown?.kind === "scalar" ? grown.scalar : -1, (sizeMb + byMb) * 1000);
          const shrink = checkConversion(scope(grow.converted), {
            type: "SHRINK_VOLUME",
            shrink_volume: { volume: volume("v", sizeMb + byMb), subtract: { value: byMb } },
          });
          assert.ok(shrink.ok, shrink.ok ? "" : shrink.message);
          assert.ok(shrink.converted.equals(grow.consumed));
          assert.equal(shrink.consumed.get("disk"), shrink.converted.get("disk"));
        },
      ),
    );
  });

  it("RESERVE and UNRESERVE, CREATE and DESTROY are inverse conversions of equal quantity", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (milli) => {
        const size = milli / 1000;
        const reserve = checkConversion(scope(Resources.empty()), {
          type: "RESERVE",
          reserve: { source: [], resources: [reserved("disk", size)] },
        });
        assert.ok(reserve.ok);
        const unreserve = checkConversion(scope(Resources.empty()), {
          type: "UNRESERVE",
          unreserve: { resources: [reserved("disk", size)] },
        });
        assert.ok(unreserve.ok);
        assert.ok(reserve.consumed.equals(unreserve.converted));
        assert.ok(reserve.converted.equals(unreserve.consumed));
        const create = checkConversion(scope(Resources.empty()), {
          type: "CREATE",
          create: { volumes: [volume("v", size)] },
        });
        assert.ok(create.ok);
        const destroy = checkConversion(scope(create.converted), {
          type: "DESTROY",
          destroy: { volumes: [volume("v", size)] },
        });
        assert.ok(destroy.ok, destroy.ok ? "" : destroy.message);
        assert.ok(create.consumed.equals(destroy.converted));
        assert.ok(create.converted.equals(destroy.consumed));
        assert.equal(
          create.consumed.toQuantities().toString(),
          create.converted.toQuantities().toString(),
        );
      }),
    );
  });
});

describe("reservations and volumes across a master failover", () => {
  it("a new master learns them from the re-registering agent, offers them and can destroy the volume", () => {
    const first = new Harness();
    const agent = first.addAgent("a1", "cpus:4;mem:1024;disk:1000");
    run(first, agent.agentId, {
      type: "RESERVE",
      reserve: { source: [], resources: [reserved("disk", 100)] },
    });
    run(first, agent.agentId, { type: "CREATE", create: { volumes: [volume("v1", 100)] } });
    const checkpointed =
      first
        .agentEventsOn(agent.streamId)
        .filter((e) => e.type === "CHECKPOINT_RESOURCES")
        .at(-1)?.checkpoint_resources?.resources ?? [];
    // The registry knows the agent, not its reservations (Mesos's registry does not either).
    const next = new Harness({ registry: first.registry, masterId: "M2" });
    const stream = next.newStreamId("agent");
    const total = domain(wireTotal()).subtract(domain([reserved("disk", 100)]).flatten());
    next.step({
      kind: "agent_subscribe",
      agentStreamId: stream,
      call: {
        type: "SUBSCRIBE",
        agent_id: { value: agent.agentId },
        subscribe: {
          agent_info: { hostname: "a1", port: 5051, resources: wireTotal(), attributes: [] },
          agent_id: { value: agent.agentId },
          version: "1",
          total_resources: [...resourcesToWire(total), ...checkpointed],
          checkpointed_resources: checkpointed,
        },
      },
    });
    const fw = next.subscribe({
      roles: ["web"],
      capabilities: [{ type: "MULTI_ROLE" }, { type: "RESERVATION_REFINEMENT" }],
    });
    next.allocate();
    const offer = next.offers(fw.streamId).at(-1);
    assert.ok(offer?.resources?.some((r) => r.disk?.persistence?.id === "v1"));
    assert.equal(
      offer?.resources?.find((r) => r.name === "disk" && r.disk === undefined)?.scalar?.value,
      900,
    );
    const destroyed = run(next, agent.agentId, {
      type: "DESTROY",
      destroy: { volumes: [volume("v1", 100)] },
    });
    assert.deepEqual(destroyed, { ok: true, status: 202 }, message(destroyed));
  });
});

function wireTotal(): Resource[] {
  return resourcesToWire(
    domain([
      { name: "cpus", type: "SCALAR", scalar: { value: 4 } },
      { name: "mem", type: "SCALAR", scalar: { value: 1024 } },
      { name: "disk", type: "SCALAR", scalar: { value: 1000 } },
    ] as Resource[]),
  );
}

describe("volumes on PATH and MOUNT disks", () => {
  const source = (type: "PATH" | "MOUNT", root: string) =>
    type === "PATH" ? { type, path: { root } } : { type, mount: { root } };
  const disk = (type: "PATH" | "MOUNT", size: number, extra: Record<string, unknown> = {}) =>
    ({
      name: "disk",
      type: "SCALAR",
      scalar: { value: size },
      ...extra,
      disk: { source: source(type, `/mnt/${type}`), ...((extra.disk as object) ?? {}) },
    }) as Resource;

  it("a volume is made on part of a reserved PATH disk, and only on the whole of a MOUNT disk", () => {
    const h = new Harness();
    const agent = h.addAgent("a1", "cpus:1;mem:128", {
      agent_info: {
        hostname: "a1",
        port: 5051,
        resources: [disk("PATH", 500), disk("MOUNT", 200)],
        attributes: [],
      },
      total_resources: [disk("PATH", 500), disk("MOUNT", 200)],
    });
    const reservedPart = (type: "PATH" | "MOUNT", size: number) =>
      disk(type, size, { reservations: dyn });
    const onDisk = (type: "PATH" | "MOUNT", size: number) =>
      disk(type, size, {
        reservations: dyn,
        disk: {
          persistence: { id: `v-${type}`, principal: "ops" },
          volume: { container_path: "d", mode: "RW" },
        },
      });
    const reserve = (r: Resource): OfferOperation => ({
      type: "RESERVE",
      reserve: { source: [], resources: [r] },
    });
    assert.deepEqual(run(h, agent.agentId, reserve(reservedPart("PATH", 100))), {
      ok: true,
      status: 202,
    });
    assert.deepEqual(
      run(h, agent.agentId, { type: "CREATE", create: { volumes: [onDisk("PATH", 100)] } }),
      { ok: true, status: 202 },
    );
    // A MOUNT disk is used whole: part of it is not there to reserve.
    assert.equal(run(h, agent.agentId, reserve(reservedPart("MOUNT", 50)))?.ok, false);
    assert.deepEqual(run(h, agent.agentId, reserve(reservedPart("MOUNT", 200))), {
      ok: true,
      status: 202,
    });
    assert.deepEqual(
      run(h, agent.agentId, { type: "CREATE", create: { volumes: [onDisk("MOUNT", 200)] } }),
      { ok: true, status: 202 },
    );
    const shrink = run(h, agent.agentId, {
      type: "SHRINK_VOLUME",
      shrink_volume: { volume: onDisk("MOUNT", 200), subtract: { value: 10 } },
    });
    assert.match(message(shrink), /Shrinking a volume on a MOUNT disk is not supported$/);
    const last = h
      .agentEventsOn(agent.streamId)
      .filter((e) => e.type === "CHECKPOINT_RESOURCES")
      .at(-1)?.checkpoint_resources?.resources;
    assert.deepEqual(
      last?.map((r) => [r.disk?.source?.type, r.scalar?.value, r.disk?.persistence?.id]),
      [
        ["PATH", 100, "v-PATH"],
        ["MOUNT", 200, "v-MOUNT"],
      ],
    );
  });
});

describe("refined and labelled reservations", () => {
  const web = { type: "DYNAMIC" as const, role: "web", principal: "ops" };
  const child = {
    type: "DYNAMIC" as const,
    role: "web/a",
    principal: "ops",
    labels: { labels: [{ key: "team", value: "a" }] },
  };
  const cpus = (reservations: unknown[]) =>
    ({ name: "cpus", type: "SCALAR", scalar: { value: 1 }, reservations }) as Resource;

  it("a reservation is refined to a child role, its labels kept, and unreserving pops the refinement only", () => {
    const h = new Harness();
    const agent = h.addAgent("a1", "cpus:4;mem:1024");
    const reserve = (r: Resource): OfferOperation => ({
      type: "RESERVE",
      reserve: { source: [], resources: [r] },
    });
    assert.deepEqual(run(h, agent.agentId, reserve(cpus([web]))), { ok: true, status: 202 });
    assert.deepEqual(run(h, agent.agentId, reserve(cpus([web, child]))), {
      ok: true,
      status: 202,
    });
    const last = () =>
      h
        .agentEventsOn(agent.streamId)
        .filter((e) => e.type === "CHECKPOINT_RESOURCES")
        .at(-1)?.checkpoint_resources?.resources ?? [];
    assert.deepEqual(
      last().map((r) => r.reservations?.map((x) => [x.role, x.labels?.labels?.[0]?.value])),
      [
        [
          ["web", undefined],
          ["web/a", "a"],
        ],
      ],
    );
    assert.deepEqual(
      run(h, agent.agentId, { type: "UNRESERVE", unreserve: { resources: [cpus([web, child])] } }),
      { ok: true, status: 202 },
    );
    assert.deepEqual(
      last().map((r) => r.reservations?.map((x) => x.role)),
      [["web"]],
    );
  });

  it("an agent without RESERVATION_REFINEMENT refuses a refined reservation with Mesos's message", () => {
    const h = new Harness();
    const agent = h.addAgent("a1", "cpus:4;mem:1024", {
      capabilities: [{ type: "MULTI_ROLE" }, { type: "HIERARCHICAL_ROLE" }],
    });
    const reply = run(h, agent.agentId, {
      type: "RESERVE",
      reserve: { source: [], resources: [cpus([web, child])] },
    });
    assert.match(
      message(reply),
      /with reservation refinement cannot be reserved on an agent without RESERVATION_REFINEMENT capability$/,
    );
  });
});
