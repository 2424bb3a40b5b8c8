// Scheduler calls other than SUBSCRIBE (reference §1.1, §1.5): the checks every call goes
// through (framework known, subscribed, on its current stream), then one handler per type.
// Returns the synchronous answer the shell turns into the HTTP status.
import { accept, decline } from "./accept.ts";
import { removeFramework, revive, suppress, updateFramework } from "./frameworks.ts";
import { answerInverseOffers } from "./inverse-offers.ts";
import { acknowledgeOperationStatus, reconcileOperations } from "./operation-feedback.ts";
import { CONVERSION_TYPES } from "./operations.ts";
import { reconcile } from "./reconciliation.ts";
import type { Ctx, FrameworkRecord } from "./state.ts";
import { acknowledge } from "./status-updates.ts";
import { sendKill } from "./tasks.ts";
import type { SchedulerCallReply } from "./types.ts";
import type { SchedulerCall } from "./wire-types.ts";

export const ALLOCATION_TIMER_ID = "allocation";

const ACCEPTED: SchedulerCallReply = { ok: true, status: 202 };

/** The calls `offerCall` handles; `taskCall` handles the rest. */
const OFFER_CALLS: ReadonlySet<string> = new Set(["ACCEPT", "DECLINE", "REVIVE", "SUPPRESS"]);

/** ACCEPT operations the master carries out; any other refuses the whole call. */
const SUPPORTED_OPERATIONS: ReadonlySet<string> = new Set([
  "LAUNCH",
  "LAUNCH_GROUP",
  ...CONVERSION_TYPES,
  "CREATE_DISK",
  "DESTROY_DISK",
]);

export function schedulerCall(
  ctx: Ctx,
  streamId: string | undefined,
  call: SchedulerCall,
): SchedulerCallReply {
  const frameworkId = call.framework_id?.value ?? "";
  const framework = ctx.s.frameworks.get(frameworkId);
  if (framework === undefined) {
    return {
      ok: false,
      error: { code: "framework_not_found", message: "Framework cannot be found" },
    };
  }
  if (framework.connection !== "connected") {
    return {
      ok: false,
      error: { code: "not_subscribed", message: "Framework is not subscribed" },
    };
  }
  if (streamId === undefined) {
    return {
      ok: false,
      error: {
        code: "stream_id_mismatch",
        message: "All non-subscribe calls should include the 'Mesos-Stream-Id' header",
      },
    };
  }
  if (streamId !== framework.streamId) {
    return {
      ok: false,
      error: {
        code: "stream_id_mismatch",
        message: `The stream ID '${streamId}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`,
      },
    };
  }
  framework.lastCallMs = ctx.nowMs;
  const reply = OFFER_CALLS.has(call.type ?? "")
    ? offerCall(ctx, framework, call)
    : taskCall(ctx, framework, call);
  if (reply !== undefined) return reply;
  return {
    ok: false,
    error: {
      code: "invalid_call",
      message: `Expecting '${(call.type ?? "").toLowerCase()}' to be present`,
    },
  };
}

/** ACCEPT, DECLINE, REVIVE, SUPPRESS; undefined when the call lacks its sub-message. */
function offerCall(
  ctx: Ctx,
  framework: FrameworkRecord,
  call: SchedulerCall,
): SchedulerCallReply | undefined {
  switch (call.type) {
    case "ACCEPT": {
      const a = call.accept;
      if (a === undefined) return undefined;
      const unsupported = (a.operations ?? []).find(
        (o) => o.type === undefined || !SUPPORTED_OPERATIONS.has(o.type),
      );
      if (unsupported !== undefined) {
        // Refused before anything is applied: the offers stay outstanding, nothing changes.
        return {
          ok: false,
          error: {
            code: "not_implemented",
            message: `Offer operation '${unsupported.type ?? "UNKNOWN"}' is not implemented (supported: ${[...SUPPORTED_OPERATIONS].join(", ")}); nothing in this ACCEPT was applied`,
          },
        };
      }
      accept(
        ctx,
        framework,
        (a.offer_ids ?? []).map((o) => o.value),
        a.operations ?? [],
        a.filters,
      );
      return ACCEPTED;
    }
    case "DECLINE": {
      const d = call.decline;
      if (d === undefined) return undefined;
      decline(
        ctx,
        framework,
        (d.offer_ids ?? []).map((o) => o.value),
        d.filters,
      );
      return ACCEPTED;
    }
    case "REVIVE":
      revive(ctx, framework, call.revive?.roles ?? []);
      ctx.setTimer(ALLOCATION_TIMER_ID, ctx.nowMs);
      return ACCEPTED;
    case "SUPPRESS":
      suppress(ctx, framework, call.suppress?.roles ?? []);
      return ACCEPTED;
    default:
      return undefined;
  }
}

