// Every check a job definition passes before anything changes (STYLE.md: a call that fails
// leaves nothing half-changed): the name, uris vs fetch, constraints, epsilon, the schedule
// (parsed by the schedule module, which owns ISO 8601 and crontab arithmetic), and for
// dependent jobs the parents (each exists, no cycle). Failures are Chronos's 400 with a message
// that says what to fix.
//
// What each endpoint stores (reference §2.2, §2.4): `iso8601` takes a `schedule` or a `cron`
// (a body with neither, and no parents, is an ad-hoc job stored as `R1//PT24H`: run once,
// now); `dependency` takes `parents` and drops any schedule, so converting a scheduled job into
// a dependent one stops its schedule (chronos#627).
import { epsilonMs, JOB_NAME_PATTERN, type JobDefinition } from "./job-definition.ts";
import { constraintProblem } from "./job-task.ts";
import type { JobsModel } from "./jobs-model.ts";
import type { PutEndpoint, Result } from "./jobs-types.ts";
import type { Schedule, ScheduleSpec } from "./schedule/types.ts";

/** What Chronos stores for a job posted with no schedule and no parents. */
export const AD_HOC_SCHEDULE = "R1//PT24H";

const invalid = (message: string) => ({ ok: false, error: { code: "INVALID", message } }) as const;

/** The schedule spec a job's fields describe; undefined for a dependent job. */
export function scheduleSpec(job: JobDefinition): ScheduleSpec | undefined {
  const timeZone = job.scheduleTimeZone === "" ? {} : { timeZone: job.scheduleTimeZone };
  if (job.cron !== undefined) return { kind: "cron", text: job.cron, ...timeZone };
  if (job.schedule !== undefined) return { kind: "iso8601", text: job.schedule, ...timeZone };
  return undefined;
}

/** The definition as the endpoint stores it. */
function normalized(input: JobDefinition, endpoint: PutEndpoint): JobDefinition {
  if (endpoint === "dependency") {
    const { schedule: _s, cron: _c, ...rest } = input;
    return rest;
  }
  if (input.schedule !== undefined || input.cron !== undefined) {
    const { parents: _p, ...rest } = input;
    return rest;
  }
  if (input.parents !== undefined && input.parents.length > 0) return input;
  const { parents: _p, ...rest } = input;
  return { ...rest, schedule: AD_HOC_SCHEDULE };
}

export function validateJob(
  model: JobsModel,
  input: JobDefinition,
  endpoint: PutEndpoint,
  nowMs: number,
): Result<{ definition: JobDefinition; schedule?: Schedule }> {
  if (!JOB_NAME_PATTERN.test(input.name))
    return invalid(
      `the job's name is invalid. Allowed names: '[\\w.-]+' (letters, digits, '_', '.', '-'), got '${input.name}'`,
    );
  if (input.uris.length > 0 && input.fetch.length > 0)
    return invalid("Tried to specify both uris and fetch: use fetch only");
  const problem = constraintProblem(input);
  if (problem !== undefined) return invalid(problem);
  if (input.epsilon !== undefined && epsilonMs(input.epsilon) === undefined)
    return invalid(
      `Cannot parse epsilon '${input.epsilon}': expected an ISO 8601 duration such as PT30M`,
    );
  if (input.schedule !== undefined && input.cron !== undefined)
    return invalid("A job has either a schedule or a cron line, not both");
  if (endpoint === "dependency" && (input.parents === undefined || input.parents.length === 0))
    return invalid("Error, parent does not exist: a dependent job needs at least one parent");
  const definition = normalized(input, endpoint);
  const spec = scheduleSpec(definition);
  if (spec === undefined) {
    const graphProblem = model.graph.problem(definition, (n) => model.definition(n));
    if (graphProblem !== undefined) return invalid(graphProblem);
    return { ok: true, value: { definition } };
  }
  const parsed = model.schedules.parseSchedule(spec, nowMs);
  if (!parsed.ok)
    return invalid(
      spec.kind === "iso8601" && parsed.reason !== undefined
        ? `${parsed.error}: ${parsed.reason}`
        : parsed.error,
    );
  // A dependent job's children keep depending on it after it became scheduled: no cycle check
  // is needed, a job without parents closes none.
  return { ok: true, value: { definition, schedule: parsed.schedule } };
}
