// One framework's page (#/frameworks/<id>): who it is (name, user, principal, roles, host,
// capabilities, failover timeout, web UI), its state, what it holds allocated and offered, and
// its tasks, all from the live model.
import { type ComponentChild, h } from "preact";
import { time } from "./format.ts";
import { addResources, type ClusterModel, type Task, zero } from "./model.ts";
import { totalsTable } from "./overview.ts";
import { taskColumns } from "./pages.ts";
import { Table } from "./table.ts";

export function FrameworkDetail({
  model,
  id,
}: {
  model: ClusterModel;
  id: string;
}): ComponentChild {
  const f = model.frameworks.get(id);
  if (f === undefined)
    return h(
      "div",
      { class: "page", "data-testid": "framework-detail" },
      h("h2", null, "Framework ", h("code", null, id)),
      h("p", { class: "empty" }, "This master does not know the framework: see #/frameworks."),
    );
  const info = f.framework_info;
  const held = (list: typeof f.allocated_resources) => {
    const out = zero();
    addResources(out, list);
    return out;
  };
  const tasks: Task[] = [];
  for (const t of model.tasks.values()) if (t.framework_id.value === id) tasks.push(t);
  const field = (name: string, value: ComponentChild) => [
    h("dt", null, name),
    h("dd", { "data-field": name }, value),
  ];
  const registered = f.registered_time?.nanoseconds;
  return h(
    "div",
    { class: "page", "data-testid": "framework-detail" },
    h("h2", null, "Framework ", h("code", null, info.name), " ", h("small", null, id)),
    h(
      "dl",
      null,
      field("state", f.active ? (f.connected ? "active" : "disconnected") : "inactive"),
      field("user", info.user ?? ""),
      field("principal", info.principal ?? ""),
      field("roles", (info.roles ?? [info.role ?? "*"]).join(", ")),
      field("host", info.hostname ?? ""),
      field("registered", registered === undefined ? "" : time(registered / 1e9)),
      field(
        "failover timeout",
        info.failover_timeout === undefined ? "" : `${info.failover_timeout} s`,
      ),
      field("capabilities", (info.capabilities ?? []).map((c) => c.type).join(", ")),
      field("web UI", info.webui_url ? h("a", { href: info.webui_url }, info.webui_url) : ""),
    ),
    h("h3", null, "Resources"),
    totalsTable(
      [
        ["allocated", held(f.allocated_resources)],
        ["offered", held(f.offered_resources)],
      ],
      "framework-resources",
    ),
    h("h3", null, `Tasks (${tasks.length})`),
    h(Table<Task>, {
      rows: tasks,
      columns: taskColumns,
      rowKey: (t) => t.task_id.value,
      onRowClick: (t) => {
        location.hash = `#/tasks/${encodeURIComponent(t.task_id.value)}`;
      },
      testId: "framework-tasks",
      search: (t) => `${t.task_id.value} ${t.name} ${t.state} ${t.agent_id.value}`,
      heightPx: 400,
      empty: "No task of this framework is known.",
    }),
  );
}
