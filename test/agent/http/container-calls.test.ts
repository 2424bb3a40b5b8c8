// The agent's container calls (reference §4.4) on a real agent with a real master and a running
// command task: nested containers launched into the task's container (its cgroups and, where
// this machine has them, its pid and mount namespaces), waited, killed and removed;
// LAUNCH_NESTED_CONTAINER_SESSION and ATTACH_CONTAINER_OUTPUT as RecordIO streams of ProcessIO,
// ATTACH_CONTAINER_INPUT as a streamed request feeding a container's stdin; standalone
// containers (LAUNCH_CONTAINER without a parent) with their own sandbox; GET_CONTAINERS'
// show_nested / show_standalone; the streaming media checks; and the resource provider and
// image calls answered as by a Mesos agent without either configured.
import assert from "node:assert/strict";
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { detectCgroups } from "../../../src/agent/containerizer/cgroups-detect.ts";
import { detectNamespaces, findTools } from "../../../src/agent/containerizer/namespaces-detect.ts";
import { scanProcesses } from "../../../src/agent/containerizer/posix-isolator.ts";
import { RecordDecoder } from "../../../src/wire/recordio.ts";
import { eventually } from "../../support/eventually.ts";
import { clusterForSuite, processesWith, terminal } from "../integration/cluster.ts";
import { commandTask, type Loose } from "../integration/helpers.ts";

const cgroupsHere = (() => {
  const c = detectCgroups(`tessera-it-nested-probe-${process.pid}`);
  return c.cpu.ok && c.mem.ok;
})();
const ns = detectNamespaces(findTools());
const namespacesHere = ns.pid.ok && ns.filesystem.ok;
const isolation = [
  cgroupsHere ? "cgroups/cpu,cgroups/mem" : "posix/cpu,posix/mem",
  ...(namespacesHere ? ["namespaces/pid", "filesystem/linux"] : []),
].join(",");
if (!cgroupsHere || !namespacesHere) {
  console.error(`# nested containers tested with --isolation=${isolation} (this machine's)`);
}

const JSON_HEADERS = { "content-type": "application/json", accept: "application/json" };

