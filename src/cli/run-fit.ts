// Whether the cluster could ever run what `tessera run` asks for, judged from the master's
// state before subscribing: an agent that is not active (deactivated, draining) gets no
// offers, and a request larger than every agent's total would wait for an offer forever.
// Pure, so the rules are tested without a cluster.
import {
  type ClusterState,
  scalarSum,
  type WireAgent,
  type WireResource,
} from "./cluster-views.ts";

export interface RunNeeds {
  readonly role: string;
  readonly cpus: number;
  readonly memMb: number;
  readonly diskMb: number;
}

export type FitVerdict =
  /** Some active agent is large enough (the offer may still take a while). */
  | { readonly kind: "fits" }
  /** No agent is registered, or none is active: one may come. */
  | { readonly kind: "no_active_agent"; readonly message: string }
  /** Agents are active, but no agent's total could ever hold the request. */
  | { readonly kind: "never_fits"; readonly message: string };

/** Offers go to active agents that are not deactivated and not draining. */
export function offersFrom(agent: WireAgent): boolean {
  const drain = agent.drain_info?.state;
  return agent.active && agent.deactivated !== true && drain !== "DRAINING" && drain !== "DRAINED";
}

/** An agent's resources the role may be offered: unreserved, or reserved to the role. */
function usableBy(role: string, resources: readonly WireResource[] | undefined): WireResource[] {
  return (resources ?? []).filter((r) => r.role === undefined || r.role === "*" || r.role === role);
}

function describe(needs: RunNeeds): string {
  const disk = needs.diskMb > 0 ? `;disk:${needs.diskMb}` : "";
  return `cpus:${needs.cpus};mem:${needs.memMb}${disk}`;
}

function largest(agents: readonly WireAgent[], role: string): string {
  return agents
    .map((a) => {
      const r = usableBy(role, a.total_resources);
      return `${a.agent_info.hostname}: cpus:${scalarSum(r, "cpus")};mem:${scalarSum(r, "mem")};disk:${scalarSum(r, "disk")}`;
    })
    .slice(0, 3)
    .join(", ");
}

export function fitVerdict(state: Pick<ClusterState, "agents">, needs: RunNeeds): FitVerdict {
  if (state.agents.length === 0) {
    return { kind: "no_active_agent", message: "no agent is registered" };
  }
  const active = state.agents.filter(offersFrom);
  if (active.length === 0) {
    return {
      kind: "no_active_agent",
      message: `none of the ${state.agents.length} registered agents is active (deactivated or draining; \`tessera agents\` shows them)`,
    };
  }
  const fits = active.some((a) => {
    const r = usableBy(needs.role, a.total_resources);
    return (
      scalarSum(r, "cpus") >= needs.cpus &&
      scalarSum(r, "mem") >= needs.memMb &&
      scalarSum(r, "disk") >= needs.diskMb
    );
  });
  if (fits) return { kind: "fits" };
  return {
    kind: "never_fits",
    message: `no agent in the cluster can ever fit ${describe(needs)} for role '${needs.role}' (agents: ${largest(active, needs.role)})`,
  };
}
