// `GET /master/masters` (a Tessera addition, not in Mesos): the leading master and the standbys,
// for the web UI's overview and for operators. With --zk the answer comes from the election
// group this master already watches (ZkDetector with `members`: every `json.info_` member's
// MasterInfo, read once per member and kept, so a request costs no ZooKeeper read); standalone
// it is this master alone. Standbys answer it too (no leader guard): they watch the same group.
// It is in the read-only realm like /master/state (security.ts: every route not named open or
// read-write is read-only).
import { jsonResponse } from "../../http/response.ts";
import type { HttpServer } from "../../http/server.ts";
import type { MasterInfo } from "../../wire/framework.ts";
import type { GroupMember } from "../../zk/detector.ts";

export interface MastersSource {
  /** This master. */
  readonly self: MasterInfo;
  /** The election group, lowest sequence first; undefined when standalone. */
  readonly members?: () => readonly GroupMember[];
}

/** The body: the leader (absent while none is known), the other members, and who answered. */
export function mastersBody(source: MastersSource): Record<string, unknown> {
  if (source.members === undefined)
    return { leader: source.self, standbys: [], self_id: source.self.id };
  const [leader, ...standbys] = source.members();
  return {
    ...(leader === undefined ? {} : { leader: leader.info }),
    standbys: standbys.map((m) => m.info),
    self_id: source.self.id,
  };
}

export function registerMastersEndpoint(server: HttpServer, source: MastersSource): void {
  server.route({
    name: "masters",
    methods: ["GET"],
    handler: () => jsonResponse(200, JSON.stringify(mastersBody(source))),
  });
}