describe("the agent's container calls with a real agent and a running task", () => {
  const cluster = clusterForSuite("nested", { isolation });
  let parent: { value: string } | undefined;
  let sandbox = "";
  let agentId: Loose;

  const post = async (body: unknown, headers: Record<string, string> = JSON_HEADERS) => {
    const res = await fetch(`${cluster.agent.url}/api/v1`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text, headers: res.headers, json: () => JSON.parse(text) };
  };

  const child = (value: string) => ({ value, parent: parent! });
  const nestedCall = (type: string, field: string, id: Loose, extra: Loose = {}) =>
    post({ type, [field]: { container_id: id, ...extra } });
  const launch = (id: Loose, command: string) =>
    nestedCall("LAUNCH_CONTAINER", "launch_container", id, { command: { value: command } });
  const wait = async (id: Loose) => {
    const res = await nestedCall("WAIT_CONTAINER", "wait_container", id);
    assert.equal(res.status, 200, res.body);
    return res.json().wait_container as Loose;
  };

  const parentReady = async () => {
    if (parent !== undefined) return;
    agentId = await cluster.launch([
      commandTask("host", "", {
        command: {
          value: "echo parent up; sleep 1000",
          environment: { variables: [{ name: "HOST_MARK", value: "from-parent" }] },
        },
      }),
    ]);
    await cluster.framework.state("host", "TASK_RUNNING");
    const containers = (await post({ type: "GET_CONTAINERS" })).json();
    const c = containers.get_containers.containers.find(
      (x: Loose) => x.executor_id.value === "host",
    );
    parent = c.container_id;
    sandbox = await eventually("the task's sandbox", () => cluster.sandbox("host"));
  };

  it("LAUNCH_CONTAINER of a nested container runs it in its parent's cgroups and namespaces, in its own sandbox", async () => {
    await parentReady();
    const id = child("probe");
    const launched = await launch(
      id,
      'echo "sandbox $MESOS_SANDBOX"; echo "pwd $(pwd)"; readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; cat /proc/self/cgroup',
    );
    assert.equal(launched.status, 200, launched.body);
    const ended = await wait(id);
    const dir = join(sandbox, "containers", "probe");
    assert.equal(ended.exit_status, 0, readFileSync(join(dir, "stderr"), "utf8"));
    const out = readFileSync(join(dir, "stdout"), "utf8");
    const inner = namespacesHere ? "/mnt/mesos/sandbox/containers/probe" : dir;
    assert.match(out, new RegExp(`^sandbox ${inner}$`, "m"));
    assert.match(out, new RegExp(`^pwd ${inner}$`, "m"));
    // The parent's first process: the pid file the agent wrote.
    const pid = Number(
      readFileSync(
        join(
          cluster.workDir,
          "meta/slaves",
          cluster.agent.agentId()!,
          "frameworks",
          cluster.framework.id,
          "executors/host/runs",
          parent!.value,
          "pids/forked.pid",
        ),
        "utf8",
      ),
    );
    if (cgroupsHere) {
      assert.ok(out.includes(`/${cluster.cgroupsRoot}/${parent!.value}`), out);
    }
    if (namespacesHere) {
      // It reported a pid and a mount namespace of the parent's tree, not the agent's own.
      const [pidNs, mntNs] = out.split("\n").filter((l) => /^(pid|mnt):\[/.test(l));
      const tree = [
        pid,
        ...scanProcesses()
          .filter((p) => p.ppid === pid)
          .map((p) => p.pid),
      ];
      const links = (name: string) => tree.map((p) => readlinkSync(`/proc/${p}/ns/${name}`));
      assert.ok(links("pid").includes(pidNs ?? ""), `${pidNs} in ${links("pid")}`);
      assert.ok(links("mnt").includes(mntNs ?? ""), `${mntNs} in ${links("mnt")}`);
      assert.notEqual(pidNs, readlinkSync("/proc/self/ns/pid"));
      assert.notEqual(mntNs, readlinkSync("/proc/self/ns/mnt"));
    }
  });

  it("an id that runs is ALREADY_LAUNCHED (202); a missing parent or an unsupported ContainerInfo is 400", async () => {
    await parentReady();
    const id = child("sleeper");
    assert.equal((await launch(id, "sleep 1000")).status, 200);
    assert.equal((await launch(id, "sleep 1000")).status, 202);
    const orphan = await launch({ value: "x", parent: { value: "nope" } }, "true");
    assert.equal(orphan.status, 400);
    assert.equal(orphan.body, "Parent container nope does not exist");
    const docker = await nestedCall("LAUNCH_CONTAINER", "launch_container", child("d"), {
      command: { value: "true" },
      container: { type: "DOCKER", docker: { image: "busybox" } },
    });
    assert.equal(docker.status, 400);
    assert.equal(docker.body, "The provided ContainerInfo is not supported");
  });

  it("GET_CONTAINERS lists nested containers only with show_nested", async () => {
    await parentReady();
    const plain = (await post({ type: "GET_CONTAINERS" })).json().get_containers.containers;
    assert.ok(plain.every((c: Loose) => c.container_id.parent === undefined));
    const all = (
      await post({ type: "GET_CONTAINERS", get_containers: { show_nested: true } })
    ).json().get_containers.containers;
    const sleeper = all.find((c: Loose) => c.container_id.value === "sleeper");
    assert.ok(sleeper !== undefined, JSON.stringify(all));
    assert.deepEqual(sleeper.container_id.parent, parent);
    assert.equal(sleeper.executor_id.value, "host");
    assert.deepEqual(sleeper.container_status.container_id, sleeper.container_id);
    assert.equal(typeof sleeper.container_status.executor_pid, "number");
    const host = all.find((c: Loose) => c.container_id.value === parent!.value);
    assert.equal(typeof host.container_status.executor_pid, "number");
    assert.equal(sleeper.framework_id.value, cluster.framework.id);
  });

  it("KILL_CONTAINER ends a nested container (WAIT gives the signal); REMOVE refuses it running, then deletes its sandbox", async () => {
    await parentReady();
    const id = child("sleeper");
    const running = await nestedCall("REMOVE_CONTAINER", "remove_container", id);
    assert.equal(running.status, 500);
    assert.equal(running.body, "Nested container has not terminated yet");
    const waiting = wait(id);
    const killed = await nestedCall("KILL_CONTAINER", "kill_container", id, { signal: 15 });
    assert.equal(killed.status, 200, killed.body);
    assert.equal((await waiting).exit_status, 15);
    const again = await nestedCall("KILL_NESTED_CONTAINER", "kill_nested_container", id);
    assert.equal(again.status, 404);
    assert.equal(
      again.body,
      `Container '${parent!.value}.sleeper' cannot be found (or is already killed)`,
    );
    const deprecated = await nestedCall("WAIT_NESTED_CONTAINER", "wait_nested_container", id);
    assert.equal(deprecated.json().type, "WAIT_NESTED_CONTAINER");
    assert.equal(deprecated.json().wait_nested_container.exit_status, 15);
    const dir = join(sandbox, "containers", "sleeper");
    assert.ok(existsSync(dir));
    const removed = await nestedCall("REMOVE_NESTED_CONTAINER", "remove_nested_container", id);
    assert.equal(removed.status, 200, removed.body);
    assert.ok(!existsSync(dir), "the nested sandbox is deleted");
    const gone = await nestedCall("WAIT_CONTAINER", "wait_container", id);
    assert.equal(gone.status, 404);
  });

  it("LAUNCH_NESTED_CONTAINER_SESSION streams the DEBUG container's output as RecordIO ProcessIO, in the parent's sandbox and environment", async () => {
    await parentReady();
    const res = await fetch(`${cluster.agent.url}/api/v1`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/recordio",
        "message-accept": "application/json",
      },
      body: JSON.stringify({
        type: "LAUNCH_NESTED_CONTAINER_SESSION",
        launch_nested_container_session: {
          container_id: child("session"),
          command: { value: 'echo "out $HOST_MARK $(pwd)"; echo err >&2' },
        },
      }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/recordio");
    assert.equal(res.headers.get("message-content-type"), "application/json");
    const records = await readRecords(res);
    // A heartbeat first, with Mesos's default interval, so that idle sessions stay open.
    assert.deepEqual(records[0], {
      type: "CONTROL",
      control: { type: "HEARTBEAT", heartbeat: { interval: { nanoseconds: 30_000_000_000 } } },
    });
    const data = (kind: string) =>
      records
        .filter((r) => r.type === "DATA" && r.data.type === kind)
        .map((r) => Buffer.from(r.data.data, "base64").toString())
        .join("");
    const inner = namespacesHere ? "/mnt/mesos/sandbox" : sandbox;
    assert.equal(data("STDOUT"), `out from-parent ${inner}\n`);
    assert.equal(data("STDERR"), "err\n");
    assert.ok(!existsSync(join(sandbox, "containers", "session")), "no sandbox of its own");
  });

  it("a session whose client goes away is destroyed; with a JSON Accept its records come as application/json", async () => {
    await parentReady();
    const id = child("abandoned");
    const abort = new AbortController();
    const res = await fetch(`${cluster.agent.url}/api/v1`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({
        type: "LAUNCH_NESTED_CONTAINER_SESSION",
        launch_nested_container_session: {
          container_id: id,
          command: { value: "echo started; sleep 1000" },
        },
      }),
      signal: abort.signal,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.ok(!first.done);
    const waiting = wait(id);
    abort.abort();
    const ended = await waiting;
    assert.equal(ended.exit_status, 9, "killed when its session ended");
  });

  it("ATTACH_CONTAINER_INPUT feeds a container's stdin as it streams; ATTACH_CONTAINER_OUTPUT follows its output; one input at a time", async () => {
    await parentReady();
    const id = child("cat");
    assert.equal((await launch(id, "cat")).status, 200);
    const output = await fetch(`${cluster.agent.url}/api/v1`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({
        type: "ATTACH_CONTAINER_OUTPUT",
        attach_container_output: { container_id: id },
      }),
    });
    assert.equal(output.status, 200);
    const records = readRecords(output);
    const encode = (call: unknown) => {
      const text = JSON.stringify(call);
      return `${Buffer.byteLength(text)}\n${text}`;
    };
    const stdin = (data: string) =>
      encode({
        type: "ATTACH_CONTAINER_INPUT",
        attach_container_input: {
          type: "PROCESS_IO",
          process_io: {
            type: "DATA",
            data: { type: "STDIN", data: Buffer.from(data).toString("base64") },
          },
        },
      });
    let feed: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        feed = controller;
      },
    });
    const input = fetch(`${cluster.agent.url}/api/v1`, {
      method: "POST",
      headers: {
        "content-type": "application/recordio",
        "message-content-type": "application/json",
      },
      body,
      duplex: "half",
    } as RequestInit);
    const send = (s: string) => feed!.enqueue(new TextEncoder().encode(s));
    send(
      encode({
        type: "ATTACH_CONTAINER_INPUT",
        attach_container_input: { type: "CONTAINER_ID", container_id: id },
      }),
    );
    send(stdin("hello "));
    // While the first input is attached, a second is refused.
    await eventually("the first input to attach", () => {
      const out = readFileSync(join(sandbox, "containers", "cat", "stdout"), "utf8");
      return out.includes("hello") ? true : undefined;
    });
    const second = await fetch(`${cluster.agent.url}/api/v1`, {
      method: "POST",
      headers: {
        "content-type": "application/recordio",
        "message-content-type": "application/json",
      },
      body: encode({
        type: "ATTACH_CONTAINER_INPUT",
        attach_container_input: { type: "CONTAINER_ID", container_id: id },
      }),
    });
    assert.equal(second.status, 409);
    assert.equal(await second.text(), "Multiple input connections are not allowed");
    send(stdin("world\n"));
    send(stdin(""));
    feed!.close();
    const answered = await input;
    assert.equal(answered.status, 200, await answered.text());
    assert.equal((await wait(id)).exit_status, 0);
    const out = (await records)
      .filter((r) => r.type === "DATA" && r.data.type === "STDOUT")
      .map((r) => Buffer.from(r.data.data, "base64").toString())
      .join("");
    assert.equal(out, "hello world\n");
    assert.equal(
      readFileSync(join(sandbox, "containers", "cat", "stdout"), "utf8"),
      "hello world\n",
    );
  });

  it("ATTACH_CONTAINER_OUTPUT of an executor's container follows its sandbox files", async () => {
    await parentReady();
    // A task writing a line a second: attached, its next lines arrive.
    await cluster.launch([commandTask("ticker", "while true; do echo tick; sleep 0.2; done")]);
    await cluster.framework.state("ticker", "TASK_RUNNING");
    const containers = (await post({ type: "GET_CONTAINERS" })).json().get_containers.containers;
    const id = containers.find((c: Loose) => c.executor_id.value === "ticker").container_id;
    const res = await fetch(`${cluster.agent.url}/api/v1`, {
      method: "POST",
      headers: { ...JSON_HEADERS, accept: "application/x-protobuf" },
      body: JSON.stringify({
        type: "ATTACH_CONTAINER_OUTPUT",
        attach_container_output: { container_id: id },
      }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-protobuf");
    const reader = res.body!.getReader();
    const decoder = new RecordDecoder();
    let got = 0;
    while (got === 0) {
      const chunk = await reader.read();
      assert.ok(!chunk.done, "the stream stays open while the task runs");
      got += decoder.push(chunk.value).records.length;
    }
    await reader.cancel();
    await cluster.framework.kill(agentId, "ticker");
    await terminal(cluster.framework, "ticker");
  });

  it("a nested container ends when its first process does, even if a process that left its group holds its output open", async () => {
    await parentReady();
    // A duration no other process here sleeps, to find it by.
    const marker = `sleep 1000.${process.pid}`;
    const id = child("escapee");
    assert.equal((await launch(id, `setsid ${marker} & echo left`)).status, 200);
    try {
      const ended = await wait(id);
      assert.equal(ended.exit_status, 0);
      assert.equal(
        readFileSync(join(sandbox, "containers", "escapee", "stdout"), "utf8"),
        "left\n",
      );
    } finally {
      // It escaped the container's group (not its cgroup, when there is one): ended here.
      for (const pid of processesWith(marker)) process.kill(pid, "SIGKILL");
    }
  });

  it("a nested container ends with its parent", async () => {
    await parentReady();
    const id = child("doomed");
    assert.equal((await launch(id, "sleep 1000")).status, 200);
    const waiting = wait(id);
    await cluster.framework.kill(agentId, "host");
    await terminal(cluster.framework, "host");
    const ended = await waiting;
    assert.equal(typeof ended.exit_status, "number");
  });

  it("a standalone container gets its own sandbox under work_dir/containers, its nested ones run in it, and GET_CONTAINERS shows it with show_standalone", async () => {
    const top = { value: `standalone-${process.pid}` };
    const launched = await nestedCall("LAUNCH_CONTAINER", "launch_container", top, {
      command: { value: 'echo "sandbox $MESOS_SANDBOX"; sleep 1000' },
      resources: [
        { name: "cpus", type: "SCALAR", scalar: { value: 0.1 } },
        { name: "mem", type: "SCALAR", scalar: { value: 32 } },
      ],
    });
    assert.equal(launched.status, 200, launched.body);
    const dir = join(cluster.workDir, "containers", top.value);
    await eventually("its output", () =>
      existsSync(join(dir, "stdout")) && readFileSync(join(dir, "stdout"), "utf8").includes(dir)
        ? true
        : undefined,
    );
    const inner = { value: "inner", parent: top };
    assert.equal((await launch(inner, "echo inside")).status, 200);
    const innerEnd = await wait(inner);
    assert.equal(
      innerEnd.exit_status,
      0,
      readFileSync(join(dir, "containers/inner/stderr"), "utf8"),
    );
    assert.equal(readFileSync(join(dir, "containers", "inner", "stdout"), "utf8"), "inside\n");
    const hidden = (await post({ type: "GET_CONTAINERS" })).json().get_containers.containers ?? [];
    assert.ok(!hidden.some((c: Loose) => c.container_id.value === top.value));
    const shown = (
      await post({ type: "GET_CONTAINERS", get_containers: { show_standalone: true } })
    ).json().get_containers.containers;
    const listed = shown.find((c: Loose) => c.container_id.value === top.value);
    assert.ok(listed !== undefined && listed.executor_id === undefined, JSON.stringify(shown));
    const waiting = wait(top);
    assert.equal((await nestedCall("KILL_CONTAINER", "kill_container", top)).status, 200);
    assert.equal((await waiting).exit_status, 9);
    assert.equal((await nestedCall("REMOVE_CONTAINER", "remove_container", top)).status, 200);
    assert.ok(!existsSync(dir));
  });

  it("streaming media types are checked as Mesos checks them", async () => {
    const health = await post(
      { type: "GET_HEALTH" },
      { "content-type": "application/json", accept: "application/recordio" },
    );
    assert.equal(health.status, 406);
    assert.equal(health.body, "Streaming response is not supported for GET_HEALTH call");
    const stray = await post(
      { type: "GET_HEALTH" },
      { "content-type": "application/json", "message-content-type": "application/json" },
    );
    assert.equal(stray.status, 415);
    const noMessageType = await post(
      { type: "GET_HEALTH" },
      { "content-type": "application/recordio" },
    );
    assert.equal(noMessageType.status, 400);
    assert.equal(
      noMessageType.body,
      "Expecting 'Message-Content-Type' to be set for streaming requests",
    );
    const notStreamed = await post({
      type: "ATTACH_CONTAINER_INPUT",
      attach_container_input: { type: "CONTAINER_ID", container_id: { value: "x" } },
    });
    assert.equal(notStreamed.status, 415);
  });

  it("resource provider and image calls answer as a Mesos agent with neither configured", async () => {
    const info = { type: "org.apache.mesos.rp.local.storage", name: "test" };
    const add = await post({
      type: "ADD_RESOURCE_PROVIDER_CONFIG",
      add_resource_provider_config: { info },
    });
    assert.equal(add.status, 500);
    assert.equal(add.body, "Missing required flag --resource_provider_config_dir");
    const unknown = await post({
      type: "UPDATE_RESOURCE_PROVIDER_CONFIG",
      update_resource_provider_config: { info: { type: "x.y", name: "z" } },
    });
    assert.equal(unknown.status, 400);
    assert.equal(
      unknown.body,
      "Failed to validate resource provider config with type 'x.y' and name 'z': Unknown local resource provider type 'x.y'",
    );
    const remove = await post({
      type: "REMOVE_RESOURCE_PROVIDER_CONFIG",
      remove_resource_provider_config: info,
    });
    assert.equal(remove.status, 500);
    const gone = await post({
      type: "MARK_RESOURCE_PROVIDER_GONE",
      mark_resource_provider_gone: { resource_provider_id: { value: "rp" } },
    });
    assert.equal(gone.status, 200);
    const prune = await post({ type: "PRUNE_IMAGES", prune_images: {} });
    assert.equal(prune.status, 200);
    assert.equal(prune.body, "");
  });
});

/** Every JSON record of a stream (heartbeats included), once it ends. */
async function readRecords(res: Response): Promise<Loose[]> {
  const decoder = new RecordDecoder();
  const out: Loose[] = [];
  const reader = res.body!.getReader();
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    const pushed = decoder.push(chunk.value);
    assert.equal(pushed.error, undefined);
    for (const r of pushed.records) out.push(JSON.parse(Buffer.from(r).toString()));
  }
  return out;
}
