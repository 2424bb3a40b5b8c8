// The overview page: cluster totals as numbers (total, allocated, offered, idle per scalar),
// SVG time-series charts of the session's samples (allocation, and usage from the agents'
// statistics through the master's relay), the leader and standbys, and counts of agents,
// frameworks and tasks by state.
import { type ComponentChild, h } from "preact";
import { chart } from "./chart.ts";
import { amount } from "./format.ts";
import { type Amounts, type ClusterModel, type Sample, SCALARS } from "./model.ts";
import { MastersCard, UsageCharts } from "./overview-live.ts";

/** Amounts per scalar, a row each (total, allocated, ...): the overview's and the detail pages'. */
export function totalsTable(
  rows: readonly (readonly [string, Amounts])[],
  testId: string,
): ComponentChild {
  return h(
    "table",
    { class: "totals", "data-testid": testId },
    h(
      "tr",
      null,
      h("th", null, ""),
      SCALARS.map((k) => h("th", null, k)),
    ),
    rows.map(([name, a]) =>
      h(
        "tr",
        { "data-row": name },
        h("th", null, name),
        SCALARS.map((k) => h("td", { class: "num", "data-cell": `${name}-${k}` }, amount(k, a[k]))),
      ),
    ),
  );
}

function idle(total: Amounts, allocated: Amounts, offered: Amounts): Amounts {
  const out = { ...total };
  for (const k of SCALARS) out[k] = Math.max(0, total[k] - allocated[k] - offered[k]);
  return out;
}

function counts(
  title: string,
  entries: readonly [string, number][],
  testId: string,
): ComponentChild {
  return h(
    "section",
    { class: "card", "data-testid": testId },
    h("h3", null, title),
    entries.length === 0
      ? h("p", { class: "empty" }, "none")
      : h(
          "table",
          null,
          entries.map(([k, v]) =>
            h("tr", null, h("td", null, k), h("td", { class: "num" }, String(v))),
          ),
        ),
  );
}

export function Overview({
  model,
  leader,
}: {
  model: ClusterModel;
  leader: string;
}): ComponentChild {
  const offered = model.offered();
  const rows: [string, Amounts][] = [
    ["total", model.total],
    ["allocated", model.allocated],
    ["offered", offered],
    ["idle", idle(model.total, model.allocated, offered)],
  ];
  let active = 0;
  let inactive = 0;
  let draining = 0;
  for (const a of model.agents.values()) {
    if (a.drain_info?.state !== undefined) draining++;
    if (a.active && a.deactivated !== true) active++;
    else inactive++;
  }
  const frameworks: [string, number][] = [
    ["active", [...model.frameworks.values()].filter((f) => f.active).length],
    ["inactive", [...model.frameworks.values()].filter((f) => !f.active).length],
  ];
  const per = (s: Sample, k: keyof Amounts, of: "total" | "allocated" | "offered") => s[of][k];
  return h(
    "div",
    { class: "page", "data-testid": "overview" },
    h("h2", null, "Overview"),
    h("p", null, "Leader: ", h("code", { "data-testid": "leader" }, leader || "unknown")),
    totalsTable(rows, "totals"),
    h(
      "div",
      { class: "charts" },
      chart("CPUs", model.samples, [
        ["total", "#888", (s) => per(s, "cpus", "total")],
        ["allocated", "#c33", (s) => per(s, "cpus", "allocated")],
        ["offered", "#36c", (s) => per(s, "cpus", "offered")],
      ]),
      chart("Memory (MB)", model.samples, [
        ["total", "#888", (s) => per(s, "mem", "total")],
        ["allocated", "#c33", (s) => per(s, "mem", "allocated")],
        ["offered", "#36c", (s) => per(s, "mem", "offered")],
      ]),
      h(UsageCharts, { synced: model.synced }),
      chart("Live tasks", model.samples, [["running", "#393", (s) => s.running]]),
      chart("Tasks a minute", model.samples, [
        ["launched", "#36c", (s) => s.launchedPerMin],
        ["finished", "#c33", (s) => s.finishedPerMin],
      ]),
    ),
    h(
      "div",
      { class: "cards" },
      h(MastersCard, { synced: model.synced }),
      counts(
        "Agents",
        [
          ["active", active],
          ["inactive", inactive],
          ["draining", draining],
        ],
        "agent-counts",
      ),
      counts("Frameworks", frameworks, "framework-counts"),
      counts("Tasks", [...model.taskStates].filter(([, n]) => n > 0).sort(), "task-counts"),
    ),
  );
}
