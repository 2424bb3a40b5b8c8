import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AgentCall, AgentEvent } from "../../src/wire/agent-channel.ts";
import { encodeWire, parseWire } from "../../src/wire/json.ts";

describe("master <-> agent channel schemas", () => {
  it("a re-registering SUBSCRIBE carries the agent's id, resources and tasks with their states", () => {
    const parsed = parseWire(AgentCall, {
      type: "SUBSCRIBE",
      subscribe: {
        agent_info: { hostname: "h1" },
        agent_id: { value: "M-S0" },
        version: "1",
        total_resources: [{ name: "cpus", type: "SCALAR", scalar: { value: "4" } }],
        tasks: [
          {
            name: "t",
            task_id: { value: "t" },
            framework_id: { value: "M-0000" },
            agent_id: { value: "M-S0" },
            state: "TASK_RUNNING",
          },
        ],
      },
    });
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
    assert.equal(parsed.value.subscribe?.agent_info.port, 5051);
    assert.equal(parsed.value.subscribe?.total_resources?.[0]?.scalar?.value, 4);
    assert.equal(parsed.value.subscribe?.tasks?.[0]?.state, "TASK_RUNNING");
  });

  it("a status update needs a framework id and a status; latest_state is optional", () => {
    const missing = parseWire(AgentCall, {
      type: "UPDATE",
      update: { status: { task_id: { value: "t" }, state: "TASK_RUNNING" } },
    });
    assert.equal(missing.ok, false);
    assert.match(missing.ok ? "" : missing.error, /framework_id/);
    const ok = parseWire(AgentCall, {
      type: "UPDATE",
      agent_id: { value: "M-S0" },
      update: {
        framework_id: { value: "M-0000" },
        status: {
          task_id: { value: "t" },
          state: "TASK_RUNNING",
          uuid: "AAAAAAAAAAAAAAAAAAAAAQ==",
        },
        latest_state: "TASK_FINISHED",
      },
    });
    assert.ok(ok.ok);
    assert.equal(ok.value.update?.latest_state, "TASK_FINISHED");
  });

  it("an unknown call type is an error, an unknown latest_state is dropped", () => {
    const bad = parseWire(AgentCall, { type: "FLY" });
    assert.equal(bad.ok, false);
    const dropped = parseWire(AgentCall, {
      type: "UPDATE",
      update: {
        framework_id: { value: "f" },
        status: { task_id: { value: "t" }, state: "TASK_RUNNING" },
        latest_state: "TASK_NAPPING",
      },
    });
    assert.ok(dropped.ok);
    assert.equal(dropped.value.update?.latest_state, undefined);
  });

  it("SUBSCRIBED and PING events encode in the Mesos JSON dialect", () => {
    const subscribed = encodeWire(AgentEvent, {
      type: "SUBSCRIBED",
      subscribed: {
        agent_id: { value: "M-S0" },
        ping_interval_seconds: 15,
        total_ping_timeout_seconds: 75,
        reconciliations: [],
      },
    });
    assert.equal(
      subscribed,
      '{"type":"SUBSCRIBED","subscribed":{"agent_id":{"value":"M-S0"},"ping_interval_seconds":15,"total_ping_timeout_seconds":75}}',
    );
    assert.equal(
      encodeWire(AgentEvent, { type: "PING", ping: { connected: true } }),
      '{"type":"PING","ping":{"connected":true}}',
    );
  });

  it("RUN_TASK carries the FrameworkInfo with its defaults and the TaskInfo", () => {
    const text = encodeWire(AgentEvent, {
      type: "RUN_TASK",
      run_task: {
        framework_info: { user: "u", name: "fw", id: { value: "M-0000" } },
        framework_id: { value: "M-0000" },
        task: {
          name: "t",
          task_id: { value: "t" },
          agent_id: { value: "M-S0" },
          command: { value: "true" },
        },
      },
    });
    const back = parseWire(AgentEvent, JSON.parse(text));
    assert.ok(back.ok);
    assert.equal(back.value.run_task?.framework_info.failover_timeout, 0);
    assert.equal(back.value.run_task?.task.command?.shell, true);
  });
});
