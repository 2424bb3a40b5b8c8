// Masters with Mesos's authentication and ACLs on, for the security tests: the principals, the
// ACLs (every action allowed to `ops` alone; `alice` and `bob` may run and see only their own
// users' frameworks; `mallory` authenticates but may do nothing), and calls made as one of them.
import assert from "node:assert/strict";
import {
  basicAuthorizationHeader,
  postCall,
  request,
  subscribe,
} from "../../../src/http/client.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { ACL_ACTIONS, type AclAction } from "../../../src/security/acls.ts";
import { EventReader, startTestMaster } from "./helpers.ts";

export const SECRETS: Readonly<Record<string, string>> = {
  ops: "ops-secret",
  alice: "alice-secret",
  bob: "bob-secret",
  mallory: "mallory-secret",
};

/** Who a request is made as: nobody, a wrong secret, or a principal with its secret. */
export type Caller = "none" | "wrong" | "ops" | "alice" | "bob" | "mallory";

export function headersOf(caller: Caller): Record<string, string> {
  if (caller === "none") return {};
  if (caller === "wrong") {
    return { Authorization: basicAuthorizationHeader({ principal: "ops", secret: "not-it" }) };
  }
  return {
    Authorization: basicAuthorizationHeader({ principal: caller, secret: SECRETS[caller] ?? "" }),
  };
}

export function testAcls(): Record<string, unknown> {
  const acls: Record<string, unknown> = { permissive: false };
  const own = (who: string) => ({ principals: { values: [who] } });
  for (const action of Object.keys(ACL_ACTIONS) as AclAction[]) {
    const field = ACL_ACTIONS[action];
    const rules: unknown[] = [{ principals: { values: ["ops"] }, [field]: { type: "ANY" } }];
    if (action === "register_frameworks") {
      for (const who of ["alice", "bob"]) rules.push({ ...own(who), roles: { type: "ANY" } });
    }
    if (
      action === "run_tasks" ||
      action === "view_frameworks" ||
      action === "view_tasks" ||
      action === "view_executors"
    ) {
      for (const who of ["alice", "bob"]) rules.push({ ...own(who), users: { values: [who] } });
    }
    // Agents here register without credentials (--authenticate_agents is off).
    if (action === "register_agents")
      rules.push({ principals: { type: "ANY" }, agents: { type: "ANY" } });
    acls[action] = rules;
  }
  return acls;
}

export const SECURE_FLAGS: Readonly<Record<string, string>> = {
  authenticate_http_readonly: "true",
  authenticate_http_readwrite: "true",
  authenticate_http_frameworks: "true",
  http_framework_authenticators: "basic",
  credentials: JSON.stringify({
    credentials: Object.entries(SECRETS).map(([principal, secret]) => ({ principal, secret })),
  }),
  acls: JSON.stringify(testAcls()),
};

export function startSecureMaster(extra: Record<string, string> = {}): Promise<RunningMaster> {
  return startTestMaster({ ...SECURE_FLAGS, allocation_interval: "20ms", ...extra });
}

export interface Answer {
  status: number;
  body: string;
  headers: Readonly<Record<string, string>>;
}

/** One request as `caller`: a v1 call (JSON body) when `body` is given, else a GET. */
export async function callAs(
  master: RunningMaster,
  caller: Caller,
  method: string,
  path: string,
  body?: string,
  contentType = "application/json",
): Promise<Answer> {
  const headers = { ...headersOf(caller), Accept: "application/json" };
  if (body === undefined) return request(`${master.url}${path}`, { method, headers });
  if (method === "POST" && contentType === "application/json") {
    return postCall(`${master.url}${path}`, body, { headers });
  }
  return request(`${master.url}${path}`, {
    method,
    body,
    headers: { ...headers, "Content-Type": contentType },
  });
}

export interface SecureScheduler {
  readonly frameworkId: string;
  readonly streamId: string;
  readonly events: EventReader;
  call(body: Record<string, unknown>, caller?: Caller): Promise<Answer>;
  close(): void;
}

/** Subscribes as `caller` and reads SUBSCRIBED. */
export async function subscribeAs(
  master: RunningMaster,
  caller: Caller,
  frameworkInfo: Record<string, unknown>,
  frameworkId?: string,
): Promise<SecureScheduler> {
  const url = `${master.url}/api/v1/scheduler`;
  const info =
    frameworkId === undefined ? frameworkInfo : { ...frameworkInfo, id: { value: frameworkId } };
  const call = {
    type: "SUBSCRIBE",
    subscribe: { framework_info: info },
    ...(frameworkId === undefined ? {} : { framework_id: { value: frameworkId } }),
  };
  const sub = await subscribe(url, JSON.stringify(call), { headers: headersOf(caller) });
  assert.ok(sub.ok, sub.ok ? "" : `${sub.response.status} ${sub.response.body}`);
  const events = new EventReader(sub.events);
  const subscribed = await events.next("SUBSCRIBED");
  const id = (subscribed.subscribed as { framework_id: { value: string } }).framework_id.value;
  const streamId = sub.streamId ?? "";
  return {
    frameworkId: id,
    streamId,
    events,
    call: (body, as = caller) =>
      postCall(url, JSON.stringify({ framework_id: { value: id }, ...body }), {
        headers: { ...headersOf(as), "Mesos-Stream-Id": streamId },
      }),
    close: () => sub.close(),
  };
}
