// What the jobs framework's instances in the harness process did, for a violation's story: each
// status update their state took in, each launch it decided, each (re)subscription, with the
// time and which leadership term (a JobsState is made per term) it happened in. The framework
// logs nothing of this itself; the trail is taken by wrapping its state's input methods in this
// process only. Bounded: the oldest lines go first.
import { JobsAdapter } from "../../src/frameworks/jobs/jobs-adapter.ts";
import { JobsState } from "../../src/frameworks/jobs/jobs-state.ts";

/** Lines kept (a seed makes a few dozen). */
const TRAIL_MAX_LINES = 4_000;
const lines: string[] = [];
const terms = new WeakMap<object, number>();
let nextTerm = 1;
let installed = false;

function term(state: object): number {
  let t = terms.get(state);
  if (t === undefined) {
    t = nextTerm++;
    terms.set(state, t);
  }
  return t;
}

function note(state: object, text: string): void {
  lines.push(`${new Date().toISOString().slice(11, 23)} term ${term(state)}: ${text}`);
  if (lines.length > TRAIL_MAX_LINES) lines.splice(0, lines.length - TRAIL_MAX_LINES);
}

export function recordJobsTrail(): void {
  if (installed) return;
  installed = true;
  const status = JobsState.prototype.handleStatus;
  JobsState.prototype.handleStatus = function (update, nowMs) {
    const effects = status.call(this, update, nowMs);
    note(
      this,
      `status ${update.taskId} ${update.state} ${update.reason ?? ""} ${update.message ?? ""}`.trim() +
        effects.map((e) => ` -> ${describe(e)}`).join(""),
    );
    return effects;
  };
  const offers = JobsState.prototype.handleOffers;
  JobsState.prototype.handleOffers = function (o, nowMs) {
    const effects = offers.call(this, o, nowMs);
    for (const e of effects) if (e.kind !== "decline") note(this, describe(e));
    return effects;
  };
  const tick = JobsState.prototype.tick;
  JobsState.prototype.tick = function (nowMs) {
    const effects = tick.call(this, nowMs);
    for (const e of effects) note(this, `tick -> ${describe(e)}`);
    return effects;
  };
  const subscribed = JobsAdapter.prototype.onSubscribed;
  JobsAdapter.prototype.onSubscribed = function (frameworkId) {
    note(this.state, `subscribed as ${frameworkId}`);
    subscribed.call(this, frameworkId);
  };
}

function describe(e: ReturnType<JobsState["tick"]>[number]): string {
  if (e.kind === "launch")
    return `launch ${e.tasks.map((t) => t.task_id.value).join(",")} on ${e.agentId}`;
  if (e.kind === "kill") return `kill ${e.taskId}`;
  return e.kind;
}

/** The trail's lines that mention any of `names`, or a subscription. */
export function jobsTrail(names: readonly string[]): string[] {
  return lines.filter((l) => l.includes("subscribed as") || names.some((n) => l.includes(n)));
}
