// `tessera agents`: the registered agents with their state and resources. The master's
// GET_AGENTS gives resources; whether an operator deactivated or drained an agent shows in the
// legacy `/master/slaves` (`deactivated`) and in GET_AGENTS's `drain_info` where present.
import type { Command } from "commander";
import { agentAddress, clusterState, scalarSum, type WireAgent } from "./cluster-views.ts";
import { listing, operatorCommand } from "./command-kit.ts";
import { type Column, formatScalar } from "./output.ts";

export interface AgentRow {
  id: string;
  address: string;
  /** active | deactivated | draining | disconnected */
  state: string;
  cpus: number;
  cpus_used: number;
  mem_mb: number;
  mem_used_mb: number;
  disk_mb: number;
  disk_used_mb: number;
}

const used = (usedValue: number, total: number) =>
  `${formatScalar(usedValue)}/${formatScalar(total)}`;

const COLUMNS: Column<AgentRow>[] = [
  { header: "ID", value: (r) => r.id },
  { header: "ADDRESS", value: (r) => r.address },
  { header: "STATE", value: (r) => r.state },
  { header: "CPUS", value: (r) => used(r.cpus_used, r.cpus) },
  { header: "MEM", value: (r) => used(r.mem_used_mb, r.mem_mb) },
  { header: "DISK", value: (r) => used(r.disk_used_mb, r.disk_mb) },
];

interface LegacySlaves {
  slaves?: { id: string; deactivated?: boolean }[];
}

export function agentRow(agent: WireAgent, deactivated: boolean): AgentRow {
  const state =
    agent.drain_info !== undefined
      ? "draining"
      : deactivated || agent.deactivated === true
        ? "deactivated"
        : agent.active
          ? "active"
          : "disconnected";
  return {
    id: agent.agent_info.id?.value ?? "",
    address: agentAddress(agent),
    state,
    cpus: scalarSum(agent.total_resources, "cpus"),
    cpus_used: scalarSum(agent.allocated_resources, "cpus"),
    mem_mb: scalarSum(agent.total_resources, "mem"),
    mem_used_mb: scalarSum(agent.allocated_resources, "mem"),
    disk_mb: scalarSum(agent.total_resources, "disk"),
    disk_used_mb: scalarSum(agent.allocated_resources, "disk"),
  };
}

export function agentsCommand(): Command {
  return listing(
    operatorCommand("agents", "list the agents: address, state, resources used/total"),
    COLUMNS,
    async (master) => {
      const state = await clusterState(master);
      const legacy = (await master.getJson("/master/slaves")) as LegacySlaves | undefined;
      const deactivated = new Set(
        (legacy?.slaves ?? []).filter((s) => s.deactivated === true).map((s) => s.id),
      );
      return state.agents.map((a) => agentRow(a, deactivated.has(a.agent_info.id?.value ?? "")));
    },
  );
}
