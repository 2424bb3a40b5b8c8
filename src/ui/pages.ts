// The agents, frameworks and tasks pages: virtualized tables over the live model; the tasks
// page filters by text and state and shows one task's state history with reasons.
import { type ComponentChild, h } from "preact";
import { useState } from "preact/hooks";
import { actionButtons, useAgentActions } from "./agent-actions.ts";
import { fmt, mb, scalar, shortState, time } from "./format.ts";
import type { Agent, ClusterModel, Framework, Task } from "./model.ts";
import { type Column, Table } from "./table.ts";

const agentHref = (id: string) => `#/agents/${encodeURIComponent(id)}`;

/** `rack:r1; zone:a`: an agent's attributes in one line (text and scalar values). */
function attributesLine(a: Agent): string {
  return (a.agent_info.attributes ?? [])
    .map((x) => `${x.name}:${x.text?.value ?? x.scalar?.value ?? "…"}`)
    .join("; ");
}

const agentColumns: Column<[string, Agent]>[] = [
  {
    title: "ID",
    cell: ([id]) => h("a", { href: agentHref(id) }, id),
    sort: ([id]) => id,
    width: "2fr",
  },
  {
    title: "Host",
    cell: ([, a]) => a.agent_info.hostname,
    sort: ([, a]) => a.agent_info.hostname,
    width: "1.5fr",
  },
  {
    title: "State",
    cell: ([, a]) => agentState(a),
    sort: ([, a]) => agentState(a),
  },
  {
    title: "CPUs",
    cell: ([, a]) => fmt(scalar(a.total_resources, "cpus")),
    sort: ([, a]) => scalar(a.total_resources, "cpus"),
  },
  {
    title: "Mem",
    cell: ([, a]) => mb(scalar(a.total_resources, "mem")),
    sort: ([, a]) => scalar(a.total_resources, "mem"),
  },
  {
    title: "Disk",
    cell: ([, a]) => mb(scalar(a.total_resources, "disk")),
    sort: ([, a]) => scalar(a.total_resources, "disk"),
  },
  { title: "GPUs", cell: ([, a]) => fmt(scalar(a.total_resources, "gpus")) },
  { title: "Attributes", cell: ([, a]) => attributesLine(a), sort: ([, a]) => attributesLine(a) },
];

export function agentState(a: Agent): string {
  if (a.drain_info?.state !== undefined) return a.drain_info.state.toLowerCase();
  if (a.deactivated === true) return "deactivated";
  return a.active ? "active" : "inactive";
}

export function Agents({ model }: { model: ClusterModel }): ComponentChild {
  const { ask, bar } = useAgentActions(model);
  const columns: Column<[string, Agent]>[] = [
    ...agentColumns,
    { title: "Actions", cell: ([id, a]) => actionButtons(id, a, ask), width: "4fr" },
  ];
  return h(
    "div",
    { class: "page", "data-testid": "agents" },
    h("h2", null, `Agents (${model.agents.size})`),
    bar,
    h(Table<[string, Agent]>, {
      rows: [...model.agents],
      columns,
      rowKey: ([id]) => id,
      onRowClick: ([id]) => {
        location.hash = agentHref(id);
      },
      search: ([id, a]) => `${id} ${a.agent_info.hostname} ${agentState(a)} ${attributesLine(a)}`,
      testId: "agents-table",
      empty: "No agent has registered. Start one with `tessera agent --master <this master>`.",
    }),
  );
}

const frameworkHref = (id: string) => `#/frameworks/${encodeURIComponent(id)}`;

const frameworkColumns: Column<[string, Framework]>[] = [
  {
    title: "ID",
    cell: ([id]) => h("a", { href: frameworkHref(id) }, id),
    sort: ([id]) => id,
    width: "2fr",
  },
  { title: "Name", cell: ([, f]) => f.framework_info.name, sort: ([, f]) => f.framework_info.name },
  {
    title: "Roles",
    cell: ([, f]) => (f.framework_info.roles ?? [f.framework_info.role ?? "*"]).join(", "),
  },
  {
    title: "State",
    cell: ([, f]) => (f.active ? (f.connected ? "active" : "disconnected") : "inactive"),
  },
  { title: "CPUs", cell: ([, f]) => fmt(scalar(f.allocated_resources, "cpus")) },
  { title: "Mem", cell: ([, f]) => mb(scalar(f.allocated_resources, "mem")) },
  {
    title: "Web UI",
    cell: ([, f]) =>
      f.framework_info.webui_url
        ? h("a", { href: f.framework_info.webui_url }, f.framework_info.webui_url)
        : "",
    width: "2fr",
  },
];

export function Frameworks({ model }: { model: ClusterModel }): ComponentChild {
  return h(
    "div",
    { class: "page", "data-testid": "frameworks" },
    h("h2", null, `Frameworks (${model.frameworks.size})`),
    h(Table<[string, Framework]>, {
      rows: [...model.frameworks],
      columns: frameworkColumns,
      rowKey: ([id]) => id,
      onRowClick: ([id]) => {
        location.hash = frameworkHref(id);
      },
      search: ([id, f]) =>
        `${id} ${f.framework_info.name} ${(f.framework_info.roles ?? [f.framework_info.role ?? "*"]).join(" ")}`,
      testId: "frameworks-table",
      empty: "No framework has subscribed. `tessera run -- <command>` runs one for a task.",
    }),
  );
}

