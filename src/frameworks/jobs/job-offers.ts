// Offers to launches (reference §2.5): queued runs in order — high priority first, then the
// order they were queued — each placed on the first offer that satisfies its constraints and
// holds its resources; a run of a job that is not `concurrent` waits while another run of the
// job is active; unused offers are declined. Every run that stays queued is told why (issue
// #16's "why is it not running"): a retry delay, a collision, or which resources and which
// constraints the offers failed, counted over the offers seen.
import { RemainingOffer, type TaskInfoInput } from "../../sdk/offer-matching.ts";
import type { Offer } from "../../wire/offer.ts";
import { failedConstraint, jobTaskInfo, missingResource, needsOf } from "./job-task.ts";
import type { JobsCtx } from "./jobs-context.ts";
import type { JobsModel } from "./jobs-model.ts";
import type { RunRecord } from "./run-record.ts";

/** Refuse seconds on declined offers while runs still wait for resources. */
export const WAITING_DECLINE_REFUSE_SECONDS = 5;

interface OpenOffer {
  readonly offer: Offer;
  readonly remaining: RemainingOffer;
  readonly tasks: TaskInfoInput[];
}

function agentUrl(offer: Offer): string | undefined {
  const a = offer.url?.address;
  if (a === undefined) return undefined;
  const host = a.ip ?? a.hostname ?? offer.hostname;
  return `http://${host}:${a.port}`;
}

/** Why a queued run cannot launch before any offer is looked at; undefined if it can. */
export function blockedReason(
  model: JobsModel,
  run: RunRecord,
  nowMs: number,
  launchedNow: ReadonlySet<string>,
): { waiting: "retry_delay" | "collision"; detail: string } | undefined {
  if (run.notBeforeMs !== undefined && run.notBeforeMs > nowMs)
    return {
      waiting: "retry_delay",
      detail: `attempt ${run.attempt} waits for the retry delay until ${new Date(run.notBeforeMs).toISOString()}`,
    };
  const def = model.definition(run.job);
  if (def === undefined || def.concurrent) return undefined;
  const other = model.ledger.activeOf(run.job).find((r) => r.state !== "queued");
  if (other !== undefined || launchedNow.has(run.job))
    return {
      waiting: "collision",
      detail: `job '${run.job}' is not concurrent and run ${other?.runId ?? "launched now"} is still active`,
    };
  // One launch per job at a time: the earlier queued run goes first.
  const first = model.ledger.activeOf(run.job).filter((r) => r.state === "queued");
  if (first.some((r) => r.dueMs < run.dueMs))
    return { waiting: "collision", detail: `an earlier run of '${run.job}' is queued first` };
  return undefined;
}

export function matchOffers(model: JobsModel, ctx: JobsCtx, offers: readonly Offer[]): void {
  const all: OpenOffer[] = offers.map((offer) => ({
    offer,
    remaining: new RemainingOffer(offer),
    tasks: [],
  }));
  let open = all;
  const launchedNow = new Set<string>();
  let waitingForResources = false;
  for (const run of [...model.ledger.queued()]) {
    const blocked = blockedReason(model, run, ctx.nowMs, launchedNow);
    if (blocked !== undefined) {
      model.waiting.set(run.runId, blocked);
      continue;
    }
    const def = model.definition(run.job);
    if (def === undefined) continue;
    const misses = new Map<string, number>();
    let placed: OpenOffer | undefined;
    for (const o of open) {
      const constraint = failedConstraint(def, o.offer);
      const miss = constraint ?? missingResource(def, o.remaining);
      if (miss === undefined) {
        placed = o;
        break;
      }
      const key =
        constraint === undefined ? `not enough ${miss}` : `constraint ${constraint} failed`;
      misses.set(key, (misses.get(key) ?? 0) + 1);
    }
    if (placed === undefined) {
      waitingForResources = true;
      const seen = [...misses].map(([k, n]) => `${k} on ${n}`).join(", ");
      model.waiting.set(run.runId, {
        waiting: "offers",
        detail:
          offers.length === 0
            ? "no offers yet"
            : `no offer fits: of ${offers.length} offers, ${seen === "" ? "none had free resources" : seen}`,
      });
      continue;
    }
    const taken = placed.remaining.take(needsOf(def));
    if (taken === undefined) continue; // missingResource said it fits: cannot happen
    model.waiting.delete(run.runId);
    model.ledger.assignTask(run, run.attempt);
    run.state = "launching";
    run.agentId = placed.offer.agent_id.value;
    run.hostname = placed.offer.hostname;
    const url = agentUrl(placed.offer);
    if (url !== undefined) run.agentUrl = url;
    delete run.notBeforeMs;
    delete run.killRequested;
    // Written before the launch goes out: the shell makes writes durable before calls.
    model.ledger.update(ctx, run);
    launchedNow.add(run.job);
    placed.tasks.push(
      jobTaskInfo(def, run, {
        offer: placed.offer,
        taken: taken.resources,
        defaultUser: model.defaultUser,
      }),
    );
    // An offer with too little left for even the smallest task takes no more runs.
    if (placed.remaining.scalar("cpus") < 0.01 || placed.remaining.scalar("mem") < 1)
      open = open.filter((o) => o !== placed);
  }
  const refuseSeconds = waitingForResources
    ? WAITING_DECLINE_REFUSE_SECONDS
    : model.declineRefuseSeconds;
  for (const o of all) {
    if (o.tasks.length === 0)
      ctx.call({ kind: "decline", offerId: o.offer.id.value, refuseSeconds });
    else
      ctx.call({
        kind: "launch",
        offerId: o.offer.id.value,
        agentId: o.offer.agent_id.value,
        tasks: o.tasks,
        refuseSeconds,
      });
  }
}
