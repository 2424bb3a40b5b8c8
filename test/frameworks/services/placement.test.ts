import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { AppDefinition } from "../../../src/frameworks/services/app-definition.ts";
import {
  type AgentFacts,
  type Constraint,
  checkConstraint,
  parseConstraint,
} from "../../../src/frameworks/services/constraints.ts";
import { offerView, placeInstance } from "../../../src/frameworks/services/placement.ts";
import {
  buildTaskInfo,
  parseTaskId,
  taskEnvironment,
} from "../../../src/frameworks/services/task-info.ts";
import { parseWire } from "../../../src/wire/json.ts";
import { type Offer, Offer as OfferSchema } from "../../../src/wire/offer.ts";
import { appDef } from "./fixtures.ts";

const app = (fields: Record<string, unknown>): AppDefinition =>
  appDef({ id: "/web", cmd: "serve", ...fields });

function offer(opts: {
  cpus?: number;
  mem?: number;
  ports?: [number, number][];
  host?: string;
  attributes?: unknown[];
  role?: string;
}): Offer {
  const role =
    opts.role === undefined ? {} : { reservations: [{ type: "STATIC", role: opts.role }] };
  const parsed = parseWire(OfferSchema, {
    id: { value: "O1" },
    framework_id: { value: "fw" },
    agent_id: { value: "S1" },
    hostname: opts.host ?? "agent1",
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: opts.cpus ?? 4 }, ...role },
      { name: "mem", type: "SCALAR", scalar: { value: opts.mem ?? 1024 }, ...role },
      {
        name: "ports",
        type: "RANGES",
        ranges: { range: (opts.ports ?? [[31000, 31009]]).map(([begin, end]) => ({ begin, end })) },
        ...role,
      },
    ],
    attributes: opts.attributes ?? [],
  });
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
  return parsed.value;
}

const host = (hostname: string, rack?: string): AgentFacts => ({
  hostname,
  attributes: rack === undefined ? [] : [{ name: "rack", kind: "text", text: rack }],
});

function constraint(...raw: string[]): Constraint {
  const parsed = parseConstraint(raw);
  assert.ok(parsed.ok);
  return parsed.constraint;
}

describe("constraints", () => {
  test("UNIQUE refuses a host that already runs an instance", () => {
    const c = constraint("hostname", "UNIQUE");
    assert.equal(checkConstraint(c, host("a"), [host("b")]).ok, true);
    assert.equal(checkConstraint(c, host("a"), [host("a")]).ok, false);
  });

  test("CLUSTER without a value follows the first placed instance", () => {
    const c = constraint("rack", "CLUSTER");
    assert.equal(checkConstraint(c, host("a", "r1"), []).ok, true);
    assert.equal(checkConstraint(c, host("a", "r2"), [host("b", "r1")]).ok, false);
    assert.equal(
      checkConstraint(constraint("rack", "CLUSTER", "r1"), host("a", "r1"), []).ok,
      true,
    );
  });

  test("LIKE is a full match, and only UNLIKE accepts agents lacking the attribute", () => {
    assert.equal(
      checkConstraint(constraint("rack", "LIKE", "r[0-9]"), host("a", "r1"), []).ok,
      true,
    );
    assert.equal(checkConstraint(constraint("rack", "LIKE", "r"), host("a", "r1"), []).ok, false);
    assert.equal(checkConstraint(constraint("rack", "LIKE", ".*"), host("a"), []).ok, false);
    assert.equal(checkConstraint(constraint("rack", "UNLIKE", "r1"), host("a"), []).ok, true);
    assert.equal(
      checkConstraint(constraint("rack", "UNLIKE", "r1"), host("a", "r1"), []).ok,
      false,
    );
  });

  test("MAX_PER allows N per value, GROUP_BY fills the smallest group, IS compares exactly", () => {
    const maxPer = constraint("rack", "MAX_PER", "2");
    assert.equal(checkConstraint(maxPer, host("a", "r1"), [host("b", "r1")]).ok, true);
    assert.equal(
      checkConstraint(maxPer, host("a", "r1"), [host("b", "r1"), host("c", "r1")]).ok,
      false,
    );
    const groupBy = constraint("rack", "GROUP_BY", "2");
    assert.equal(checkConstraint(groupBy, host("a", "r1"), [host("b", "r1")]).ok, false);
    assert.equal(checkConstraint(groupBy, host("a", "r2"), [host("b", "r1")]).ok, true);
    assert.equal(
      checkConstraint(groupBy, host("a", "r1"), [host("b", "r1"), host("c", "r2")]).ok,
      true,
    );
    assert.equal(checkConstraint(constraint("rack", "IS", "r1"), host("a", "r1"), []).ok, true);
  });

  test("scalar attributes compare in Marathon's 0.### form", () => {
    const agent: AgentFacts = {
      hostname: "a",
      attributes: [{ name: "level", kind: "scalar", scalar: 800 as never }],
    };
    assert.equal(checkConstraint(constraint("level", "IS", "0.8"), agent, []).ok, true);
  });

  test("invalid constraints are refused at creation with a reason", () => {
    assert.equal(parseConstraint(["hostname", "UNIQUE", "x"]).ok, false);
    assert.equal(parseConstraint(["rack", "MAX_PER"]).ok, false);
    assert.equal(parseConstraint(["rack", "LIKE", "("]).ok, false);
  });

  test("UNIQUE never places two instances on one host value (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 30 }), (hosts) => {
        const placed: AgentFacts[] = [];
        const c = constraint("hostname", "UNIQUE");
        for (const h of hosts) if (checkConstraint(c, host(h), placed).ok) placed.push(host(h));
        assert.equal(new Set(placed.map((p) => p.hostname)).size, placed.length);
      }),
    );
  });
});

