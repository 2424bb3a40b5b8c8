// Marathon's event bus on a real cluster (issue #19): a client reads `/v2/events` as SSE while
// apps are created, become healthy, fail their health checks and are killed for it, a deployment
// is cancelled, a group is created and apps are deleted; each event type named in the issue
// arrives with its fields.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, eventually, httpApp, type RealCluster, startRealCluster } from "./real-cluster.ts";

type Event = Record<string, unknown> & { eventType: string; timestamp: string };

let cluster: RealCluster;
let base: string;
const events: Event[] = [];
const controller = new AbortController();

/** Reads the SSE stream into `events` until aborted; checks each frame's name is its type. */
async function readEvents(): Promise<void> {
  const res = await fetch(`${base}/v2/events`, {
    headers: { Accept: "text/event-stream" },
    signal: controller.signal,
  });
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.+)$/m.exec(frame)?.[1];
        const data = /^data: (.+)$/m.exec(frame)?.[1];
        if (name === undefined || data === undefined) continue;
        const event = JSON.parse(data) as Event;
        assert.equal(event.eventType, name);
        events.push(event);
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  }
}

/** Waits for an event of `type` matching `where`, and returns it. */
function waitFor(type: string, where: (e: Event) => boolean = () => true): Promise<Event> {
  return eventually(`a ${type}`, async () => events.find((e) => e.eventType === type && where(e)));
}

function hasFields(e: Event, fields: string[]): void {
  for (const f of ["eventType", "timestamp", ...fields])
    assert.ok(f in e, `${e.eventType} has ${f}: ${JSON.stringify(e)}`);
  assert.match(e.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
}

let reading: Promise<void>;
before(async () => {
  cluster = await startRealCluster();
  base = (await cluster.startServices()).url;
  reading = readEvents();
  await waitFor("event_stream_attached");
});
after(async () => {
  controller.abort();
  await reading;
  await cluster.close();
});

describe("the Marathon event bus on a real cluster", () => {
  it("a healthy app's create: api_post, deployment, status, instance and health events", async () => {
    const created = await api(base, "POST", "/v2/apps", httpApp("/ev", { instances: 1 }));
    assert.equal(created.status, 201);
    const deploymentId = created.headers.get("Marathon-Deployment-Id") as string;
    hasFields(await waitFor("event_stream_attached"), ["remoteAddress"]);
    const post = await waitFor("api_post_event");
    hasFields(post, ["clientIp", "uri", "appDefinition"]);
    assert.equal((post.appDefinition as { id: string }).id, "/ev");
    const info = await waitFor(
      "deployment_info",
      (e) => (e.plan as { id: string }).id === deploymentId,
    );
    hasFields(info, ["plan", "currentStep"]);
    const running = await waitFor("status_update_event", (e) => e.taskStatus === "TASK_RUNNING");
    hasFields(running, [
      "slaveId",
      "taskId",
      "taskStatus",
      "message",
      "appId",
      "host",
      "ipAddresses",
      "ports",
      "version",
    ]);
    assert.equal(running.appId, "/ev");
    const changed = await waitFor("instance_changed_event", (e) => e.condition === "Running");
    hasFields(changed, [
      "instanceId",
      "condition",
      "runSpecId",
      "agentId",
      "host",
      "runSpecVersion",
    ]);
    assert.equal(changed.runSpecId, "/ev");
    const healthy = await waitFor("health_status_changed_event", (e) => e.alive === true);
    hasFields(healthy, ["appId", "instanceId", "version", "alive"]);
    hasFields(await waitFor("instance_health_changed_event"), [
      "instanceId",
      "runSpecId",
      "healthy",
      "runSpecVersion",
    ]);
    const step = await waitFor(
      "deployment_step_success",
      (e) => (e.plan as { id: string }).id === deploymentId,
    );
    hasFields(step, ["plan", "currentStep"]);
    assert.ok(Array.isArray((step.plan as { steps: unknown[] }).steps), "the full plan");
    hasFields(await waitFor("deployment_success", (e) => e.id === deploymentId), ["id", "plan"]);
    hasFields(await waitFor("group_change_success"), ["groupId", "version"]);
  });

  it("an app failing its health check: failed check, unhealthy kill; cancelled: step failure, failed, app terminated", async () => {
    const sick = httpApp("/sick", {
      instances: 1,
      unhealthy: true,
      extra: {
        healthChecks: [
          {
            protocol: "MESOS_HTTP",
            path: "/health",
            portIndex: 0,
            gracePeriodSeconds: 0,
            intervalSeconds: 1,
            timeoutSeconds: 1,
            delaySeconds: 0,
            maxConsecutiveFailures: 2,
          },
        ],
      },
    });
    const created = await api(base, "POST", "/v2/apps", sick);
    assert.equal(created.status, 201);
    const deploymentId = created.headers.get("Marathon-Deployment-Id") as string;
    const failed = await waitFor("failed_health_check_event", (e) => e.appId === "/sick");
    hasFields(failed, ["appId", "taskId", "healthCheck"]);
    assert.equal((failed.healthCheck as { protocol: string }).protocol, "MESOS_HTTP");
    const kill = await waitFor("unhealthy_instance_kill_event", (e) => e.appId === "/sick");
    hasFields(kill, ["appId", "taskId", "instanceId", "version", "reason", "host", "slaveId"]);
    // The deployment can never finish: cancelling it reverts (removes) the app.
    const cancelled = await api(base, "DELETE", `/v2/deployments/${deploymentId}`);
    assert.equal(cancelled.status, 200);
    const stepFailure = await waitFor(
      "deployment_step_failure",
      (e) => (e.plan as { id: string }).id === deploymentId,
    );
    hasFields(stepFailure, ["plan", "currentStep"]);
    hasFields(await waitFor("deployment_failed", (e) => e.id === deploymentId), ["id", "plan"]);
    hasFields(await waitFor("group_change_failed"), ["groupId", "version", "reason"]);
    hasFields(await waitFor("app_terminated_event", (e) => e.appId === "/sick"), ["appId"]);
  });

  it("a group's create and an app's delete: group change success, app terminated", async () => {
    const res = await api(base, "POST", "/v2/groups", {
      id: "/grp",
      apps: [{ id: "one", cmd: "sleep 1000", cpus: 0.1, mem: 16 }],
    });
    assert.equal(res.status, 201);
    await waitFor("group_change_success", (e) => e.version === res.body.version);
    const deleted = await api(base, "DELETE", "/v2/apps/ev");
    assert.equal(deleted.status, 200);
    hasFields(await waitFor("app_terminated_event", (e) => e.appId === "/ev"), ["appId"]);
    const killed = await waitFor(
      "instance_changed_event",
      (e) => e.runSpecId === "/ev" && e.condition === "Killed",
    );
    assert.equal(killed.runSpecId, "/ev");
  });
});
