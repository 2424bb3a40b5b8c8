// The scheduler API's principal checks, register_frameworks ACL and rate limits (reference §1
// "Principal checks", §2, §6; mesos-api §1.1): run after call validation, in Mesos's order.
// SUBSCRIBE: an authenticated principal must be FrameworkInfo.principal (400 "Failed to validate
// scheduler::Call: …"), a missing one is filled in from the login; roles the ACLs deny get the
// always-200 stream with one ERROR. Later calls: a principal that is not the framework's is 400.
// So a caller with another's framework id cannot fail it over (issue 18 finding 6): its
// FrameworkInfo carries its own principal, and the core refuses a principal change.
import { type HttpResponse, type Reply, streamReply, textResponse } from "../../http/response.ts";
import type { HttpRequest } from "../../http/server.ts";
import { encodeV1, negotiateAccept } from "../../http/v1-request.ts";
import { authorizeAll } from "../../security/authorizer.ts";
import type { RateLimiter } from "../../security/rate-limits.ts";
import { SchedulerEvent } from "../../wire/scheduler.ts";
import type { SchedulerCall } from "../core/wire-types.ts";
import type { MasterHttpContext } from "./context.ts";

export type SchedulerCheck =
  | { readonly ok: true; readonly call: SchedulerCall }
  | { readonly ok: false; readonly reply: Reply };

function frameworkRoles(info: {
  role?: string | undefined;
  roles?: readonly string[] | undefined;
}) {
  if (info.roles !== undefined && info.roles.length > 0) return [...info.roles];
  return [info.role ?? "*"];
}

/** The principal checks and ACLs of one scheduler call; the call, principal filled in. */
export function checkSchedulerCall(
  ctx: MasterHttpContext,
  request: HttpRequest,
  call: SchedulerCall,
): SchedulerCheck {
  const security = ctx.security;
  if (security === undefined) return { ok: true, call };
  const principal = request.principal;
  if (call.type === "SUBSCRIBE" && call.subscribe !== undefined) {
    const info = call.subscribe.framework_info;
    if (principal !== undefined && info.principal !== undefined && info.principal !== principal) {
      return refuse(
        textResponse(
          400,
          `Failed to validate scheduler::Call: Authenticated principal '${principal}' does not match principal '${info.principal}' set in FrameworkInfo`,
        ),
      );
    }
    const filled =
      principal !== undefined && info.principal === undefined
        ? { ...call, subscribe: { ...call.subscribe, framework_info: { ...info, principal } } }
        : call;
    const roles = frameworkRoles(info);
    if (!authorizeAll(security.authorizer, "register_frameworks", principal, roles)) {
      return refuse(
        errorStream(
          request,
          `Not authorized to register framework '${info.name}' with roles '${roles.join(",")}'`,
        ),
      );
    }
    return { ok: true, call: filled };
  }
  if (principal === undefined) return { ok: true, call };
  const id = call.framework_id?.value;
  const info = id === undefined ? undefined : ctx.dispatcher.core.frameworkInfo(id);
  // An unknown framework is the core's 400 "Framework cannot be found".
  if (info !== undefined && info.principal !== principal) {
    return refuse(
      textResponse(
        400,
        `Authenticated principal '${principal}' does not match principal '${info.principal ?? ""}' set in \`FrameworkInfo\``,
      ),
    );
  }
  return { ok: true, call };
}

function refuse(reply: Reply): SchedulerCheck {
  return { ok: false, reply };
}

/** Mesos's answer to a SUBSCRIBE it refuses after validation: 200, one ERROR, closed. */
function errorStream(request: HttpRequest, message: string): Reply {
  const accept = negotiateAccept(request);
  if (!accept.ok) return textResponse(406, accept.failure.message);
  return streamReply({ contentType: accept.value, streamId: false }, (stream) => {
    stream.send(encodeV1(accept.value, SchedulerEvent, { type: "ERROR", error: { message } }));
    stream.close();
  });
}

/**
 * Waits the call's turn under `--rate_limits`; a refusal when the principal's capacity of
 * waiting calls is used up. Mesos drops such a v0 message and aborts the driver with
 * "Message … dropped: capacity(N) exceeded"; over HTTP the call is answered 503 with it.
 */
export function admitSchedulerCall(
  ctx: MasterHttpContext,
  request: HttpRequest,
  call: SchedulerCall,
): Promise<HttpResponse | undefined> | undefined {
  // Without limits nothing is awaited: the call path stays as it was.
  const limiter = ctx.security?.rateLimiter;
  if (limiter === undefined) return undefined;
  return admitLimited(limiter, ctx, request, call);
}

async function admitLimited(
  limiter: RateLimiter,
  ctx: MasterHttpContext,
  request: HttpRequest,
  call: SchedulerCall,
): Promise<HttpResponse | undefined> {
  const id = call.framework_id?.value;
  const principal =
    request.principal ??
    (id === undefined ? undefined : ctx.dispatcher.core.frameworkInfo(id)?.principal);
  const admission = limiter.admit(
    principal,
    Date.now(),
    `scheduler::Call ${call.type ?? "UNKNOWN"}`,
  );
  if (admission.kind === "now") return undefined;
  if (admission.kind === "dropped") return textResponse(503, admission.message);
  await new Promise<void>((resolve) => setTimeout(resolve, admission.delayMs));
  limiter.done(principal);
  return undefined;
}