describe("placement", () => {
  test("an instance takes its cpus, mem and the lowest free port from the offer", () => {
    const view = offerView(offer({}), 0);
    const result = placeInstance(app({ cpus: 0.5, mem: 64 }), view, []);
    assert.ok(result.ok);
    assert.deepEqual(result.hostPorts, [31000]);
    const second = placeInstance(app({ cpus: 0.5, mem: 64 }), view, []);
    assert.ok(second.ok);
    assert.deepEqual(second.hostPorts, [31001]);
  });

  test("the first failing check names the reason, in Marathon's order", () => {
    const reason = (a: AppDefinition, o: Offer) => {
      const r = placeInstance(a, offerView(o, 0), []);
      return r.ok ? "ok" : r.reason;
    };
    assert.equal(reason(app({ mem: 4096 }), offer({})), "InsufficientMemory");
    assert.equal(reason(app({ cpus: 8, mem: 4096 }), offer({})), "InsufficientCpus");
    assert.equal(
      reason(app({ constraints: [["hostname", "LIKE", "db.*"]] }), offer({})),
      "UnfulfilledConstraint",
    );
    assert.equal(reason(app({}), offer({ role: "other" })), "UnfulfilledRole");
    assert.equal(
      reason(app({ portDefinitions: [{ port: 80 }], requirePorts: true }), offer({})),
      "InsufficientPorts",
    );
    assert.equal(
      reason(app({ portDefinitions: [{ port: 31005 }], requirePorts: true }), offer({})),
      "ok",
    );
  });

  test("the TaskInfo carries Marathon's task id, environment and a Mesos health check", () => {
    const a = app({
      portDefinitions: [{ port: 0, name: "http" }],
      labels: { team: "x" },
      healthChecks: [{ protocol: "MESOS_HTTP", path: "/health" }],
    });
    const task = buildTaskInfo({
      app: a,
      version: "v",
      instanceId: "web.instance-1234",
      incarnation: 1,
      agentId: "S1",
      host: "agent1",
      resources: [],
      hostPorts: [31000],
    });
    assert.equal(task.task_id.value, "web.instance-1234._app.1");
    assert.deepEqual(parseTaskId(task.task_id.value), {
      appId: "/web",
      instanceId: "web.instance-1234",
      incarnation: 1,
    });
    assert.equal(task.health_check?.type, "HTTP");
    assert.equal(task.health_check?.http?.port, 31000);
    const env = taskEnvironment({
      app: a,
      version: "v",
      taskId: "t",
      host: "agent1",
      hostPorts: [31000],
    });
    assert.equal(env.PORT0, "31000");
    assert.equal(env.PORT_HTTP, "31000");
    assert.equal(env.PORTS, "31000");
    assert.equal(env.HOST, "agent1");
    assert.equal(env.MARATHON_APP_ID, "/web");
    assert.equal(env.MARATHON_APP_LABEL_TEAM, "x");
  });
});
