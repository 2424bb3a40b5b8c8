// The authentication and authorization matrix of issue 18 on the master: every endpoint and
// call, asked with no credentials, wrong credentials, a principal the ACLs deny and one they
// allow, answers what Mesos answers (401 `401 Unauthorized.` with the realm's challenge, 403
// `403 Forbidden.`, or what an open master answers); with authentication off nothing changes;
// the open endpoints stay open. Also the unauthenticated writes of finding 7 change nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { RunningMaster } from "../../../src/master/server.ts";
import { startTestMaster } from "./helpers.ts";
import {
  type Answer,
  type Caller,
  callAs,
  startSecureMaster,
  subscribeAs,
} from "./security-fixture.ts";
import { TestAgent } from "./test-agent.ts";

type Realm = "mesos-master-readonly" | "mesos-master-readwrite" | "mesos-master-scheduler";

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly realm: Realm;
  /** What `mallory` (authenticated, allowed nothing) gets: 403, or the answer, filtered. */
  readonly denied: 403 | "answered";
}

const v1 = (
  type: string,
  extra: Record<string, unknown> = {},
  denied: 403 | "answered" = 403,
): Case => ({
  name: `POST /api/v1 ${type}`,
  method: "POST",
  path: "/api/v1",
  body: JSON.stringify({ type, ...extra }),
  realm: "mesos-master-readwrite",
  denied,
});
const get = (
  path: string,
  denied: 403 | "answered" = "answered",
  realm: Realm = "mesos-master-readonly",
): Case => ({
  name: `GET ${path}`,
  method: "GET",
  path,
  realm,
  denied,
});
const agent = { agent_id: { value: "no-such-agent" } };

const CASES: readonly Case[] = [
  get("/master/state"),
  get("/state.json"),
  get("/master/state-summary"),
  get("/master/frameworks"),
  get("/master/slaves"),
  get("/master/tasks"),
  get("/master/roles"),
  // Tessera's additions for the web UI, in the same realm as /master/state.
  get("/master/masters"),
  get("/master/usage"),
  get("/master/flags", 403),
  get("/metrics/snapshot", 403),
  get("/files/browse?path=/master/log", 403),
  get("/master/weights", "answered", "mesos-master-readwrite"),
  get("/master/quota", "answered", "mesos-master-readwrite"),
  v1("GET_HEALTH", {}, "answered"),
  v1("GET_STATE", {}, "answered"),
  v1("GET_FRAMEWORKS", {}, "answered"),
  v1("GET_TASKS", {}, "answered"),
  v1("GET_ROLES", {}, "answered"),
  v1("GET_QUOTA", {}, "answered"),
  v1("GET_FLAGS"),
  v1("GET_METRICS", { get_metrics: {} }),
  v1("SET_LOGGING_LEVEL", { set_logging_level: { level: 1, duration: { nanoseconds: 1e9 } } }),
  v1("LIST_FILES", { list_files: { path: "/master/log" } }),
  v1("TEARDOWN", { teardown: { framework_id: { value: "no-such-framework" } } }),
  v1("UPDATE_WEIGHTS", { update_weights: { weight_infos: [{ role: "web", weight: 2 }] } }),
  v1("UPDATE_QUOTA", {
    update_quota: { quota_configs: [{ role: "web", guarantees: { cpus: { value: 1 } } }] },
  }),
  v1("DEACTIVATE_AGENT", { deactivate_agent: agent }),
  v1("REACTIVATE_AGENT", { reactivate_agent: agent }),
  v1("DRAIN_AGENT", { drain_agent: agent }),
  v1("MARK_AGENT_GONE", { mark_agent_gone: agent }),
  v1("RESERVE_RESOURCES", {
    reserve_resources: {
      ...agent,
      resources: [
        {
          name: "cpus",
          type: "SCALAR",
          scalar: { value: 1 },
          reservations: [{ type: "DYNAMIC", role: "web", principal: "ops" }],
        },
      ],
    },
  }),
  {
    name: "POST /master/reserve",
    method: "POST",
    path: "/master/reserve",
    body: `slaveId=no-such-agent&resources=${encodeURIComponent(
      JSON.stringify([
        {
          name: "cpus",
          type: "SCALAR",
          scalar: { value: 1 },
          reservations: [{ type: "DYNAMIC", role: "web" }],
        },
      ]),
    )}`,
    contentType: "application/x-www-form-urlencoded",
    realm: "mesos-master-readwrite",
    denied: 403,
  },
  v1("GET_MAINTENANCE_SCHEDULE", {}, "answered"),
  v1("GET_MAINTENANCE_STATUS", {}, "answered"),
  v1("UPDATE_MAINTENANCE_SCHEDULE", { update_maintenance_schedule: { schedule: { windows: [] } } }),
  v1("START_MAINTENANCE", { start_maintenance: { machines: [{ hostname: "nowhere" }] } }),
  v1("STOP_MAINTENANCE", { stop_maintenance: { machines: [{ hostname: "nowhere" }] } }),
  get("/master/maintenance/schedule", "answered", "mesos-master-readwrite"),
  get("/master/maintenance/status"),
  {
    name: "POST /master/machine/down",
    method: "POST",
    path: "/master/machine/down",
    body: JSON.stringify([{ hostname: "nowhere" }]),
    realm: "mesos-master-readwrite",
    denied: 403,
  },
  {
    name: "POST /master/teardown",
    method: "POST",
    path: "/master/teardown",
    body: "frameworkId=no-such-framework",
    contentType: "application/x-www-form-urlencoded",
    realm: "mesos-master-readwrite",
    denied: 403,
  },
  {
    name: "PUT /master/weights",
    method: "PUT",
    path: "/master/weights",
    body: JSON.stringify([{ role: "web", weight: 3 }]),
    realm: "mesos-master-readwrite",
    denied: 403,
  },
  {
    name: "DELETE /master/quota/gone",
    method: "DELETE",
    path: "/master/quota/gone",
    body: "",
    realm: "mesos-master-readwrite",
    denied: 403,
  },
  {
    name: "POST /api/v1/scheduler TEARDOWN",
    method: "POST",
    path: "/api/v1/scheduler",
    body: JSON.stringify({ type: "TEARDOWN", framework_id: { value: "no-such-framework" } }),
    realm: "mesos-master-scheduler",
    denied: "answered",
  },
];

