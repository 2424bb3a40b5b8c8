// The agents page's actions, through the operator API: drain (DRAIN_AGENT), deactivate
// (DEACTIVATE_AGENT), reactivate (REACTIVATE_AGENT), and start / stop maintenance of the
// agent's machine (START_MAINTENANCE, STOP_MAINTENANCE: the machine must be in the schedule,
// docs/maintenance.md). Each asks for confirmation first and shows the master's error. The
// event stream has no agent-update event (Mesos's has none either), so after an action the
// page re-reads GET_AGENTS a while to follow the agent's new state (DRAINING -> DRAINED).
import { type ComponentChild, h } from "preact";
import { useState } from "preact/hooks";
import type { Agent, ClusterModel } from "./model.ts";
import { operatorCall } from "./operator-pages.ts";

/** How often and how long the agents are re-read after an action. */
const FOLLOW_INTERVAL_MS = 1_000;
const FOLLOW_FOR_MS = 30_000;

export type AgentAction = "drain" | "deactivate" | "reactivate" | "down" | "up";

export const ACTION_TITLES: Record<AgentAction, string> = {
  drain: "Drain",
  deactivate: "Deactivate",
  reactivate: "Reactivate",
  down: "Start maintenance",
  up: "Stop maintenance",
};

const ACTION_EFFECTS: Record<AgentAction, string> = {
  drain: "its tasks are killed and it gets no more offers until reactivated",
  deactivate: "it gets no more offers; its tasks keep running",
  reactivate: "it is offered again",
  down: "its machine goes down for maintenance: its tasks are lost",
  up: "its machine comes back from maintenance",
};

/** The agent's machine as maintenance calls name it: its hostname and IP. */
function machineOf(agent: Agent): Record<string, string> {
  const ip = /@([^:]+):/.exec(agent.pid ?? "")?.[1];
  return { hostname: agent.agent_info.hostname, ...(ip === undefined ? {} : { ip }) };
}

function callOf(action: AgentAction, id: string, agent: Agent): Record<string, unknown> {
  const agent_id = { value: id };
  switch (action) {
    case "drain":
      return { type: "DRAIN_AGENT", drain_agent: { agent_id } };
    case "deactivate":
      return { type: "DEACTIVATE_AGENT", deactivate_agent: { agent_id } };
    case "reactivate":
      return { type: "REACTIVATE_AGENT", reactivate_agent: { agent_id } };
    case "down":
      return { type: "START_MAINTENANCE", start_maintenance: { machines: [machineOf(agent)] } };
    case "up":
      return { type: "STOP_MAINTENANCE", stop_maintenance: { machines: [machineOf(agent)] } };
  }
}

let following: ReturnType<typeof setInterval> | undefined;

/** Re-reads the agents into the model every second for a while (see the file comment). */
function followAgents(model: ClusterModel): void {
  if (following !== undefined) clearInterval(following);
  const until = Date.now() + FOLLOW_FOR_MS;
  const read = async () => {
    if (Date.now() > until && following !== undefined) clearInterval(following);
    const body = await operatorCall({ type: "GET_AGENTS" }).catch(() => undefined);
    const agents = (body?.get_agents as { agents?: Agent[] } | undefined)?.agents;
    if (agents !== undefined) model.updateAgents(agents);
  };
  void read();
  following = setInterval(() => void read(), FOLLOW_INTERVAL_MS);
}

export interface PendingAction {
  action: AgentAction;
  id: string;
  agent: Agent;
}

/** The confirmation bar above the agents table, and the result of the last action. */
export function useAgentActions(model: ClusterModel): {
  ask: (p: PendingAction) => void;
  bar: ComponentChild;
} {
  const [pending, setPending] = useState<PendingAction | undefined>();
  const [result, setResult] = useState<{ error: boolean; text: string } | undefined>();
  const confirm = async (p: PendingAction) => {
    setPending(undefined);
    try {
      await operatorCall(callOf(p.action, p.id, p.agent));
      setResult({ error: false, text: `${ACTION_TITLES[p.action]}: ${p.id} done.` });
    } catch (e) {
      setResult({ error: true, text: `${ACTION_TITLES[p.action]} ${p.id}: ${String(e)}` });
    }
    followAgents(model);
  };
  const bar =
    pending !== undefined
      ? h(
          "div",
          { class: "confirm", "data-testid": "agent-confirm" },
          `${ACTION_TITLES[pending.action]} agent ${pending.id} (${pending.agent.agent_info.hostname})? Then ${ACTION_EFFECTS[pending.action]}. `,
          h(
            "button",
            { "data-testid": "agent-confirm-yes", onClick: () => void confirm(pending) },
            ACTION_TITLES[pending.action],
          ),
          " ",
          h("button", { onClick: () => setPending(undefined) }, "Cancel"),
        )
      : result === undefined
        ? null
        : h(
            "p",
            { class: result.error ? "error" : "empty", "data-testid": "agent-action-result" },
            result.text,
          );
  return { ask: setPending, bar };
}

/** The row's action buttons: those that apply to the agent's state. */
export function actionButtons(
  id: string,
  agent: Agent,
  ask: (p: PendingAction) => void,
): ComponentChild {
  const draining = agent.drain_info?.state !== undefined;
  const actions: AgentAction[] =
    agent.deactivated === true || draining ? ["reactivate"] : ["drain", "deactivate"];
  actions.push("down", "up");
  return h(
    "span",
    { class: "actions" },
    actions.map((action) =>
      h(
        "button",
        {
          key: action,
          "data-action": action,
          onClick: (e: Event) => {
            e.stopPropagation();
            ask({ action, id, agent });
          },
        },
        ACTION_TITLES[action],
      ),
    ),
  );
}
