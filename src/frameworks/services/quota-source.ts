// Reads every role's quota from the leading master (the operator API's GET_QUOTA), for quota
// admission (quota-admission.ts). The scheduler client knows the leader: its scheduler
// endpoint `…/api/v1/scheduler` has the operator endpoint `…/api/v1` beside it.
import { postCall } from "../../http/client.ts";
import { parseWire } from "../../wire/json.ts";
import { QuotaStatus } from "../../wire/operator-common.ts";
import type { RoleQuota } from "./quota-admission.ts";

/** A GET_QUOTA that takes longer is abandoned; the quotas known before stay in use. */
export const QUOTA_FETCH_TIMEOUT_MS = 2000;

const unwrap = (q: Record<string, { value: number }> | undefined): Record<string, number> =>
  Object.fromEntries(Object.entries(q ?? {}).map(([k, v]) => [k, v.value]));

/** Whether the last fetch failed: a failure is logged once, not on every change made. */
let failing = false;

function failed(why: string): undefined {
  if (!failing)
    process.stderr.write(`services: GET_QUOTA failed (${why}); quotas known before stay in use\n`);
  failing = true;
  return undefined;
}

/** The quotas, or undefined when the master did not answer (logged once until it does). */
export async function fetchQuotas(
  schedulerEndpoint: string,
  headers: Record<string, string> | undefined,
): Promise<RoleQuota[] | undefined> {
  const url = schedulerEndpoint.replace(/\/scheduler$/, "");
  try {
    const res = await postCall(url, JSON.stringify({ type: "GET_QUOTA" }), {
      ...(headers === undefined ? {} : { headers }),
      signal: AbortSignal.timeout(QUOTA_FETCH_TIMEOUT_MS),
    });
    if (res.status !== 200) return failed(`${res.status}: ${res.body}`);
    const answer = JSON.parse(res.body) as { get_quota?: { status?: unknown } };
    const status = parseWire(QuotaStatus, answer.get_quota?.status ?? {});
    if (!status.ok) return failed(`a GET_QUOTA answer that does not parse: ${status.error}`);
    failing = false;
    return (status.value.configs ?? []).map((c) => ({
      role: c.role,
      guarantees: unwrap(c.guarantees),
      limits: unwrap(c.limits),
    }));
  } catch (error) {
    return failed((error as Error).message);
  }
}
