// Frameworks on the agent: created by their first task, updated by UPDATE_FRAMEWORK,
// shut down by SHUTDOWN_FRAMEWORK, and forgotten once they have no executors left.
import type { FrameworkInfo } from "../../wire/framework.ts";
import { shutdownExecutor } from "./executors.ts";
import { type AgentFramework, type Ctx, MAX_COMPLETED_FRAMEWORKS } from "./state.ts";

export function ensureFramework(ctx: Ctx, id: string, info: FrameworkInfo): AgentFramework {
  const withId: FrameworkInfo = { ...info, id: { value: id } };
  let framework = ctx.s.frameworks.get(id);
  if (framework === undefined) {
    // Back after it completed here: its completed executors come with it, as in Mesos.
    const completed = ctx.s.completedFrameworks.get(id);
    ctx.s.completedFrameworks.delete(id);
    framework = {
      id,
      info: withId,
      phase: "running",
      executors: new Map(),
      completedExecutors: completed?.completedExecutors ?? [],
    };
    ctx.s.frameworks.set(id, framework);
    if (withId.checkpoint === true) {
      ctx.checkpoint({ type: "framework", agentId: ctx.agentId, frameworkId: id, info: withId });
    }
  } else if (framework.phase === "running") {
    updateFramework(ctx, withId);
  }
  return framework;
}

/** UPDATE_FRAMEWORK: newer FrameworkInfo (the `checkpoint` bit of a running one is kept). */
export function updateFramework(ctx: Ctx, info: FrameworkInfo): void {
  const id = info.id?.value;
  const framework = id === undefined ? undefined : ctx.s.frameworks.get(id);
  if (framework === undefined || id === undefined) return;
  const next: FrameworkInfo = { ...info, checkpoint: framework.info.checkpoint };
  if (JSON.stringify(next) === JSON.stringify(framework.info)) return;
  framework.info = next;
  if (next.checkpoint === true) {
    ctx.checkpoint({ type: "framework", agentId: ctx.agentId, frameworkId: id, info: next });
  }
}

/** SHUTDOWN_FRAMEWORK: every executor is shut down; pending updates are dropped. */
export function shutdownFramework(ctx: Ctx, frameworkId: string): void {
  const framework = ctx.s.frameworks.get(frameworkId);
  if (framework === undefined || framework.phase === "terminating") return;
  framework.phase = "terminating";
  ctx.sumOutputs(ctx.sum.cleanup(frameworkId));
  for (const executor of framework.executors.values()) {
    executor.queue = [];
    shutdownExecutor(ctx, executor);
  }
  removeFrameworkIfIdle(ctx, framework);
}

export function removeFrameworkIfIdle(ctx: Ctx, framework: AgentFramework): void {
  if (framework.executors.size > 0) return;
  ctx.s.frameworks.delete(framework.id);
  const completed = ctx.s.completedFrameworks;
  completed.delete(framework.id);
  completed.set(framework.id, framework);
  if (completed.size > MAX_COMPLETED_FRAMEWORKS) {
    const oldest = completed.keys().next().value;
    if (oldest !== undefined) completed.delete(oldest);
  }
  ctx.sumOutputs(ctx.sum.cleanup(framework.id));
  if (framework.info.checkpoint === true) {
    ctx.checkpoint({ type: "remove_framework", agentId: ctx.agentId, frameworkId: framework.id });
  }
}