function assertUnauthorized(answer: Answer, realm: Realm, what: string): void {
  assert.equal(answer.status, 401, `${what}: ${answer.body}`);
  assert.equal(answer.body, "401 Unauthorized.", what);
  assert.equal(answer.headers["www-authenticate"], `Basic realm="${realm}"`, what);
}

describe("authentication and ACLs on every master endpoint (issue 18 acceptance matrix)", () => {
  let secure: RunningMaster;
  let open: RunningMaster;
  before(async () => {
    [secure, open] = await Promise.all([startSecureMaster(), startTestMaster()]);
    // A quota to remove (Mesos checks that one exists before it asks the ACLs).
    const quota = JSON.stringify({
      type: "UPDATE_QUOTA",
      update_quota: {
        force: true,
        quota_configs: [{ role: "gone", guarantees: { cpus: { value: 1 } } }],
      },
    });
    for (const master of [secure, open]) {
      assert.equal((await callAs(master, "ops", "POST", "/api/v1", quota)).status, 200);
    }
  });
  after(async () => {
    await Promise.all([secure.close(), open.close()]);
  });

  for (const c of CASES) {
    it(`${c.name}: 401 without or with wrong credentials, ${c.denied === 403 ? "403 when denied" : "answered when denied"}, as an open master when allowed`, async () => {
      const ask = (master: RunningMaster, caller: Caller) =>
        callAs(master, caller, c.method, c.path, c.body, c.contentType);
      assertUnauthorized(await ask(secure, "none"), c.realm, `${c.name} without credentials`);
      assertUnauthorized(await ask(secure, "wrong"), c.realm, `${c.name} with a wrong secret`);
      const reference = await ask(open, "none");
      assert.notEqual(reference.status, 401, `${c.name}: the open master asks for credentials`);
      const denied = await ask(secure, "mallory");
      if (c.denied === 403) {
        assert.equal(denied.status, 403, `${c.name} as mallory: ${denied.body}`);
        assert.equal(denied.body, "403 Forbidden.");
      } else {
        assert.equal(denied.status, reference.status, `${c.name} as mallory: ${denied.body}`);
      }
      const allowed = await ask(secure, "ops");
      assert.equal(allowed.status, reference.status, `${c.name} as ops: ${allowed.body}`);
      if (reference.headers["content-type"]?.startsWith("text/plain")) {
        assert.equal(allowed.body, reference.body, `${c.name} as ops`);
      }
    });
  }

  it("/health, /version and /redirect need no credentials, as in Mesos", async () => {
    for (const path of ["/health", "/version", "/master/redirect"]) {
      const answer = await callAs(secure, "none", "GET", path);
      assert.ok([200, 307].includes(answer.status), `${path}: ${answer.status}`);
    }
  });

  it("an Authorization header is ignored where its realm is off (authentication off: unchanged)", async () => {
    for (const caller of ["wrong", "mallory"] as const) {
      const answer = await callAs(open, caller, "GET", "/master/flags");
      assert.equal(answer.status, 200);
    }
  });

  it("SUBSCRIBE without credentials is 401 with the scheduler realm's challenge", async () => {
    const body = JSON.stringify({
      type: "SUBSCRIBE",
      subscribe: { framework_info: { user: "alice", name: "x" } },
    });
    for (const caller of ["none", "wrong"] as const) {
      const answer = await callAs(secure, caller, "POST", "/api/v1/scheduler", body);
      assertUnauthorized(answer, "mesos-master-scheduler", caller);
    }
  });

  it("unauthenticated TEARDOWN, UPDATE_WEIGHTS, UPDATE_QUOTA, DEACTIVATE_AGENT and MARK_AGENT_GONE change nothing (finding 7)", async () => {
    const testAgent = await TestAgent.start(secure.url);
    const framework = await subscribeAs(secure, "alice", {
      user: "alice",
      name: "victim",
      roles: ["web"],
      capabilities: [{ type: "MULTI_ROLE" }],
    });
    try {
      const before = await callAs(secure, "ops", "GET", "/master/state");
      const weightsBefore = (await callAs(secure, "ops", "GET", "/master/weights")).body;
      const quotaBefore = (await callAs(secure, "ops", "GET", "/master/quota")).body;
      const writes = [
        { type: "TEARDOWN", teardown: { framework_id: { value: framework.frameworkId } } },
        { type: "UPDATE_WEIGHTS", update_weights: { weight_infos: [{ role: "web", weight: 5 }] } },
        {
          type: "UPDATE_QUOTA",
          update_quota: { quota_configs: [{ role: "web", guarantees: { cpus: { value: 1 } } }] },
        },
        { type: "DEACTIVATE_AGENT", deactivate_agent: { agent_id: { value: testAgent.agentId } } },
        { type: "MARK_AGENT_GONE", mark_agent_gone: { agent_id: { value: testAgent.agentId } } },
      ];
      for (const write of writes) {
        for (const caller of ["none", "wrong", "mallory"] as const) {
          const answer = await callAs(secure, caller, "POST", "/api/v1", JSON.stringify(write));
          assert.equal(
            answer.status,
            caller === "mallory" ? 403 : 401,
            `${write.type} as ${caller}`,
          );
        }
      }
      const state = JSON.parse((await callAs(secure, "ops", "GET", "/master/state")).body);
      const was = JSON.parse(before.body);
      assert.deepEqual(
        state.frameworks.map((f: { id: string; active: boolean }) => [f.id, f.active]),
        [[framework.frameworkId, true]],
      );
      assert.deepEqual(
        state.slaves.map((a: { id: string; active: boolean }) => [a.id, a.active]),
        [[testAgent.agentId, true]],
      );
      // What an offer changes (offered/used resources) moves on its own meanwhile.
      const lasting = (slaves: Record<string, unknown>[]) =>
        slaves.map((a) =>
          Object.fromEntries(
            Object.entries(a).filter(([k]) => !/^(offered|used)_resources/.test(k)),
          ),
        );
      assert.deepEqual(lasting(state.slaves), lasting(was.slaves));
      assert.equal((await callAs(secure, "ops", "GET", "/master/weights")).body, weightsBefore);
      assert.equal((await callAs(secure, "ops", "GET", "/master/quota")).body, quotaBefore);
    } finally {
      framework.close();
      testAgent.close();
    }
  });

  it("with --authenticate_agents an agent without credentials cannot register", async () => {
    const guarded = await startSecureMaster({ authenticate_agents: "true" });
    try {
      await assert.rejects(TestAgent.start(guarded.url), /agent SUBSCRIBE refused: 401/);
    } finally {
      await guarded.close();
    }
  });

  it("fuzzed Authorization headers on every realm are answered 401 and the master stays up", async () => {
    const fc = (await import("fast-check")).default;
    const printable = fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, "x"));
    const header = fc.oneof(
      printable,
      printable.map((s) => `Basic ${s}`),
      printable.map((s) => `Basic ${Buffer.from(s).toString("base64")}`),
      printable.map((s) => `Bearer ${s}`),
    );
    const paths = ["/master/state", "/api/v1", "/api/v1/scheduler"];
    await fc.assert(
      fc.asyncProperty(header, fc.constantFrom(...paths), async (authorization, path) => {
        const res = await fetch(`${secure.url}${path}`, {
          method: path === "/master/state" ? "GET" : "POST",
          headers: { authorization, "content-type": "application/json" },
          body: path === "/master/state" ? undefined : JSON.stringify({ type: "GET_HEALTH" }),
        });
        await res.text();
        assert.equal(res.status, 401);
      }),
      { numRuns: 150 },
    );
    assert.equal((await fetch(`${secure.url}/health`)).status, 200);
  });
});