/** Every other call type; undefined when the call lacks its sub-message. */
function taskCall(
  ctx: Ctx,
  framework: FrameworkRecord,
  call: SchedulerCall,
): SchedulerCallReply | undefined {
  switch (call.type) {
    case "TEARDOWN":
      removeFramework(ctx, framework);
      return ACCEPTED;
    case "KILL": {
      const k = call.kill;
      if (k === undefined) return undefined;
      const task = framework.tasks.get(k.task_id.value);
      if (task === undefined) {
        // Killing an unknown task is an explicit reconciliation of it (reference §1.5).
        reconcile(ctx, framework, [{ taskId: k.task_id.value, agentId: k.agent_id?.value }]);
        return ACCEPTED;
      }
      if (k.agent_id !== undefined && k.agent_id.value !== task.agentId) return ACCEPTED;
      // Sent now if the agent is connected, and again when it re-registers.
      task.killRequested = { policy: k.kill_policy };
      sendKill(ctx, task);
      return ACCEPTED;
    }
    case "SHUTDOWN":
    case "MESSAGE":
      return relayToAgent(ctx, framework, call);
    case "ACKNOWLEDGE": {
      const ack = call.acknowledge;
      if (ack === undefined) return undefined;
      acknowledge(ctx, framework, {
        agentId: ack.agent_id.value,
        taskId: ack.task_id.value,
        uuid: ack.uuid,
      });
      return ACCEPTED;
    }
    case "RECONCILE":
      reconcile(
        ctx,
        framework,
        (call.reconcile?.tasks ?? []).map((t) => ({
          taskId: t.task_id.value,
          agentId: t.agent_id?.value,
        })),
      );
      return ACCEPTED;
    case "UPDATE_FRAMEWORK": {
      const u = call.update_framework;
      if (u === undefined) return undefined;
      const error = updateFramework(ctx, framework, u.framework_info, u.suppressed_roles ?? []);
      return error === undefined ? { ok: true, status: 200 } : { ok: false, error };
    }
    case "ACCEPT_INVERSE_OFFERS":
    case "DECLINE_INVERSE_OFFERS": {
      const answer = call.accept_inverse_offers ?? call.decline_inverse_offers;
      if (answer === undefined) return undefined;
      const ids = (answer.inverse_offer_ids ?? []).map((id) => id.value);
      const kind = call.type === "ACCEPT_INVERSE_OFFERS" ? "ACCEPT" : "DECLINE";
      answerInverseOffers(ctx, framework, kind, ids, answer.filters);
      return ACCEPTED;
    }
    case "ACKNOWLEDGE_OPERATION_STATUS": {
      const ack = call.acknowledge_operation_status;
      if (ack === undefined) return undefined;
      acknowledgeOperationStatus(ctx, framework, ack);
      return ACCEPTED;
    }
    case "RECONCILE_OPERATIONS":
      reconcileOperations(ctx, framework, call.reconcile_operations?.operations ?? []);
      return ACCEPTED;
    // A no-op with the hierarchical allocator: 202 as Mesos.
    case "REQUEST":
      return ACCEPTED;
    default:
      return {
        ok: false,
        error: {
          code: "not_implemented",
          message: `Unsupported call type '${call.type ?? "UNKNOWN"}'`,
        },
      };
  }
}

/**
 * SHUTDOWN (of an executor) and MESSAGE (to an executor) are relayed to the agent if the master
 * knows it: best effort, as in Mesos. Undefined when the call lacks its sub-message.
 */
function relayToAgent(
  ctx: Ctx,
  framework: FrameworkRecord,
  call: SchedulerCall,
): SchedulerCallReply | undefined {
  const frameworkId = { value: framework.id };
  const sh = call.type === "SHUTDOWN" ? call.shutdown : undefined;
  const m = call.type === "MESSAGE" ? call.message : undefined;
  const agentId = (sh ?? m)?.agent_id.value;
  if (agentId === undefined) return undefined;
  const agent = ctx.s.agents.get(agentId);
  if (agent === undefined) return ACCEPTED;
  if (sh !== undefined) {
    ctx.toAgent(agent, {
      type: "SHUTDOWN_EXECUTOR",
      shutdown_executor: { framework_id: frameworkId, executor_id: sh.executor_id },
    });
  } else if (m !== undefined) {
    ctx.toAgent(agent, {
      type: "FRAMEWORK_MESSAGE",
      framework_message: { framework_id: frameworkId, executor_id: m.executor_id, data: m.data },
    });
  }
  return ACCEPTED;
}
