// The task-level half of issue 18's attack test, against a cluster with `tessera dev --secure`'s
// configuration (generated credentials, ACLs, executor tokens) and the hardened isolation a
// secure agent runs with (cgroups with a pids limit, a pid namespace, a private mount
// namespace): an attacker's task, as another user, cannot read a victim framework's sandbox
// through the file system or the files API, cannot see or signal the victim's processes, and a
// symlink it plants out of its sandbox serves nothing even to the operator; a fork bomb is held
// at its pids limit while the agent keeps answering; an executor without a valid token is
// refused. The request-level half (unauthenticated TEARDOWN, KILL, ...) is
// test/cli/dev-secure.test.ts.
import assert from "node:assert/strict";
import { chmodSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { detectCgroups } from "../../src/agent/containerizer/cgroups-detect.ts";
import { detectNamespaces, findTools } from "../../src/agent/containerizer/namespaces-detect.ts";
import type { RunningAgent } from "../../src/agent/server.ts";
import { type DevSecurity, devSecurity } from "../../src/cli/dev-secure.ts";
import { basicAuthorizationHeader, useCredential } from "../../src/http/client.ts";
import type { RunningMaster } from "../../src/master/server.ts";
import { processesWith, terminal } from "../agent/integration/cluster.ts";
import {
  commandTask,
  Framework,
  type Loose,
  startTestAgent,
  tempWorkDir,
} from "../agent/integration/helpers.ts";
import { startTestMaster } from "../master/http/helpers.ts";
import { eventually } from "../support/eventually.ts";

const PIDS_LIMIT = 48;
const VICTIM_MARKER = "sleep 3007";
const BOMB_MARKER = "bomb3008";
const CGROUPS_ROOT = `tessera-attack-${process.pid}`;

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (tasks run as other users)";
  const pids = detectCgroups(`tessera-probe-${process.pid}`).pids;
  if (!pids.ok) return `no pids controller: ${pids.detail}`;
  const ns = detectNamespaces(findTools());
  if (!ns.pid.ok) return `no pid namespaces: ${ns.pid.detail}`;
  if (!ns.filesystem.ok) return `no mount namespaces: ${ns.filesystem.detail}`;
  return undefined;
}

/** The attacker's probes; each prints one word the test reads from its stdout. */
function attackScript(victimSandbox: string, agentUrl: string, victimPid: number): string {
  const node = JSON.stringify(process.execPath);
  const status = (url: string) =>
    `${node} -e 'fetch(process.argv[1]).then(r=>console.log(r.status),e=>console.log("error"))' ${JSON.stringify(url)}`;
  const files = `${agentUrl}/files/read?offset=0&path=${encodeURIComponent(join(victimSandbox, "secret"))}`;
  return [
    `cat ${victimSandbox}/secret >/dev/null 2>&1 && echo fs=read || echo fs=denied`,
    `echo files=$(${status(files)})`,
    `ln -s ${victimSandbox}/secret planted; ln -s / root`,
    // The pattern does not match itself: grep's and the shell's own command lines hold it.
    `if grep -qs 'sleep 300[7]' /proc/[0-9]*/cmdline; then echo sees=victim; else echo sees=none; fi`,
    `kill -0 ${victimPid} 2>/dev/null && echo signal=sent || echo signal=refused`,
  ].join("\n");
}

function answers(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => l.split("=") as [string, string]),
  );
}

