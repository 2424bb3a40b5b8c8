// The jobs page: the built-in jobs framework's jobs (Chronos API) through the master's
// `/framework-api/<id>/` relay, found by the framework's webui_url in the live model. Jobs with
// schedule, last success/error and status; one job's run history with why a queued run waits;
// the dependency graph drawn as SVG; run now, kill, enable/disable; create a job as JSON.
// The page re-reads the jobs every REFRESH_MS while open (the Chronos API has no stream).

import { type ComponentChild, h } from "preact";
import { useState } from "preact/hooks";
import { authFetch } from "./auth.ts";
import type { ClusterModel, Framework } from "./model.ts";
import { frameworkBase, usePolled } from "./poll.ts";
import { filterBox } from "./table.ts";

const REFRESH_MS = 2_000;
export const JOBS_FRAMEWORK_NAME = "tessera-jobs";
const API = "/v1/scheduler";
const JOB_COLUMNS = [
  "job",
  "status",
  "schedule / parents",
  "next run",
  "last success",
  "last error",
  "ok / failed",
  "",
];

interface Job {
  name: string;
  schedule?: string;
  command?: string;
  parents?: string[];
  /** When a scheduled job runs next ("" once its repetitions are spent). */
  nextRun?: string;
  disabled: boolean;
  lastSuccess?: string;
  lastError?: string;
  successCount: number;
  errorCount: number;
  /** From /jobs/summary: idle | queued | running | "N running", and the last run's end. */
  status?: string;
  lastState?: "success" | "failure" | "fresh";
}
interface Run {
  runId: string;
  state: string;
  trigger?: string;
  started?: string;
  ended?: string;
  exitCode: number | null;
  reason: string;
  taskId: string;
}

export function jobsFramework(model: ClusterModel): Framework | undefined {
  for (const f of model.frameworks.values()) {
    if (f.framework_info.name === JOBS_FRAMEWORK_NAME && f.active && f.framework_info.webui_url)
      return f;
  }
  return undefined;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<string> {
  const r = await authFetch(`${base}${API}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${r.status}: ${text.slice(0, 300)}`);
  return text;
}

/** The dependency graph: a column per depth (jobs with no parents first), edges as lines. */
function graph(jobs: readonly Job[]): ComponentChild {
  const depth = new Map<string, number>();
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const depthOf = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0;
    seen.add(name);
    const parents = byName.get(name)?.parents ?? [];
    const d = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => depthOf(p, seen)));
    depth.set(name, d);
    return d;
  };
  for (const j of jobs) depthOf(j.name, new Set());
  const rows = new Map<number, number>();
  const at = new Map<string, { x: number; y: number }>();
  for (const j of jobs) {
    const d = depth.get(j.name) ?? 0;
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    at.set(j.name, { x: 10 + d * 170, y: 20 + row * 40 });
  }
  const width = 20 + (Math.max(0, ...rows.keys()) + 1) * 170;
  const height = 20 + Math.max(1, ...rows.values()) * 40;
  return h(
    "svg",
    { width, height, "data-testid": "job-graph" },
    jobs.flatMap((j) =>
      (j.parents ?? []).map((p) => {
        const from = at.get(p);
        const to = at.get(j.name);
        return from === undefined || to === undefined
          ? null
          : h("line", { x1: from.x + 140, y1: from.y, x2: to.x, y2: to.y, stroke: "#888" });
      }),
    ),
    jobs.map((j) => {
      const p = at.get(j.name)!;
      const failed =
        j.lastError !== undefined && (j.lastSuccess === undefined || j.lastError > j.lastSuccess);
      return h(
        "g",
        { key: j.name },
        h("rect", {
          x: p.x,
          y: p.y - 12,
          width: 140,
          height: 24,
          rx: 4,
          fill: j.disabled ? "#eee" : failed ? "#fdd" : "#dfd",
          stroke: "#999",
        }),
        h("text", { x: p.x + 6, y: p.y + 4, "font-size": 12 }, j.name),
      );
    }),
  );
}

