// The agent with authentication and ACLs on (issue 18), against a real master and agent running
// real tasks: every endpoint and call with no credentials, wrong ones, a denied and an allowed
// principal (Mesos's 401 and 403); finding 7's KILL_CONTAINER without credentials; finding 8
// (another principal sees neither the task's environment in GET_STATE nor its sandbox through
// the files API); and executor authentication: a custom executor speaks with the token the agent
// hands it, while a call without a token, with a forged one, or with one for another executor is
// refused.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { basicAuthorizationHeader, postCall, request } from "../../../src/http/client.ts";
import { signJwt } from "../../../src/security/jwt.ts";
import { clusterForSuite } from "../integration/cluster.ts";
import { commandTask, type Loose } from "../integration/helpers.ts";

const SECRETS: Record<string, string> = { ops: "o", alice: "a", bob: "b", mallory: "m" };
const JWT_KEY = "agent-test-jwt-key-0123456789";
type Caller = "none" | "wrong" | "ops" | "alice" | "bob" | "mallory";

function headers(caller: Caller): Record<string, string> {
  if (caller === "none") return {};
  const principal = caller === "wrong" ? "ops" : caller;
  const secret = caller === "wrong" ? "nope" : (SECRETS[caller] ?? "");
  return { Authorization: basicAuthorizationHeader({ principal, secret }) };
}

function acls(): string {
  const users = (who: string, values: string[]) => ({
    principals: { values: [who] },
    users: { values },
  });
  const ops = (field: string) => ({ principals: { values: ["ops"] }, [field]: { type: "ANY" } });
  const view = [ops("users"), users("alice", ["root"]), users("bob", ["nobody"])];
  return JSON.stringify({
    permissive: false,
    view_frameworks: view,
    view_tasks: view,
    view_executors: view,
    access_sandboxes: view,
    kill_standalone_containers: [ops("users")],
    view_flags: [ops("flags")],
    set_log_level: [ops("level")],
    get_endpoints: [ops("paths")],
  });
}

const SDK = fileURLToPath(new URL("../../../src/sdk/index.ts", import.meta.url));
const TSX = import.meta.resolve("tsx");
const EXECUTOR_SOURCE = `
import { ExecutorClient } from ${JSON.stringify(SDK)};
const executor = new ExecutorClient();
let terminal;
executor.on("launch", async (task) => {
  const token = process.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN ?? "";
  await executor.sendUpdate({ taskId: task.task_id.value, state: "TASK_RUNNING", message: token });
  terminal = (await executor.sendUpdate({ taskId: task.task_id.value, state: "TASK_FINISHED" })).uuid;
});
executor.on("acknowledged", ({ uuid }) => {
  if (uuid === terminal) void executor.stop().then(() => process.exit(0));
});
await executor.start();
`;