describe("tasks attacking each other on a --secure cluster", { skip: unavailable() }, () => {
  let security: DevSecurity;
  let master: RunningMaster;
  let agent: RunningAgent;
  let framework: Framework;
  let agentId: Loose;
  let work: Awaited<ReturnType<typeof tempWorkDir>>;
  const operator = () => ({ authorization: basicAuthorizationHeader(security.operator) });
  const sandboxOf = async (taskId: string): Promise<string> => {
    const state = (await fetch(`${agent.url}/state`, { headers: operator() }).then((r) =>
      r.json(),
    )) as Loose;
    const executors = state.frameworks.flatMap((f: Loose) => [
      ...f.executors,
      ...(f.completed_executors ?? []),
    ]);
    const executor = executors.find((e: Loose) => e.id === taskId);
    assert.ok(executor !== undefined, `${taskId}'s executor in the agent's state`);
    return executor.directory as string;
  };

  before(async () => {
    work = await tempWorkDir("tessera-attack-");
    // Tasks of other users reach their sandboxes below the test's work dir.
    chmodSync(work.dir, 0o755);
    security = devSecurity(work.dir);
    master = await startTestMaster({ ...security.masterFlags, allocation_interval: "20ms" });
    agent = await startTestAgent(master, join(work.dir, "agent"), {
      ...security.agentFlags,
      isolation: "cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid,filesystem/linux",
      container_pids_limit: String(PIDS_LIMIT),
      cgroups_root: CGROUPS_ROOT,
    });
    useCredential(security.services);
    framework = await Framework.subscribe(master, {
      user: "root",
      name: "tenants",
      roles: ["*"],
      capabilities: [{ type: "MULTI_ROLE" }],
    });
    const offer = await framework.offer();
    agentId = offer.agent_id;
    const victim = `echo topsecret > secret; exec ${VICTIM_MARKER}`;
    await framework.launch(offer, [
      commandTask("victim", victim, { command: { value: victim, user: "daemon" } }),
    ]);
    await framework.state("victim", "TASK_RUNNING");
  });
  after(async () => {
    // The agent leaves tasks running when it closes: end them first.
    for (const id of ["victim", "attacker", "bomb"]) {
      if (!framework?.updates.some((u) => u.taskId === id)) continue;
      await framework.kill(agentId, id).catch(() => undefined);
      await terminal(framework, id).catch(() => undefined);
    }
    framework?.close();
    await agent?.close();
    await master?.close();
    useCredential(undefined);
    await work?.remove();
    for (const controller of ["cpu", "memory", "pids"])
      try {
        rmdirSync(`/sys/fs/cgroup/${controller}/${CGROUPS_ROOT}`);
      } catch {
        // Not created (another cgroups layout) or already removed by the agent.
      }
  });

  it("a task cannot read, see or signal another tenant's task, nor plant a way out", async () => {
    const victimSandbox = await sandboxOf("victim");
    const [victimPid] = processesWith(VICTIM_MARKER);
    assert.ok(victimPid !== undefined, "the victim's process on the host");
    const script = attackScript(victimSandbox, agent.url, victimPid);
    const offer = await framework.offer();
    await framework.launch(offer, [
      commandTask("attacker", script, { command: { value: script, user: "nobody" } }),
    ]);
    assert.equal((await terminal(framework, "attacker")).state, "TASK_FINISHED");
    const own = await sandboxOf("attacker");
    const seen = answers(readFileSync(join(own, "stdout"), "utf8"));
    assert.deepEqual(seen, {
      fs: "denied",
      // The files API wants credentials; a task has none of its framework's.
      files: "401",
      sees: "none",
      signal: "refused",
    });
    // Even the operator, who may read every sandbox, gets nothing through the planted links.
    const read = (path: string) =>
      fetch(`${agent.url}/files/read?offset=0&path=${encodeURIComponent(path)}`, {
        headers: operator(),
      });
    assert.equal((await read(join(own, "planted"))).status, 404);
    assert.equal((await read(join(own, "root", "etc", "shadow"))).status, 404);
    const secret = await read(join(victimSandbox, "secret"));
    assert.equal(secret.status, 200);
    assert.deepEqual(await secret.json(), { data: "topsecret\n", offset: 0 });
  });

  it("an executor without a valid token is refused and the victim keeps running", async () => {
    const subscribe = {
      type: "SUBSCRIBE",
      framework_id: { value: framework.id },
      executor_id: { value: "victim" },
      subscribe: { unacknowledged_tasks: [], unacknowledged_updates: [] },
    };
    for (const authorization of [undefined, "Bearer not.a.token"]) {
      const res = await fetch(`${agent.url}/api/v1/executor`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          ...(authorization === undefined ? {} : { authorization }),
        },
        body: JSON.stringify(subscribe),
      });
      assert.equal(res.status, 401, `${authorization ?? "no token"}: ${await res.text()}`);
    }
    assert.equal(processesWith(VICTIM_MARKER).length, 1);
    const states = framework.updates.filter((u) => u.taskId === "victim").map((u) => u.state);
    assert.deepEqual(new Set(states), new Set(["TASK_STARTING", "TASK_RUNNING"]));
  });

  it("a fork bomb is held at its pids limit while the agent keeps answering", async () => {
    const bomb = `: ${BOMB_MARKER}; b() { b | b & }; b; sleep 100`;
    const offer = await framework.offer();
    await framework.launch(offer, [
      commandTask("bomb", bomb, { command: { value: bomb, user: "nobody" } }),
    ]);
    await framework.state("bomb", "TASK_RUNNING");
    // Forked subshells keep the command line, marker included.
    const current = () => processesWith(BOMB_MARKER).length;
    // dash says so each time a fork fails at the limit.
    await eventually("the bomb to reach its limit", async () =>
      readFileSync(join(await sandboxOf("bomb"), "stderr"), "utf8").includes("Cannot fork"),
    );
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${agent.url}/state`, { headers: operator() });
      assert.equal(res.status, 200);
      await res.json();
      assert.ok(current() <= PIDS_LIMIT, `${current()} processes over the limit ${PIDS_LIMIT}`);
    }
    await framework.kill(agentId, "bomb");
    assert.equal((await terminal(framework, "bomb")).state, "TASK_KILLED");
    await eventually("the bomb's processes to be gone", () => current() === 0);
  });
});
