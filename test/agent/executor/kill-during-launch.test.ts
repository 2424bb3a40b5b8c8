// The command executor's kill while its task's launch is in flight (issue 22, fault 5): a
// KILL, SHUTDOWN or destroy that arrives before the containerizer has started the process
// must wait for the launch and kill what it started; the terminal update is sent only once
// the process is gone.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Termination } from "../../../src/agent/containerizer/termination.ts";
import {
  type ExecutorOutcome,
  HostedCommandExecutor,
} from "../../../src/agent/executor/command-executor.ts";
import type {
  ExecutorEventSink,
  ExecutorTransport,
} from "../../../src/agent/executor/executor-transport.ts";
import type { ExecutorCall, ExecutorEvent } from "../../../src/wire/executor.ts";

/** A task process that exists from the launch's end until it is killed. */
class FakeProcess {
  alive = false;
  kills = 0;
  #release!: (r: { ok: true }) => void;
  readonly launched = new Promise<{ ok: true }>((r) => {
    this.#release = r;
  });
  #ended!: (t: Termination) => void;
  readonly ended = new Promise<Termination>((r) => {
    this.#ended = r;
  });

  finishLaunch(): void {
    this.alive = true;
    this.#release({ ok: true });
  }

  kill(): void {
    this.kills++;
    if (!this.alive) return;
    this.alive = false;
    this.#ended({ exitCode: null, signal: "SIGTERM", waitStatus: 15, destroyed: true });
  }
}

function setUp() {
  const proc = new FakeProcess();
  let sink: ExecutorEventSink | undefined;
  const updates: { state: string; processAlive: boolean }[] = [];
  const outcomes: { kind: string; processAlive: boolean }[] = [];
  const transport: ExecutorTransport = {
    subscribe: async (_call, s) => {
      sink = s;
      return { close: () => {} };
    },
    post: async (call: ExecutorCall) => {
      const status = call.update?.status;
      if (status !== undefined) updates.push({ state: status.state, processAlive: proc.alive });
    },
  };
  const executor = new HostedCommandExecutor({
    transport,
    frameworkId: "F",
    executorId: "E",
    env: {},
    sandboxDir: "/nonexistent",
    shutdownGracePeriodMs: 5_000,
    runner: {
      launch: () => proc.launched,
      wait: () => proc.ended,
      kill: async () => proc.kill(),
    },
    onExit: (o: ExecutorOutcome) => outcomes.push({ kind: o.kind, processAlive: proc.alive }),
  });
  const send = (event: ExecutorEvent) => sink?.event(event);
  const launch = async () => {
    await executor.start();
    send({ type: "SUBSCRIBED", subscribed: { framework_info: { user: "u", name: "n" } } } as never);
    send({
      type: "LAUNCH",
      launch: {
        task: {
          name: "t",
          task_id: { value: "t" },
          agent_id: { value: "A" },
          resources: [],
          command: { value: "sleep 600", shell: true, uris: [], arguments: [] },
        },
      },
    } as never);
  };
  const settle = () => new Promise((r) => setTimeout(r, 20));
  return { proc, executor, send, launch, settle, updates, outcomes };
}

describe("command executor: a kill while the task's launch is in flight", () => {
  it("KILL during the launch kills the process once started, and TASK_KILLED comes after it is gone", async () => {
    const t = setUp();
    await t.launch();
    t.send({ type: "KILL", kill: { task_id: { value: "t" } } } as never);
    await t.settle();
    t.proc.finishLaunch();
    await t.settle();
    assert.equal(t.proc.alive, false, "the task's process was killed");
    const killed = t.updates.find((u) => u.state === "TASK_KILLED");
    assert.ok(killed !== undefined, `updates: ${JSON.stringify(t.updates)}`);
    assert.equal(killed.processAlive, false);
  });

  it("SHUTDOWN during the launch kills the process once started, and the executor ends after it", async () => {
    const t = setUp();
    await t.launch();
    t.send({ type: "SHUTDOWN" } as never);
    await t.settle();
    t.proc.finishLaunch();
    await t.settle();
    assert.equal(t.proc.alive, false, "the task's process was killed");
    assert.ok(
      t.outcomes.every((o) => !o.processAlive),
      JSON.stringify(t.outcomes),
    );
  });

  it("destroy() during the launch kills the process once started before the executor ends", async () => {
    const t = setUp();
    await t.launch();
    const destroyed = t.executor.destroy();
    await t.settle();
    t.proc.finishLaunch();
    await destroyed;
    assert.equal(t.proc.alive, false, "the task's process was killed");
    assert.deepEqual(t.outcomes, [{ kind: "container_ended", processAlive: false }]);
  });
});
