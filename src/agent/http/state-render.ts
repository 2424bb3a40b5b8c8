// The agent's `/state` JSON (reference §4.5, Mesos's bespoke serializer, not protobuf JSON):
// resources as objects (`{"cpus": 1, "mem": 32, "ports": "[31000-31005]"}`), `slave_id`-style
// names, executors with their sandbox `directory`, tasks with `statuses`. Pure.
import type { AgentInfo } from "../../wire/framework.ts";
import type { Resource } from "../../wire/resource.ts";
import type { Task } from "../../wire/task.ts";
import { taskRole } from "../core/command-executor.ts";
import { sandboxPath } from "../core/paths.ts";
import type { AgentExecutor, AgentFramework } from "../core/state.ts";

type Json = Record<string, unknown>;

/** Mesos's resources object: scalars summed by name, ranges `[a-b, c-d]`, sets `{a, b}`. */
export function resourcesObject(resources: readonly Resource[]): Json {
  const out: Json = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
  const ranges = new Map<string, string[]>();
  for (const r of resources) {
    const name = r.revocable === undefined ? r.name : `${r.name}_revocable`;
    if (r.scalar !== undefined) {
      out[name] =
        Math.round((((out[name] as number | undefined) ?? 0) + r.scalar.value) * 1000) / 1000;
    } else if (r.ranges !== undefined) {
      const list = ranges.get(name) ?? [];
      for (const range of r.ranges.range ?? []) list.push(`${range.begin}-${range.end}`);
      ranges.set(name, list);
    } else if (r.set !== undefined) {
      out[name] = `{${(r.set.item ?? []).join(", ")}}`;
    }
  }
  for (const [name, list] of ranges) out[name] = `[${list.join(", ")}]`;
  return out;
}

export function attributesObject(attributes: AgentInfo["attributes"]): Json {
  const out: Json = {};
  for (const a of attributes ?? []) {
    if (a.scalar !== undefined) out[a.name] = a.scalar.value;
    else if (a.text !== undefined) out[a.name] = a.text.value;
    else if (a.ranges !== undefined) {
      out[a.name] = `[${(a.ranges.range ?? []).map((r) => `${r.begin}-${r.end}`).join(", ")}]`;
    } else if (a.set !== undefined) out[a.name] = `{${(a.set.item ?? []).join(", ")}}`;
  }
  return out;
}

export function legacyTask(task: Task): Json {
  return {
    id: task.task_id.value,
    name: task.name,
    framework_id: task.framework_id.value,
    executor_id: task.executor_id?.value ?? "",
    slave_id: task.agent_id.value,
    state: task.state,
    resources: resourcesObject(task.resources ?? []),
    role: taskRole(task.resources) ?? "*",
    statuses: (task.statuses ?? []).map((s) => ({
      state: s.state,
      timestamp: s.timestamp,
      ...(s.healthy === undefined ? {} : { healthy: s.healthy }),
      ...(s.container_status === undefined ? {} : { container_status: s.container_status }),
    })),
    ...(task.labels === undefined ? {} : { labels: task.labels.labels ?? [] }),
    ...(task.user === undefined ? {} : { user: task.user }),
  };
}

export function legacyExecutor(e: AgentExecutor, workDir: string, agentId: string): Json {
  const tasks: Json[] = [];
  const queued: Json[] = [];
  const completed: Json[] = [];
  for (const task of e.completedTasks) completed.push(legacyTask(task));
  for (const t of e.tasks.values()) {
    if (t.stage === "queued") queued.push(legacyTask(t.task));
    else if (t.stage === "terminated") completed.push(legacyTask(t.task));
    else tasks.push(legacyTask(t.task));
  }
  return {
    id: e.id,
    name: e.info.name ?? "",
    source: e.info.source ?? "",
    container: e.containerId,
    directory: sandboxPath(workDir, agentId, e.frameworkId, e.id, e.containerId),
    resources: resourcesObject(e.info.resources ?? []),
    role: taskRole(e.info.resources) ?? "*",
    ...(e.info.type === undefined ? {} : { type: e.info.type }),
    ...(e.info.labels === undefined ? {} : { labels: e.info.labels.labels ?? [] }),
    tasks,
    queued_tasks: queued,
    completed_tasks: completed,
  };
}

export function legacyFramework(f: AgentFramework, workDir: string, agentId: string): Json {
  const info = f.info;
  return {
    id: f.id,
    name: info.name,
    user: info.user,
    failover_timeout: info.failover_timeout ?? 0,
    checkpoint: info.checkpoint ?? false,
    hostname: info.hostname ?? "",
    ...(info.principal === undefined ? {} : { principal: info.principal }),
    ...((info.roles ?? []).length > 0 ? { roles: info.roles } : { role: info.role ?? "*" }),
    executors: [...f.executors.values()]
      .filter((e) => e.phase !== "terminated")
      .map((e) => legacyExecutor(e, workDir, agentId)),
    completed_executors: [
      ...f.completedExecutors,
      ...[...f.executors.values()].filter((e) => e.phase === "terminated"),
    ].map((e) => legacyExecutor(e, workDir, agentId)),
  };
}
