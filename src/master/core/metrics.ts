// Mesos metric keys the core can compute from its state (reference §4.6); counters it bumps as
// it goes (valid/invalid status updates and acknowledgements, events) are merged in.
import { fromMilli } from "../../resources/index.ts";
import type { Ctx } from "./state.ts";
import { isTerminal } from "./task-states.ts";

export function metrics(ctx: Ctx, startedAtMs: number): Record<string, number> {
  const out: Record<string, number> = {};
  out["master/elected"] = 1;
  out["master/uptime_secs"] = (ctx.nowMs - startedAtMs) / 1000;
  let active = 0;
  let connected = 0;
  for (const f of ctx.s.frameworks.values()) {
    if (f.active) active++;
    if (f.connection === "connected") connected++;
  }
  out["master/frameworks_active"] = active;
  out["master/frameworks_inactive"] = ctx.s.frameworks.size - active;
  out["master/frameworks_connected"] = connected;
  out["master/frameworks_disconnected"] = ctx.s.frameworks.size - connected;
  let agentsConnected = 0;
  const total = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  for (const a of ctx.s.agents.values()) {
    if (a.connection === "registered") agentsConnected++;
    for (const name of ["cpus", "mem", "disk", "gpus"] as const) {
      total[name] += fromMilli(a.total.get(name));
    }
  }
  out["master/slaves_connected"] = agentsConnected;
  out["master/slaves_disconnected"] = ctx.s.agents.size - agentsConnected;
  out["master/slaves_active"] = agentsConnected;
  out["master/slaves_inactive"] = ctx.s.agents.size - agentsConnected;
  out["master/slaves_unreachable"] = ctx.s.unreachableAgents.size;
  const used = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
  const byState = new Map<string, number>();
  for (const f of ctx.s.frameworks.values()) {
    for (const t of f.tasks.values()) {
      byState.set(t.state, (byState.get(t.state) ?? 0) + 1);
      if (isTerminal(t.state)) continue;
      for (const name of ["cpus", "mem", "disk", "gpus"] as const) {
        used[name] += fromMilli(t.resources.get(name));
      }
    }
  }
  for (const name of ["cpus", "mem", "disk", "gpus"] as const) {
    out[`master/${name}_total`] = total[name];
    out[`master/${name}_used`] = used[name];
    out[`master/${name}_percent`] = total[name] === 0 ? 0 : used[name] / total[name];
  }
  for (const state of ["STAGING", "STARTING", "RUNNING", "KILLING", "UNREACHABLE"]) {
    out[`master/tasks_${state.toLowerCase()}`] = byState.get(`TASK_${state}`) ?? 0;
  }
  out["master/outstanding_offers"] = ctx.s.offers.size;
  for (const [key, value] of ctx.s.metrics) {
    if (!(key in out)) out[key] = value;
  }
  return out;
}
