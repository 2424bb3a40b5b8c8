// Reads an Aurora job file (YAML or JSON; the `.aurora` Python DSL is not read): one job, or
// `{jobs: [...], bindings: {...}}`. Parse-time templating replaces `{{role}}`,
// `{{environment}}`, `{{name}}`, `{{cluster}}` and user bindings (the file's `bindings`, then
// the caller's) in every string; `{{thermos.*}}` and `{{mesos.*}}` stay for the executor to fill
// at run time. Every failure is one line naming the field, e.g.
// `jobs[0].task.resources.ram: expected bytes or a size like 128MB, got 'lots'`.
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { formatPath } from "../../wire/json.ts";
import { type InstanceOverrides, Job } from "./job-schema.ts";

export interface InstanceRange {
  readonly first: number;
  readonly last: number;
  readonly overrides: InstanceOverrides;
}

export interface ParsedJob {
  readonly job: Job;
  /** instances_config as sorted, non-overlapping ranges. */
  readonly ranges: readonly InstanceRange[];
  /** The task's port names: resources.ports, those its cmdlines use, announce's primary port. */
  readonly ports: readonly string[];
}

export type JobFileResult = { ok: true; jobs: ParsedJob[] } | { ok: false; error: string };

export interface JobFileOptions {
  /** The cluster jobs are created on (`{{cluster}}`; a job naming another one is refused). */
  readonly cluster: string;
  /** Caller bindings (`--bind k=v`); they win over the file's. */
  readonly bindings?: Readonly<Record<string, string>>;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Variables left for the executor: `{{thermos.ports[http]}}`, `{{mesos.instance}}`, ... */
const RUNTIME_PREFIXES = ["thermos.", "mesos."];
const TEMPLATE = /\{\{\s*([^{}\s]+)\s*\}\}/g;

const pathText = formatPath;

/** Replaces parse-time variables in every string of `value`; an unknown one is an error. */
export function applyTemplates(
  value: unknown,
  vars: Readonly<Record<string, string>>,
  path: PropertyKey[] = [],
): { ok: true; value: unknown } | { ok: false; error: string } {
  if (typeof value === "string") {
    let unknown: string | undefined;
    const out = value.replace(TEMPLATE, (whole, name: string) => {
      if (RUNTIME_PREFIXES.some((p) => name.startsWith(p))) return whole;
      const bound = vars[name];
      if (bound === undefined) unknown ??= name;
      return bound ?? whole;
    });
    return unknown === undefined
      ? { ok: true, value: out }
      : { ok: false, error: `${pathText(path)}: unknown template variable {{${unknown}}}` };
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [i, item] of value.entries()) {
      const r = applyTemplates(item, vars, [...path, i]);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (isObject(value)) {
    const out: Json = {};
    for (const [k, item] of Object.entries(value)) {
      const r = applyTemplates(item, vars, [...path, k]);
      if (!r.ok) return r;
      out[k] = r.value;
    }
    return { ok: true, value: out };
  }
  return { ok: true, value };
}

function firstIssue(error: z.ZodError, prefix: PropertyKey[]): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${pathText(prefix)}: invalid`;
  const where = pathText([...prefix, ...issue.path]);
  return `${where === "" ? "job" : where}: ${issue.message}`;
}

/** `"3"` or `"0-1"` -> [first, last]. */
function parseRange(text: string): [number, number] | undefined {
  const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (match === null) return undefined;
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  return first <= last ? [first, last] : undefined;
}

function instanceRanges(job: Job, where: string): InstanceRange[] | string {
  const ranges: InstanceRange[] = [];
  for (const [text, overrides] of Object.entries(job.instances_config)) {
    const range = parseRange(text);
    if (range === undefined)
      return `${where}instances_config.${text}: expected an instance or a range like 0-1`;
    if (range[1] >= job.instances)
      return `${where}instances_config.${text}: the job has instances 0-${job.instances - 1}`;
    ranges.push({ first: range[0], last: range[1], overrides });
  }
  ranges.sort((a, b) => a.first - b.first);
  for (let i = 1; i < ranges.length; i++) {
    const before = ranges[i - 1] as InstanceRange;
    const range = ranges[i] as InstanceRange;
    if (range.first <= before.last)
      return `${where}instances_config: ranges ${before.first}-${before.last} and ${range.first}-${range.last} overlap`;
  }
  return ranges;
}

/** Port names a cmdline uses as `{{thermos.ports[name]}}`. */
function portsInCmdlines(job: Job): string[] {
  const names: string[] = [];
  const processes = [
    ...job.task.processes,
    ...Object.values(job.instances_config).flatMap((o) => o.task?.processes ?? []),
  ];
  for (const p of processes) {
    for (const m of p.cmdline.matchAll(/\{\{\s*thermos\.ports\[([\w-]+)\]\s*\}\}/g))
      names.push(m[1] as string);
  }
  return names;
}

function jobPorts(job: Job): string[] {
  const names = [...job.task.resources.ports, ...portsInCmdlines(job)];
  if (job.announce !== undefined) names.push(job.announce.primary_port);
  return [...new Set(names)];
}

function checkJob(job: Job, options: JobFileOptions, where: string): string | undefined {
  if (job.cluster !== undefined && job.cluster !== options.cluster)
    return `${where}cluster: the job names cluster '${job.cluster}', this is '${options.cluster}'`;
  if (job.cron_schedule !== undefined && job.service)
    return `${where}cron_schedule: a service job cannot have a cron schedule`;
  const names = new Set(job.task.processes.map((p) => p.name));
  if (names.size !== job.task.processes.length)
    return `${where}task.processes: process names must be unique`;
  for (const [i, c] of job.task.constraints.entries()) {
    const missing = c.order.find((n) => !names.has(n));
    if (missing !== undefined)
      return `${where}task.constraints[${i}].order: no process named '${missing}'`;
  }
  return undefined;
}

/** One job object of the file: templated, validated, checked. */
function parseOne(raw: unknown, vars: Record<string, string>, prefix: PropertyKey[]) {
  const where = prefix.length === 0 ? "" : `${pathText(prefix)}.`;
  if (!isObject(raw)) return `${pathText(prefix) || "job"}: expected an object`;
  // The key parts are templated first (they may use bindings), then everything else with them.
  const keyVars: Record<string, string> = { ...vars };
  for (const part of ["role", "environment", "name"] as const) {
    const r = applyTemplates(raw[part], vars, [...prefix, part]);
    if (!r.ok) return r.error;
    if (typeof r.value === "string") keyVars[part] = r.value;
  }
  const templated = applyTemplates(raw, keyVars, prefix);
  if (!templated.ok) return templated.error;
  const parsed = Job.safeParse(templated.value);
  if (!parsed.success) return firstIssue(parsed.error, prefix);
  return { job: parsed.data, where };
}

export function parseJobFile(text: string, options: JobFileOptions): JobFileResult {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    const firstLine = (error as Error).message.split("\n")[0] ?? "";
    return { ok: false, error: `not YAML or JSON: ${firstLine}` };
  }
  if (!isObject(doc)) return { ok: false, error: "expected a job object or {jobs: [...]}" };
  const fileBindings = doc.bindings ?? {};
  if (!isObject(fileBindings) || Object.values(fileBindings).some((v) => typeof v !== "string"))
    return { ok: false, error: "bindings: expected a map of names to strings" };
  const vars = {
    ...(fileBindings as Record<string, string>),
    ...options.bindings,
    cluster: options.cluster,
  };
  const many = Array.isArray(doc.jobs);
  const raws: unknown[] = many ? (doc.jobs as unknown[]) : [doc];
  if (raws.length === 0) return { ok: false, error: "jobs: the file has no job" };
  const jobs: ParsedJob[] = [];
  for (const [i, raw] of raws.entries()) {
    const copy = isObject(raw) && !many ? { ...raw, bindings: undefined } : raw;
    if (isObject(copy)) delete copy.bindings;
    const one = parseOne(copy, vars, many ? ["jobs", i] : []);
    if (typeof one === "string") return { ok: false, error: one };
    const { job, where } = one;
    const error = checkJob(job, options, where);
    if (error !== undefined) return { ok: false, error };
    const ranges = instanceRanges(job, where);
    if (typeof ranges === "string") return { ok: false, error: ranges };
    jobs.push({ job, ranges, ports: jobPorts(job) });
  }
  return { ok: true, jobs };
}
