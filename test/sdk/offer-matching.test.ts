import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { toMilli } from "../../src/resources/scalar.ts";
import {
  commandTask,
  launchOperation,
  offerFits,
  packTasks,
  RemainingOffer,
  type TaskNeeds,
} from "../../src/sdk/offer-matching.ts";
import { encodeWire, parseWire } from "../../src/wire/json.ts";
import { type Offer, OfferOperation, Offer as OfferSchema } from "../../src/wire/offer.ts";
import type { Resource } from "../../src/wire/resource.ts";

const web = { allocation_info: { role: "web" } };

function offer(resources: unknown[]): Offer {
  const parsed = parseWire(OfferSchema, {
    id: { value: "O1" },
    framework_id: { value: "fw" },
    agent_id: { value: "S0" },
    hostname: "agent1",
    resources,
  });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
  return parsed.value;
}

const scalar = (name: string, value: number, extra: object = web) => ({
  name,
  type: "SCALAR",
  scalar: { value },
  ...extra,
});
const ports = (pairs: [number, number][], extra: object = web) => ({
  name: "ports",
  type: "RANGES",
  ranges: { range: pairs.map(([begin, end]) => ({ begin, end })) },
  ...extra,
});

function sumMilli(resources: readonly Resource[], name: string): number {
  return resources
    .filter((r) => r.name === name)
    .reduce((n, r) => n + toMilli(r.scalar?.value ?? 0), 0);
}

function portsOf(resources: readonly Resource[]): number[] {
  const out: number[] = [];
  for (const r of resources) {
    if (r.name !== "ports") continue;
    for (const { begin, end } of r.ranges?.range ?? [])
      for (let p = begin; p <= end; p++) out.push(p);
  }
  return out;
}

/** An offer of plain and reserved resources, ports in two ranges. */
const sample = offer([
  scalar("cpus", 2),
  scalar("mem", 1024),
  scalar("disk", 500),
  ports([
    [31000, 31002],
    [31010, 31010],
  ]),
  scalar("cpus", 1, {
    ...web,
    reservations: [{ type: "DYNAMIC", role: "web", principal: "ops" }],
  }),
]);

describe("offer matching", () => {
  test("an offer fits a task when every scalar and the port count are there", () => {
    assert.equal(offerFits(sample, { cpus: 3, memMb: 1024, ports: 4 }), true);
    assert.equal(offerFits(sample, { cpus: 3.001 }), false);
    assert.equal(offerFits(sample, { ports: 5 }), false);
    assert.equal(offerFits(sample, { gpus: 1 }), false);
  });

  test("taken resources keep the offer's allocation role and reservations", () => {
    const remaining = new RemainingOffer(sample);
    const taken = remaining.take({ cpus: 2.5, memMb: 100, ports: 2 });
    assert.ok(taken);
    assert.deepEqual(taken.ports, [31000, 31001]);
    const cpus = taken.resources.filter((r) => r.name === "cpus");
    assert.deepEqual(
      cpus.map((r) => [r.scalar?.value, r.reservations?.[0]?.role]),
      [
        [2, undefined],
        [0.5, "web"],
      ],
    );
    for (const r of taken.resources) assert.equal(r.allocation_info?.role, "web");
    assert.equal(remaining.scalar("cpus"), 0.5);
    assert.equal(remaining.portCount(), 2);
  });

  test("a task that does not fit takes nothing", () => {
    const remaining = new RemainingOffer(sample);
    assert.equal(remaining.take({ cpus: 1, memMb: 4096 }), undefined);
    assert.equal(remaining.scalar("cpus"), 3);
  });

  test("persistent volumes and revocable resources are not split for tasks", () => {
    const o = offer([
      scalar("disk", 100, {
        ...web,
        disk: { persistence: { id: "v1" }, volume: { container_path: "d", mode: "RW" } },
      }),
      scalar("cpus", 4, { ...web, revocable: {} }),
    ]);
    assert.equal(offerFits(o, { diskMb: 1 }), false);
    assert.equal(offerFits(o, { cpus: 1 }), false);
  });

  test("packing fills one offer in order and leaves the rest for another", () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const { placed, rest, remaining } = packTasks(sample, items, () => ({ cpus: 0.5, memMb: 300 }));
    assert.deepEqual(
      placed.map((p) => p.item),
      [0, 1, 2],
    );
    assert.deepEqual(rest, [3, 4, 5, 6, 7, 8, 9]);
    assert.equal(remaining.scalar("mem"), 124);
  });

  test("never takes more than the offer has; ports are distinct and within the offered ranges", () => {
    const rangesArb = fc
      .uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: 0, maxLength: 30 })
      .map((ps) =>
        ps.sort((a, b) => a - b).map((p): [number, number] => [p * 10, p * 10 + (p % 4)]),
      );
    const needsArb: fc.Arbitrary<TaskNeeds> = fc.record({
      cpus: fc.integer({ min: 0, max: 4000 }).map((m) => m / 1000),
      memMb: fc.integer({ min: 0, max: 2048 }),
      ports: fc.integer({ min: 0, max: 6 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8000 }),
        fc.integer({ min: 0, max: 8192 }),
        rangesArb,
        fc.array(needsArb, { maxLength: 20 }),
        (cpuMilli, memMb, pairs, needs) => {
          const o = offer([scalar("cpus", cpuMilli / 1000), scalar("mem", memMb), ports(pairs)]);
          const { placed, remaining } = packTasks(o, needs, (n) => n);
          const all = placed.flatMap((p) => p.taken.resources);
          assert.ok(sumMilli(all, "cpus") <= cpuMilli);
          assert.ok(sumMilli(all, "mem") <= toMilli(memMb));
          assert.equal(sumMilli(all, "cpus") + toMilli(remaining.scalar("cpus")), cpuMilli);
          const taken = placed.flatMap((p) => p.taken.ports);
          assert.equal(new Set(taken).size, taken.length);
          assert.deepEqual(portsOf(all).sort(), [...taken].sort());
          for (const p of taken) assert.ok(pairs.some(([b, e]) => p >= b && p <= e));
          for (const p of placed) {
            assert.equal(p.taken.ports.length, p.item.ports ?? 0);
            assert.equal(sumMilli(p.taken.resources, "cpus"), toMilli(p.item.cpus ?? 0));
          }
        },
      ),
    );
  });
});

describe("offer matching: command tasks", () => {
  test("commandTask builds a shell task that the wire schema accepts inside a LAUNCH", () => {
    const taken = new RemainingOffer(sample).take({ cpus: 0.1, memMb: 32 });
    assert.ok(taken);
    const task = commandTask({
      id: "t-1",
      agentId: "S0",
      cmd: "echo hi",
      resources: taken.resources,
      env: { GREETING: "hi" },
      labels: { app: "demo" },
      killGracePeriodMs: 2_000,
    });
    const json = JSON.parse(encodeWire(OfferOperation, launchOperation([task])));
    const info = json.launch.task_infos[0];
    assert.equal(info.name, "t-1");
    assert.deepEqual(info.command.value, "echo hi");
    assert.equal(info.command.shell, true);
    assert.deepEqual(info.command.environment.variables[0], {
      name: "GREETING",
      type: "VALUE",
      value: "hi",
    });
    assert.equal(info.kill_policy.grace_period.nanoseconds, 2_000_000_000);
  });

  test("commandTask with argv execs the program without a shell", () => {
    const task = commandTask({ id: "t", agentId: "S0", cmd: ["/bin/echo", "a b"], resources: [] });
    assert.deepEqual(task.command, {
      shell: false,
      value: "/bin/echo",
      arguments: ["/bin/echo", "a b"],
    });
  });
});
