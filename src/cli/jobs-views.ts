// How `tessera jobs` prints what the Chronos API answers: the shapes it reads (only the fields
// it shows) and the table columns for people; `--json` prints the API's own documents.
import type { Column } from "./output.ts";

/** One row of `GET /v1/scheduler/jobs/summary` (Chronos 3.x). */
export interface JobSummary {
  readonly name: string;
  /** idle | queued | running | "N running" */
  readonly status?: string;
  /** success | failure | fresh */
  readonly state?: string;
  readonly schedule?: string;
  readonly cron?: string;
  readonly parents?: readonly string[];
  readonly disabled?: boolean;
  /** When the next occurrence is due (ISO), for scheduled and cron jobs. */
  readonly nextRun?: string;
}

/** One run of `GET /v1/scheduler/job/<name>/history` (an extension of Chronos's API). */
export interface JobRun {
  readonly runId?: string;
  readonly due?: string;
  readonly started?: string;
  readonly ended?: string;
  readonly state?: string;
  readonly attempt?: number;
  readonly taskId?: string;
  readonly exitCode?: number | null;
  readonly agentId?: string;
  readonly hostname?: string;
  readonly sandbox?: string;
  readonly reason?: string;
  readonly message?: string;
}

/** One entry of `GET /v1/scheduler/queue`: a run that is due and why it is not running yet. */
export interface QueuedRun {
  readonly job: string;
  readonly due?: string;
  readonly attempt?: number;
  readonly waiting?: string;
  readonly detail?: string;
}

export interface GraphNode {
  readonly name: string;
  readonly lastState: string;
  readonly status: string;
  readonly parents: string[];
}

const dash = (text: string | undefined) => (text === undefined || text === "" ? "-" : text);

/** An ISO time without its milliseconds (the table is for reading, --json keeps them). */
export function shortTime(text: string | undefined): string {
  return dash(text?.replace(/\.[0-9]+(?=Z|[+-][0-9]{2}:?[0-9]{2}$)/, ""));
}

/** What makes a job run: its schedule, its cron line, or the jobs it follows. */
export function trigger(job: JobSummary): string {
  if (job.parents !== undefined && job.parents.length > 0) return `after ${job.parents.join(", ")}`;
  if (job.cron !== undefined && job.cron !== "") return `cron ${job.cron}`;
  return dash(job.schedule);
}

export const SUMMARY_COLUMNS: readonly Column<JobSummary>[] = [
  { header: "NAME", value: (j) => j.name },
  { header: "STATUS", value: (j) => (j.disabled ? "disabled" : dash(j.status)) },
  { header: "LAST", value: (j) => dash(j.state) },
  { header: "NEXT", value: (j) => shortTime(j.nextRun) },
  { header: "TRIGGER", value: trigger },
];

export const RUN_COLUMNS: readonly Column<JobRun>[] = [
  { header: "DUE", value: (r) => shortTime(r.due) },
  { header: "STATE", value: (r) => dash(r.state) },
  { header: "ATTEMPT", value: (r) => (r.attempt === undefined ? "-" : String(r.attempt)) },
  { header: "STARTED", value: (r) => shortTime(r.started) },
  { header: "ENDED", value: (r) => shortTime(r.ended) },
  {
    header: "EXIT",
    value: (r) => (r.exitCode === undefined || r.exitCode === null ? "-" : String(r.exitCode)),
  },
  { header: "HOST", value: (r) => dash(r.hostname) },
  { header: "WHY", value: (r) => dash(r.reason || r.message) },
  { header: "SANDBOX", value: (r) => dash(r.sandbox) },
];

export const QUEUE_COLUMNS: readonly Column<QueuedRun>[] = [
  { header: "JOB", value: (q) => q.job },
  { header: "DUE", value: (q) => shortTime(q.due) },
  { header: "ATTEMPT", value: (q) => (q.attempt === undefined ? "-" : String(q.attempt)) },
  { header: "WAITING FOR", value: (q) => dash(q.waiting) },
  { header: "DETAIL", value: (q) => dash(q.detail) },
];

export const GRAPH_COLUMNS: readonly Column<GraphNode>[] = [
  { header: "NAME", value: (n) => n.name },
  { header: "LAST", value: (n) => dash(n.lastState) },
  { header: "STATUS", value: (n) => dash(n.status) },
  { header: "PARENTS", value: (n) => (n.parents.length === 0 ? "-" : n.parents.join(", ")) },
];

/** Chronos's `graph/csv`: `node,<job>,<lastState>,<status>` and `link,<parent>,<child>` lines. */
export function parseGraphCsv(text: string): GraphNode[] {
  const nodes = new Map<string, GraphNode>();
  const node = (name: string) => {
    let n = nodes.get(name);
    if (n === undefined) {
      n = { name, lastState: "", status: "", parents: [] };
      nodes.set(name, n);
    }
    return n;
  };
  for (const line of text.split("\n")) {
    const [kind, a = "", b = "", c = ""] = line.trim().split(",");
    if (kind === "node") nodes.set(a, { ...node(a), lastState: b, status: c });
    else if (kind === "link") {
      node(a);
      node(b).parents.push(a);
    }
  }
  return [...nodes.values()].sort((x, y) => x.name.localeCompare(y.name));
}

/** The fields of a job that `show` prints, in this order, when they are set. */
const SHOWN_FIELDS = [
  "name",
  "description",
  "command",
  "arguments",
  "shell",
  "schedule",
  "cron",
  "scheduleTimeZone",
  "parents",
  "nextRun",
  "epsilon",
  "owner",
  "ownerName",
  "cpus",
  "mem",
  "disk",
  "retries",
  "disabled",
  "concurrent",
  "highPriority",
  "softError",
  "maxCompletionTime",
  "cronCollisionPolicy",
  "runAsUser",
  "constraints",
  "container",
  "successCount",
  "errorCount",
  "errorsSinceLastSuccess",
  "lastSuccess",
  "lastError",
] as const;

/** A job as `field  value` lines, empty fields left out. */
export function renderJob(job: Record<string, unknown>): string {
  const rows: [string, string][] = [];
  for (const field of SHOWN_FIELDS) {
    const value = job[field];
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value) && value.length === 0) continue;
    rows.push([field, typeof value === "string" ? value : JSON.stringify(value)]);
  }
  const width = Math.max(...rows.map(([field]) => field.length));
  return rows.map(([field, value]) => `${field.padEnd(width)}  ${value}`).join("\n");
}
