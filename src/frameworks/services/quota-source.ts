// Reads every role's quota from the leading master (the operator API's GET_QUOTA), for quota
// admission (quota-admission.ts). The scheduler client knows the leader: its scheduler
// endpoint `…/api/v1/scheduler` has the operator endpoint `…/api/v1` beside it. With a zk://
// master the client has no endpoint until its detector names a leader: a fetch asked for
// before then waits for one (within its bound) instead of posting to no address.
import { postCall } from "../../http/client.ts";
import { parseWire } from "../../wire/json.ts";
import { QuotaStatus } from "../../wire/operator-common.ts";
import type { RoleQuota } from "./quota-admission.ts";

/** A GET_QUOTA that takes longer is abandoned; the quotas known before stay in use. */
export const QUOTA_FETCH_TIMEOUT_MS = 2000;

const unwrap = (q: Record<string, { value: number }> | undefined): Record<string, number> =>
  Object.fromEntries(Object.entries(q ?? {}).map(([k, v]) => [k, v.value]));

/** How often a fetch waiting for the first leader looks again. */
const LEADER_POLL_MS = 50;

/** Whether the last fetch failed: a failure is logged once, not on every change made. */
let failing = false;

function failed(why: string): undefined {
  if (!failing)
    process.stderr.write(`services: GET_QUOTA failed (${why}); quotas known before stay in use\n`);
  failing = true;
  return undefined;
}

/**
 * The quotas, or undefined when the master did not answer (logged once until it does).
 * `schedulerEndpoint` is the client's current one, "" while no leader is known: the fetch waits
 * for one within QUOTA_FETCH_TIMEOUT_MS, and without one it is no failure (nothing is logged;
 * the quotas are read again once the framework has subscribed).
 */
export async function fetchQuotas(
  schedulerEndpoint: () => string,
  headers: Record<string, string> | undefined,
): Promise<RoleQuota[] | undefined> {
  const deadline = Date.now() + QUOTA_FETCH_TIMEOUT_MS;
  let endpoint = schedulerEndpoint();
  while (endpoint === "" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, LEADER_POLL_MS));
    endpoint = schedulerEndpoint();
  }
  if (endpoint === "") return undefined;
  const url = endpoint.replace(/\/scheduler$/, "");
  try {
    const res = await postCall(url, JSON.stringify({ type: "GET_QUOTA" }), {
      ...(headers === undefined ? {} : { headers }),
      signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
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