function History({ base, name }: { base: string; name: string }): ComponentChild {
  const polled = usePolled(
    base,
    async () =>
      (
        JSON.parse(await call(base, "GET", `/job/${encodeURIComponent(name)}/history`)) as {
          runs: Run[];
        }
      ).runs,
    [name],
    REFRESH_MS,
  );
  const runs = polled.value;
  if (runs === undefined) return h("p", { class: "empty" }, polled.error || "loading…");
  if (runs.length === 0)
    return h("p", { class: "empty" }, "No run yet: Run now, or wait for its schedule or parents.");
  return h(
    "table",
    { class: "history", "data-testid": "job-history" },
    h(
      "tr",
      null,
      ["run", "state", "trigger", "started", "ended", "exit", "why / reason"].map((c) =>
        h("th", null, c),
      ),
    ),
    runs.map((r) =>
      h(
        "tr",
        { key: r.runId },
        [
          r.runId,
          r.state,
          r.trigger ?? "",
          r.started ?? "",
          r.ended ?? "",
          r.exitCode === null ? "" : String(r.exitCode),
          r.reason,
        ].map((c) => h("td", null, c)),
      ),
    ),
  );
}

const TEMPLATE = JSON.stringify(
  {
    name: "hello",
    command: "echo hello",
    schedule: "R/2030-01-01T00:00:00Z/PT24H",
    cpus: 0.1,
    mem: 32,
  },
  null,
  2,
);

interface JobActions {
  select(): void;
  run(): void;
  kill(): void;
  toggle(): void;
}

/** The job as its API stores it: without the status this page adds from the summary. */
function definition(j: Job): Omit<Job, "status" | "lastState"> {
  const { status: _status, lastState: _lastState, ...rest } = j;
  return rest;
}

function jobRow(j: Job, actions: JobActions): ComponentChild {
  return h(
    "tr",
    { key: j.name, "data-job": j.name },
    h(
      "td",
      null,
      h("a", { href: "javascript:void 0", onClick: actions.select }, j.name),
      j.disabled ? " (disabled)" : "",
    ),
    h(
      "td",
      { "data-status": j.name, class: `job-${j.lastState ?? "fresh"}` },
      `${j.status ?? "?"} · ${j.lastState === "fresh" || j.lastState === undefined ? "never ran" : `last ${j.lastState}`}`,
    ),
    h("td", null, j.schedule ?? (j.parents ?? []).join(", ")),
    h("td", { "data-next-run": j.name }, j.nextRun ?? ""),
    h("td", null, j.lastSuccess ?? ""),
    h("td", null, j.lastError ?? ""),
    h("td", { class: "num" }, `${j.successCount} / ${j.errorCount}`),
    h(
      "td",
      null,
      h("button", { "data-run": j.name, onClick: actions.run }, "Run now"),
      h("button", { "data-kill": j.name, onClick: actions.kill }, "Kill"),
      h(
        "button",
        { "data-toggle": j.name, onClick: actions.toggle },
        j.disabled ? "Enable" : "Disable",
      ),
    ),
  );
}

/** The jobs and their scheduler's view of them (its summary's status and last state). */
async function loadJobs(base: string): Promise<Job[]> {
  const [jobs, summary] = await Promise.all([
    call(base, "GET", "/jobs"),
    call(base, "GET", "/jobs/summary"),
  ]);
  const byName = new Map(
    (
      JSON.parse(summary) as {
        jobs: { name: string; status: string; state: Job["lastState"] }[];
      }
    ).jobs.map((s) => [s.name, s]),
  );
  return (JSON.parse(jobs) as Job[]).map((j) => ({
    ...j,
    status: byName.get(j.name)?.status,
    lastState: byName.get(j.name)?.state,
  }));
}

/** A job as JSON to edit, with Save and Cancel. */
function jobEditor(
  editing: string,
  setEditing: (text: string | undefined) => void,
  save: (text: string) => void,
): ComponentChild {
  return h(
    "section",
    { class: "editor" },
    h("textarea", {
      rows: 8,
      cols: 80,
      value: editing,
      "data-testid": "job-json",
      onInput: (e: Event) => setEditing((e.currentTarget as HTMLTextAreaElement).value),
    }),
    h(
      "div",
      null,
      h("button", { "data-testid": "job-submit", onClick: () => save(editing) }, "Save"),
      " ",
      h("button", { onClick: () => setEditing(undefined) }, "Cancel"),
    ),
  );
}

