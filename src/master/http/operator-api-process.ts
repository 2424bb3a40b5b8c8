// The master's operator calls about the process rather than the cluster (reference §4.2):
// GET/SET_LOGGING_LEVEL on the real logger, LIST_FILES / READ_FILE over the paths the master
// attaches (as Mesos's, its log file as `/master/log` when `--log_dir` is set), and the
// deprecated SET_QUOTA / REMOVE_QUOTA, which Mesos
// carries out as UPDATE_QUOTA (guarantees and limits both the request's guarantee; an empty
// config to remove).
import { join } from "node:path";
import type { z } from "zod";
import {
  type FileAccessResult,
  listFiles,
  readFileRange,
  resolveAttached,
} from "../../http/file-access.ts";
import type { LoggingLevel } from "../../http/logging-level.ts";
import { type Reply, textResponse } from "../../http/response.ts";
import type { MasterCall, MasterResponse } from "../../wire/operator-master.ts";
import type { MasterSnapshot } from "../core/operator.ts";
import type { OperatorCall } from "../core/types.ts";

/** The daemon's log file in `--log_dir`, as `tessera master` writes it (src/cli). */
export const MASTER_LOG_FILE = "tessera-master.log";

/** The virtual paths the master serves files under, with the real path behind each. */
export function masterAttachedPaths(flags: Readonly<Record<string, string>>): Map<string, string> {
  const attached = new Map<string, string>();
  const logDir = flags.log_dir;
  if (logDir !== undefined && logDir !== "") {
    attached.set("/master/log", join(logDir, MASTER_LOG_FILE));
  }
  return attached;
}

/** A 200 answer's body; the caller encodes it as the request's Accept asks. */
type ResponseIn = z.input<typeof MasterResponse>;
type Ok = (body: ResponseIn) => Reply;

function refused(result: Extract<FileAccessResult<unknown>, { ok: false }>): Reply {
  return textResponse(result.status, result.message);
}

export function getLoggingLevel(logging: LoggingLevel): ResponseIn {
  return { type: "GET_LOGGING_LEVEL", get_logging_level: { level: logging.verbosity } };
}

export function setLoggingLevel(
  logging: LoggingLevel,
  call: NonNullable<MasterCall["set_logging_level"]>,
): Reply {
  logging.set(call.level, call.duration.nanoseconds / 1_000_000);
  return textResponse(200, "");
}

export async function masterListFiles(
  attached: ReadonlyMap<string, string>,
  call: NonNullable<MasterCall["list_files"]>,
  ok: Ok,
): Promise<Reply> {
  const listed = await listFiles((p) => resolveAttached(attached, p), call.path);
  if (!listed.ok) return refused(listed);
  return ok({ type: "LIST_FILES", list_files: { file_infos: listed.value } });
}

export async function masterReadFile(
  attached: ReadonlyMap<string, string>,
  call: NonNullable<MasterCall["read_file"]>,
  ok: Ok,
): Promise<Reply> {
  const read = await readFileRange(
    (p) => resolveAttached(attached, p),
    call.path,
    call.offset,
    call.length,
  );
  if (!read.ok) return refused(read);
  return ok({
    type: "READ_FILE",
    read_file: { size: read.value.size, data: read.value.data.toString("base64") },
  });
}

/**
 * SET_QUOTA / REMOVE_QUOTA as the UPDATE_QUOTA input the core validates and persists, or
 * the 400 Mesos answers before that (no role, non-scalar guarantee, quota already set or
 * none to remove).
 */
export function legacyQuotaCall(
  call: MasterCall,
  snapshot: () => MasterSnapshot,
): { ok: true; call: OperatorCall } | { ok: false; reply: Reply } {
  const bad = (message: string) => ({ ok: false as const, reply: textResponse(400, message) });
  if (call.type === "REMOVE_QUOTA") {
    const role = call.remove_quota!.role;
    if (!snapshot().quotas.has(role)) {
      return bad(
        `Failed to validate remove quota request for role '${role}': No quota exists for this role`,
      );
    }
    return {
      ok: true,
      call: { type: "UPDATE_QUOTA", configs: [{ role, guarantees: {}, limits: {} }], force: true },
    };
  }
  const request = call.set_quota!.quota_request;
  const role = request.role;
  if (role === undefined || role === "") {
    return bad("Failed to validate set quota request: QuotaRequest must specify a role");
  }
  const guarantees: Record<string, number> = {};
  for (const r of request.guarantee ?? []) {
    if (r.scalar === undefined || (r.type !== undefined && r.type !== "SCALAR")) {
      return bad(
        `Failed to validate set quota request: QuotaInfo must not contain non-scalar resources: '${r.name}'`,
      );
    }
    guarantees[r.name] = (guarantees[r.name] ?? 0) + r.scalar.value;
  }
  if (snapshot().quotas.has(role)) {
    return bad(
      "Failed to validate set quota request: Can not set quota for a role that already has quota",
    );
  }
  return {
    ok: true,
    call: {
      type: "UPDATE_QUOTA",
      configs: [{ role, guarantees, limits: { ...guarantees } }],
      force: request.force,
    },
  };
}
