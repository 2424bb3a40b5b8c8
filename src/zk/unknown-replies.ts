// node-zookeeper-client (1.1.3) throws from its socket's data callback when a reply carries an
// error code it does not know ("Unknown code: -1355612152", seen in the nemesis when the
// ZooKeeper leader is killed mid-answer): the process — a master, an agent, a framework — would
// die of an uncaught exception, and the request would never be answered. Such a reply is taken
// as CONNECTION_LOSS instead (the request's outcome is unknown, which every caller handles:
// a session fails over, a registry write fails, a store reloads) and counted. Installed once per
// process by createZkClient (calls.ts), before any client exists.
import zookeeper from "node-zookeeper-client";

let absorbed = 0;
let installed = false;

export function absorbUnknownZkReplyCodes(): void {
  if (installed) return;
  installed = true;
  const exception = zookeeper.Exception as unknown as Record<string, unknown> & {
    create: (code: number, path?: string) => unknown;
  };
  const known = new Set(Object.values(exception).filter((v) => typeof v === "number"));
  const create = exception.create;
  exception.create = (code: number, path?: string) => {
    if (known.has(code)) return create(code, path);
    absorbed++;
    return create(zookeeper.Exception.CONNECTION_LOSS, path);
  };
}

/** Replies with an unknown error code taken as CONNECTION_LOSS so far. */
export function unknownZkReplies(): number {
  return absorbed;
}