/** The jobs table: a row per job shown, with its actions. */
function jobsTable(
  shown: readonly Job[],
  base: string,
  act: (what: Promise<unknown>) => void,
): ComponentChild {
  return h(
    "table",
    { class: "apps", "data-testid": "jobs-table" },
    h(
      "tr",
      null,
      JOB_COLUMNS.map((c) => h("th", null, c)),
    ),
    shown.length === 0
      ? h(
          "tr",
          null,
          h("td", { colSpan: JOB_COLUMNS.length, class: "empty" }, "No job matches the filter."),
        )
      : null,
    shown.map((j) =>
      jobRow(j, {
        select: () => {
          location.hash = `#/jobs/${encodeURIComponent(j.name)}`;
        },
        run: () => act(call(base, "PUT", `/job/${encodeURIComponent(j.name)}`)),
        kill: () => act(call(base, "DELETE", `/task/kill/${encodeURIComponent(j.name)}`)),
        toggle: () =>
          act(
            call(base, "POST", j.parents === undefined ? "/iso8601" : "/dependency", {
              ...definition(j),
              disabled: !j.disabled,
            }),
          ),
      }),
    ),
  );
}

export function Jobs({
  model,
  selected,
}: {
  model: ClusterModel;
  /** The job whose runs are shown (`#/jobs/<name>`). */
  selected?: string | undefined;
}): ComponentChild {
  const framework = jobsFramework(model);
  const base = frameworkBase(framework);
  const [filter, setFilter] = useState("");
  const [editing, setEditing] = useState<string | undefined>();
  const [failure, setError] = useState("");
  const [tick, setTick] = useState(0);
  const polled = usePolled(base, () => loadJobs(base), [tick], REFRESH_MS);
  const jobs = polled.value ?? [];
  const needle = filter.trim().toLowerCase();
  const shown = jobs.filter((j) => `${j.name} ${j.command ?? ""}`.toLowerCase().includes(needle));
  const error = failure || polled.error;
  if (framework === undefined) {
    return h(
      "div",
      { class: "page", "data-testid": "jobs" },
      h("h2", null, "Jobs"),
      h(
        "p",
        { class: "empty" },
        "The jobs framework is not running: `tessera dev` starts it (unless --jobs_port off).",
      ),
    );
  }
  const act = (what: Promise<unknown>) =>
    void what.then(
      () => setTick((t) => t + 1),
      (e: unknown) => setError(String(e)),
    );
  const save = (text: string) => {
    let job: { parents?: unknown };
    try {
      job = JSON.parse(text) as { parents?: unknown };
    } catch (e) {
      setError(`not JSON: ${String(e)}`);
      return;
    }
    act(
      call(base, "POST", Array.isArray(job.parents) ? "/dependency" : "/iso8601", job).then(() =>
        setEditing(undefined),
      ),
    );
  };
  return h(
    "div",
    { class: "page", "data-testid": "jobs" },
    h(
      "h2",
      null,
      `Jobs (${jobs.length})`,
      " ",
      h("button", { "data-testid": "job-new", onClick: () => setEditing(TEMPLATE) }, "New job"),
    ),
    editing === undefined ? null : jobEditor(editing, setEditing, save),
    error === "" ? null : h("p", { class: "error" }, error),
    jobs.length === 0
      ? null
      : filterBox(filter, setFilter, "filter by name or command", "jobs-filter"),
    jobs.length === 0
      ? h("p", { class: "empty" }, "No job yet: `New job`.")
      : jobsTable(shown, base, act),
    jobs.length === 0 ? null : h("section", null, h("h3", null, "Dependencies"), graph(jobs)),
    selected === undefined
      ? null
      : h(
          "section",
          null,
          h("h3", null, "Runs of ", selected),
          h(History, { base, name: selected }),
        ),
  );
}
