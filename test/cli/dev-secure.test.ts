// The attack test of issue 18 against a cluster with `tessera dev --secure`'s configuration (the
// generated credentials, executor key and ACLs on a real master and agent, a framework running
// a real task): unauthenticated or wrongly authenticated TEARDOWN, KILL, KILL_CONTAINER,
// MARK_AGENT_GONE and UPDATE_QUOTA are refused and change nothing; the operator's credential
// does what it should; the generated files are readable by their owner only.
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { RunningAgent } from "../../src/agent/server.ts";
import { type DevSecurity, devSecurity } from "../../src/cli/dev-secure.ts";
import { basicAuthorizationHeader, useCredential } from "../../src/http/client.ts";
import type { RunningMaster } from "../../src/master/server.ts";
import {
  Framework,
  type Loose,
  startTestAgent,
  tempWorkDir,
} from "../agent/integration/helpers.ts";
import { startTestMaster } from "../master/http/helpers.ts";

type Attacker = "none" | "wrong";

async function attack(url: string, who: Attacker, body: unknown, streamId?: string) {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json",
  };
  if (who === "wrong")
    headers.authorization = basicAuthorizationHeader({ principal: "operator", secret: "guess" });
  if (streamId !== undefined) headers["mesos-stream-id"] = streamId;
  const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.text() };
}

describe("an attacker against a --secure cluster", () => {
  let security: DevSecurity;
  let master: RunningMaster;
  let agent: RunningAgent;
  let framework: Framework;
  let agentId: Loose;
  let work: Awaited<ReturnType<typeof tempWorkDir>>;
  before(async () => {
    work = await tempWorkDir("tessera-secure-");
    security = devSecurity(work.dir);
    master = await startTestMaster({ ...security.masterFlags, allocation_interval: "20ms" });
    agent = await startTestAgent(master, join(work.dir, "agent"), {
      ...security.agentFlags,
      isolation: "posix/cpu,posix/mem",
    });
    // The framework logs in as the services principal (every request of this process does).
    useCredential(security.services);
    framework = await Framework.subscribe(master, {
      user: "root",
      name: "victim",
      roles: ["*"],
      capabilities: [{ type: "MULTI_ROLE" }],
    });
    const offer = await framework.offer();
    agentId = offer.agent_id;
    await framework.launch(offer, [
      { task_id: { value: "victim-task" }, command: { value: "sleep 300" } },
    ]);
    await framework.state("victim-task", "TASK_RUNNING");
  });
  after(async () => {
    framework?.close();
    await agent?.close();
    await master?.close();
    useCredential(undefined);
    await work?.remove();
  });

  it("every write the attacker tries is refused with 401 and the cluster is unchanged", async () => {
    const api = `${master.url}/api/v1`;
    const scheduler = `${master.url}/api/v1/scheduler`;
    const fw = { value: framework.id };
    const state = await fetch(`${agent.url}/state`, {
      headers: { authorization: basicAuthorizationHeader(security.operator) },
    }).then((r) => r.json() as Promise<Loose>);
    const containerId = state.frameworks[0].executors[0].container as string;
    const attempts: [string, string, unknown][] = [
      [api, "TEARDOWN", { type: "TEARDOWN", teardown: { framework_id: fw } }],
      [api, "MARK_AGENT_GONE", { type: "MARK_AGENT_GONE", mark_agent_gone: { agent_id: agentId } }],
      [
        api,
        "UPDATE_QUOTA",
        {
          type: "UPDATE_QUOTA",
          update_quota: { quota_configs: [{ role: "*", limits: { cpus: { value: 0 } } }] },
        },
      ],
      [scheduler, "scheduler TEARDOWN", { type: "TEARDOWN", framework_id: fw }],
      [
        scheduler,
        "scheduler KILL",
        {
          type: "KILL",
          framework_id: fw,
          kill: { task_id: { value: "victim-task" }, agent_id: agentId },
        },
      ],
      [
        `${agent.url}/api/v1`,
        "agent KILL_CONTAINER",
        { type: "KILL_CONTAINER", kill_container: { container_id: { value: containerId } } },
      ],
    ];
    for (const [url, name, body] of attempts) {
      for (const who of ["none", "wrong"] as const) {
        const answer = await attack(url, who, body, framework.scheduler.streamId);
        assert.equal(answer.status, 401, `${name} as ${who}: ${answer.body}`);
      }
    }
    // Unchanged: the framework and its task, the agent, no quota.
    const operator = { authorization: basicAuthorizationHeader(security.operator) };
    const after = await fetch(`${master.url}/master/state`, { headers: operator }).then(
      (r) => r.json() as Promise<Loose>,
    );
    assert.deepEqual(
      after.frameworks.map((f: Loose) => [f.name, f.active, f.tasks.map((t: Loose) => t.state)]),
      [["victim", true, ["TASK_RUNNING"]]],
    );
    assert.deepEqual(
      after.slaves.map((s: Loose) => s.active),
      [true],
    );
    const quota = await fetch(`${master.url}/master/quota`, { headers: operator }).then(
      (r) => r.json() as Promise<Loose>,
    );
    assert.deepEqual(quota.configs ?? [], []);
    assert.ok(!framework.updates.some((u) => u.state === "TASK_KILLED"));
  });

  it("the operator's credential reads and writes; the generated files are the owner's only", async () => {
    const operator = { authorization: basicAuthorizationHeader(security.operator) };
    const health = await fetch(`${master.url}/api/v1`, {
      method: "POST",
      headers: { ...operator, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ type: "GET_FLAGS" }),
    });
    assert.equal(health.status, 200);
    for (const name of ["credentials.json", "acls.json", "jwt.key", "operator-credential.json"]) {
      assert.equal(statSync(join(security.dir, name)).mode & 0o077, 0, name);
    }
    // A second start finds the same secrets (the CLI keeps working across restarts).
    assert.deepEqual(devSecurity(work.dir).operator, security.operator);
  });
});