describe("agent authentication, ACLs and executor tokens", () => {
  const c = clusterForSuite("authn", {
    isolation: "posix/cpu,posix/mem",
    authenticate_http_readonly: "true",
    authenticate_http_readwrite: "true",
    authenticate_http_executors: "true",
    jwt_secret_key: JWT_KEY,
    http_credentials: JSON.stringify({
      credentials: Object.entries(SECRETS).map(([principal, secret]) => ({ principal, secret })),
    }),
    acls: acls(),
  });

  const get = (caller: Caller, path: string) =>
    request(`${c.agent.url}${path}`, { method: "GET", headers: headers(caller) });
  const v1 = (caller: Caller, call: unknown) =>
    postCall(`${c.agent.url}/api/v1`, JSON.stringify(call), { headers: headers(caller) });

  let secretTask: { containerId: string; sandbox: string } | undefined;
  const launchSecretTask = async () => {
    if (secretTask !== undefined) return secretTask;
    await c.launch([
      commandTask("secret-task", "echo visible-output; sleep 300", {
        command: {
          value: "echo visible-output; sleep 300",
          environment: { variables: [{ name: "SECRET_TOKEN", value: "hunter2-secret" }] },
        },
      }),
    ]);
    await c.framework.state("secret-task", "TASK_RUNNING");
    const state = JSON.parse((await get("ops", "/state")).body) as Loose;
    const executor = state.frameworks[0].executors.find((e: Loose) => e.id === "secret-task");
    secretTask = { containerId: executor.container, sandbox: executor.directory };
    return secretTask;
  };

  it("every agent endpoint and call: 401 without or with wrong credentials, 403 when the ACLs deny, answered when allowed", async () => {
    const { containerId } = await launchSecretTask();
    const cases: {
      name: string;
      ask: (
        who: Caller,
      ) => Promise<{ status: number; body: string; headers: Record<string, string> }>;
      realm: string;
      denied: 403 | 200;
      allowed: number;
    }[] = [
      {
        name: "GET /state",
        ask: (w) => get(w, "/state"),
        realm: "readonly",
        denied: 200,
        allowed: 200,
      },
      {
        name: "GET /flags",
        ask: (w) => get(w, "/flags"),
        realm: "readonly",
        denied: 403,
        allowed: 200,
      },
      {
        name: "GET /monitor/statistics",
        ask: (w) => get(w, "/monitor/statistics"),
        realm: "readonly",
        denied: 403,
        allowed: 200,
      },
      {
        name: "GET /containers",
        ask: (w) => get(w, "/containers"),
        realm: "readonly",
        denied: 403,
        allowed: 200,
      },
      {
        name: "GET /metrics/snapshot",
        ask: (w) => get(w, "/metrics/snapshot"),
        realm: "readonly",
        denied: 403,
        allowed: 200,
      },
      {
        name: "GET_STATE",
        ask: (w) => v1(w, { type: "GET_STATE" }),
        realm: "readwrite",
        denied: 200,
        allowed: 200,
      },
      {
        name: "GET_FLAGS",
        ask: (w) => v1(w, { type: "GET_FLAGS" }),
        realm: "readwrite",
        denied: 403,
        allowed: 200,
      },
      {
        name: "SET_LOGGING_LEVEL",
        ask: (w) =>
          v1(w, {
            type: "SET_LOGGING_LEVEL",
            set_logging_level: { level: 0, duration: { nanoseconds: 1e6 } },
          }),
        realm: "readwrite",
        denied: 403,
        allowed: 200,
      },
      {
        // The denied principal asks to kill the running task's container (finding 7).
        name: "KILL_CONTAINER",
        ask: (w) =>
          v1(w, {
            type: "KILL_CONTAINER",
            kill_container: {
              container_id: { value: w === "ops" ? "no-such-container" : containerId },
            },
          }),
        realm: "readwrite",
        denied: 403,
        allowed: 404,
      },
    ];
    for (const k of cases) {
      for (const who of ["none", "wrong"] as const) {
        const answer = await k.ask(who);
        assert.equal(answer.status, 401, `${k.name} as ${who}`);
        assert.equal(answer.body, "401 Unauthorized.");
        // With executor authentication the realm also takes executors' tokens: two
        // challenges, joined with ',' as libprocess joins them.
        const realm = `mesos-agent-${k.realm}`;
        assert.equal(
          answer.headers["www-authenticate"],
          `Basic realm="${realm}",Bearer realm="${realm}"`,
        );
      }
      const denied = await k.ask("mallory");
      assert.equal(denied.status, k.denied, `${k.name} as mallory: ${denied.body}`);
      if (k.denied === 403) assert.equal(denied.body, "403 Forbidden.");
      assert.equal((await k.ask("ops")).status, k.allowed, `${k.name} as ops`);
    }
    // Nothing above killed the task: it still runs in its container.
    const state = JSON.parse((await get("ops", "/state")).body) as Loose;
    const executor = state.frameworks[0].executors.find((e: Loose) => e.id === "secret-task");
    assert.equal(executor?.container, containerId);
    assert.equal(executor.tasks[0]?.state, "TASK_RUNNING");
  });

  it("another principal sees neither the task's environment nor its sandbox (finding 8)", async () => {
    const { sandbox } = await launchSecretTask();
    const asBob = await v1("bob", { type: "GET_STATE" });
    assert.equal(asBob.status, 200);
    assert.ok(!asBob.body.includes("hunter2-secret"), "bob's GET_STATE shows alice's secret");
    assert.ok(!asBob.body.includes("secret-task"), "bob's GET_STATE shows alice's task");
    assert.ok(!(await get("bob", "/state")).body.includes("secret-task"));
    const path = encodeURIComponent(join(sandbox, "stdout"));
    const read = (who: Caller) => get(who, `/files/read?path=${path}&offset=0`);
    assert.equal((await read("bob")).status, 403);
    assert.equal((await read("mallory")).status, 403);
    const list = await v1("bob", { type: "LIST_FILES", list_files: { path: sandbox } });
    assert.equal(list.status, 403);
    const asAlice = await read("alice");
    assert.equal(asAlice.status, 200, asAlice.body);
    assert.match(asAlice.body, /visible-output/);
    const aliceState = await v1("alice", { type: "GET_STATE" });
    assert.ok(aliceState.body.includes("secret-task"));
  });

  it("the executor API takes only a valid token for the calling executor", async () => {
    await launchSecretTask();
    const call = {
      type: "SUBSCRIBE",
      framework_id: { value: c.framework.id },
      executor_id: { value: "secret-task" },
      subscribe: { unacknowledged_tasks: [], unacknowledged_updates: [] },
    };
    const send = (authorization?: string) =>
      postCall(`${c.agent.url}/api/v1/executor`, JSON.stringify(call), {
        headers: authorization === undefined ? {} : { Authorization: authorization },
      });
    const challenge = 'Bearer realm="mesos-agent-executor"';
    for (const authorization of [
      undefined,
      headers("ops").Authorization,
      `Bearer ${signJwt({ fid: c.framework.id, eid: "secret-task", cid: "x" }, "another-key")}`,
      "Bearer not.a.token",
    ]) {
      const answer = await send(authorization);
      assert.equal(answer.status, 401, String(authorization));
      assert.equal(answer.headers["www-authenticate"], challenge);
    }
    const other = signJwt({ fid: c.framework.id, eid: "another-executor", cid: "x" }, JWT_KEY);
    const forbidden = await send(`Bearer ${other}`);
    assert.equal(forbidden.status, 403, forbidden.body);
  });

  it("a custom executor authenticates with the token the agent put in its environment", async () => {
    const script = join(c.workDir, "token-executor.mjs");
    await writeFile(script, EXECUTOR_SOURCE);
    await c.launch([
      {
        task_id: { value: "custom-token" },
        resources: [
          { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
          { name: "mem", type: "SCALAR", scalar: { value: 256 } },
        ],
        executor: {
          executor_id: { value: "token-ex" },
          name: "token executor",
          command: { value: `${process.execPath} --import ${TSX} ${script}` },
        },
      },
    ]);
    const running = await c.framework.state("custom-token", "TASK_RUNNING", 60_000);
    const [, payload = ""] = String(running.status.message).split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Loose;
    assert.equal(claims.fid, c.framework.id);
    assert.equal(claims.eid, "token-ex");
    await c.framework.state("custom-token", "TASK_FINISHED", 60_000);
  });
});
