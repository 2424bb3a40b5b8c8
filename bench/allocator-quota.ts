// The LargeAndSmallQuota cluster of the allocator bench (allocator.bench.ts), and, run as a
// script (`npx tsx bench/allocator-quota.ts`), its first drf cycle at 3,000 agents in this
// fresh process: one JSON line {wallMs, cpuMs}. The bench runs it in a child process for
// its cold-JIT row (nothing else ran before it there).
import { pathToFileURL } from "node:url";
import { Allocator, type Quota } from "../src/allocator/index.ts";
import { parseResourcesText, ResourceQuantities } from "../src/resources/index.ts";
import { cpuMsSince, nowMs, round } from "./harness.ts";

export interface QuotaCluster {
  readonly allocator: Allocator;
  readonly agents: number;
  readonly addAgentsMs: number;
  readonly addFrameworksMs: number;
}

function quota(cpus: number, mem: number): Quota {
  const q = ResourceQuantities.fromRecord({ cpus: cpus * 1000, mem: mem * 1000, disk: mem * 1000 });
  return { guarantees: q, limits: new Map(q) };
}

/**
 * `smallRoles` roles with a quota of half an agent and `largeRoles` with two agents' worth,
 * one framework each, on `smallRoles / 5 + 5 * largeRoles` agents of cpus:2;mem:2048;disk:2048
 * (Mesos's LargeAndSmallQuota/2 at 2,500 + 500).
 */
export function quotaCluster(
  smallRoles: number,
  largeRoles: number,
  sorter: "drf" | "random",
): QuotaCluster {
  const allocator = new Allocator({ seed: 7, sorter });
  const agents = smallRoles / 5 + 5 * largeRoles;
  const parsed = parseResourcesText("cpus:2;mem:2048;disk:2048");
  if (!parsed.ok) throw new Error(parsed.message);
  const total = parsed.value;
  const small = quota(1, 1024);
  const large = quota(4, 4096);
  let start = nowMs();
  for (let a = 0; a < agents; a++) allocator.addAgent(`agent-${a}`, { hostname: `h${a}`, total });
  const addAgentsMs = nowMs() - start;
  start = nowMs();
  for (let i = 0; i < smallRoles; i++) {
    allocator.updateQuota(`small-${i}`, small);
    allocator.addFramework(`fw-small-${i}`, { roles: [`small-${i}`] });
  }
  for (let i = 0; i < largeRoles; i++) {
    allocator.updateQuota(`large-${i}`, large);
    allocator.addFramework(`fw-large-${i}`, { roles: [`large-${i}`] });
  }
  return { allocator, agents, addAgentsMs, addFrameworksMs: nowMs() - start };
}

// (The name check too: in an esbuild bundle of the bench, import.meta.url is the bundle's.)
const script = process.argv[1] ?? "";
if (script.endsWith("allocator-quota.ts") && import.meta.url === pathToFileURL(script).href) {
  const { allocator } = quotaCluster(2_500, 500, "drf");
  const cpuStart = process.cpuUsage();
  const start = nowMs();
  allocator.allocate(0, { full: true });
  const wallMs = nowMs() - start;
  console.log(JSON.stringify({ wallMs: round(wallMs), cpuMs: round(cpuMsSince(cpuStart)) }));
}
