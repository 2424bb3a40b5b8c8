// One agent's page (#/agents/<id>): its state and actions, resources total / allocated /
// offered, its reservations by role, its attributes, and the tasks on it — all from the live
// model (the SUBSCRIBED state and its events, re-read after an action as on the agents page).
import { type ComponentChild, h } from "preact";
import { actionButtons, useAgentActions } from "./agent-actions.ts";
import {
  type Attribute,
  addResources,
  type ClusterModel,
  type Resource,
  type Task,
  zero,
} from "./model.ts";
import { totalsTable } from "./overview.ts";
import { agentState, taskColumns } from "./pages.ts";
import { Table } from "./table.ts";

/** A value as Mesos's UI writes it: `3`, `[31000-32000]`, `{a,b}` or the text. */
function valueText(v: Pick<Attribute, "text" | "scalar" | "ranges" | "set">): string {
  if (v.text !== undefined) return v.text.value;
  if (v.scalar !== undefined) return String(v.scalar.value);
  if (v.ranges !== undefined)
    return `[${(v.ranges.range ?? []).map((r) => `${r.begin}-${r.end}`).join(", ")}]`;
  if (v.set !== undefined) return `{${(v.set.item ?? []).join(",")}}`;
  return "";
}

/** The role a resource is reserved for (the last of its reservations, Mesos's refinement order). */
const reservedFor = (r: Resource) =>
  r.reservations?.at(-1)?.role ?? (r.role !== "*" ? r.role : undefined);

function sums(list: readonly Resource[] | undefined) {
  const out = zero();
  addResources(out, list);
  return out;
}

export function AgentDetail({ model, id }: { model: ClusterModel; id: string }): ComponentChild {
  const { ask, bar } = useAgentActions(model);
  const agent = model.agents.get(id);
  if (agent === undefined)
    return h(
      "div",
      { class: "page", "data-testid": "agent-detail" },
      h("h2", null, "Agent ", h("code", null, id)),
      h(
        "p",
        { class: "empty" },
        "This master does not know the agent: it is gone, or not registered yet. See #/agents.",
      ),
    );
  const rows: [string, ReturnType<typeof zero>][] = [
    ["total", sums(agent.total_resources)],
    ["allocated", sums(agent.allocated_resources)],
    ["offered", sums(agent.offered_resources)],
  ];
  const reserved = (agent.total_resources ?? []).filter((r) => reservedFor(r) !== undefined);
  const attributes = agent.agent_info.attributes ?? [];
  const tasks: Task[] = [];
  for (const t of model.tasks.values()) if (t.agent_id.value === id) tasks.push(t);
  return h(
    "div",
    { class: "page", "data-testid": "agent-detail" },
    h("h2", null, "Agent ", h("code", null, agent.agent_info.hostname), " ", h("small", null, id)),
    bar,
    h(
      "dl",
      null,
      h("dt", null, "state"),
      h("dd", { "data-testid": "agent-state" }, agentState(agent)),
      h("dt", null, "address"),
      h("dd", null, agent.pid ?? `${agent.agent_info.hostname}:${agent.agent_info.port ?? ""}`),
      h("dt", null, "actions"),
      h("dd", null, actionButtons(id, agent, ask)),
    ),
    h("h3", null, "Resources"),
    totalsTable(rows, "agent-resources"),
    h("h3", null, "Reservations"),
    reserved.length === 0
      ? h("p", { class: "empty" }, "None: every resource of the agent is unreserved (`*`).")
      : h(
          "table",
          { class: "apps", "data-testid": "agent-reservations" },
          h(
            "tr",
            null,
            ["role", "resource", "amount", "type"].map((c) => h("th", null, c)),
          ),
          reserved.map((r, i) =>
            h(
              "tr",
              { key: i },
              h("td", null, reservedFor(r) ?? ""),
              h("td", null, r.name),
              h("td", { class: "num" }, valueText(r)),
              h("td", null, r.reservations?.at(-1)?.type ?? "STATIC"),
            ),
          ),
        ),
    h("h3", null, "Attributes"),
    attributes.length === 0
      ? h(
          "p",
          { class: "empty" },
          "None (`tessera agent --attributes 'rack:r1;zone:a'` sets some).",
        )
      : h(
          "table",
          { class: "apps", "data-testid": "agent-attributes" },
          attributes.map((a) =>
            h("tr", { key: a.name }, h("th", null, a.name), h("td", null, valueText(a))),
          ),
        ),
    h("h3", null, `Tasks (${tasks.length})`),
    h(Table<Task>, {
      rows: tasks,
      columns: taskColumns,
      rowKey: (t) => t.task_id.value,
      testId: "agent-tasks",
      search: (t) => `${t.task_id.value} ${t.name} ${t.state}`,
      heightPx: 300,
      empty: "No task on this agent.",
    }),
  );
}