export const taskColumns: Column<Task>[] = [
  {
    title: "ID",
    cell: (t) =>
      h("a", { href: `#/tasks/${encodeURIComponent(t.task_id.value)}` }, t.task_id.value),
    sort: (t) => t.task_id.value,
    width: "2.5fr",
  },
  { title: "Name", cell: (t) => t.name, sort: (t) => t.name, width: "1.5fr" },
  {
    title: "State",
    cell: (t) => h("span", { class: `state ${t.state}` }, shortState(t.state)),
    sort: (t) => t.state,
  },
  { title: "Agent", cell: (t) => t.agent_id.value, sort: (t) => t.agent_id.value, width: "2fr" },
  {
    title: "CPUs",
    cell: (t) => fmt(scalar(t.resources, "cpus")),
    sort: (t) => scalar(t.resources, "cpus"),
  },
  {
    title: "Mem",
    cell: (t) => mb(scalar(t.resources, "mem")),
    sort: (t) => scalar(t.resources, "mem"),
  },
  {
    title: "Updated",
    cell: (t) => time(t.statuses?.at(-1)?.timestamp),
    sort: (t) => t.statuses?.at(-1)?.timestamp ?? 0,
    width: "1.5fr",
  },
];

export function Tasks({ model }: { model: ClusterModel }): ComponentChild {
  const [text, setText] = useState("");
  const [state, setState] = useState("");
  const needle = text.trim().toLowerCase();
  const rows: Task[] = [];
  for (const t of model.tasks.values()) {
    if (state !== "" && t.state !== state) continue;
    if (
      needle !== "" &&
      !`${t.task_id.value} ${t.name} ${t.agent_id.value} ${t.framework_id.value}`
        .toLowerCase()
        .includes(needle)
    )
      continue;
    rows.push(t);
  }
  const states = [...model.taskStates.keys()].sort();
  return h(
    "div",
    { class: "page", "data-testid": "tasks" },
    h("h2", null, `Tasks (${rows.length} of ${model.tasks.size})`),
    h(
      "div",
      { class: "filters" },
      h("input", {
        type: "search",
        placeholder: "filter by id, name, agent, framework",
        value: text,
        "data-testid": "task-filter",
        onInput: (e: Event) => setText((e.currentTarget as HTMLInputElement).value),
      }),
      h(
        "select",
        {
          value: state,
          onChange: (e: Event) => setState((e.currentTarget as HTMLSelectElement).value),
        },
        h("option", { value: "" }, "all states"),
        states.map((s) => h("option", { value: s }, shortState(s))),
      ),
    ),
    h(Table<Task>, {
      rows,
      columns: taskColumns,
      rowKey: (t) => t.task_id.value,
      onRowClick: (t) => {
        location.hash = `#/tasks/${encodeURIComponent(t.task_id.value)}`;
      },
      testId: "tasks-table",
      empty:
        model.tasks.size === 0
          ? "No task yet. Launch one: `tessera run -- echo hello`."
          : "No task matches the filter.",
    }),
  );
}

export function TaskDetail({ model, id }: { model: ClusterModel; id: string }): ComponentChild {
  const task = model.tasks.get(id);
  if (task === undefined) {
    return h(
      "div",
      { class: "page" },
      h("h2", null, "Task ", id),
      h("p", { class: "empty" }, "This master does not know the task (yet)."),
    );
  }
  const executor = task.executor_id?.value ?? task.task_id.value;
  const sandbox = `#/sandbox/${[task.agent_id.value, task.framework_id.value, executor].map(encodeURIComponent).join("/")}`;
  return h(
    "div",
    { class: "page", "data-testid": "task-detail" },
    h("h2", null, "Task ", h("code", null, id)),
    h(
      "dl",
      null,
      h("dt", null, "state"),
      h("dd", { "data-testid": "task-state" }, task.state),
      h("dt", null, "framework"),
      h("dd", null, task.framework_id.value),
      h("dt", null, "agent"),
      h("dd", null, task.agent_id.value),
    ),
    h("p", null, h("a", { href: sandbox, "data-testid": "sandbox-link" }, "Sandbox")),
    h("h3", null, "State history"),
    h(
      "table",
      { class: "history", "data-testid": "task-history" },
      h(
        "tr",
        null,
        ["time", "state", "reason", "source", "message"].map((c) => h("th", null, c)),
      ),
      (task.statuses ?? []).map((s) =>
        h(
          "tr",
          null,
          h("td", null, time(s.timestamp)),
          h("td", null, s.state),
          h("td", null, s.reason ?? ""),
          h("td", null, s.source ?? ""),
          h("td", null, s.message ?? ""),
        ),
      ),
    ),
  );
}
