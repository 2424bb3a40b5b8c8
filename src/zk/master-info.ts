// The MasterInfo a contender publishes in its `json.info_` znode and a detector reads back
// (reference §2.3, §7): Mesos's JSON mapping of the MasterInfo protobuf, snake_case, with the
// `ip` field as an IPv4 address in network byte order read as a host (little-endian) uint32.
import { type MasterCapabilityType, MasterInfo } from "../wire/framework.ts";
import { encodeWire, parseWire, parseWireText } from "../wire/json.ts";

/** What a current Mesos master advertises (reference §2.3). */
export const MASTER_CAPABILITIES: readonly MasterCapabilityType[] = [
  "AGENT_UPDATE",
  "AGENT_DRAINING",
  "QUOTA_V2",
];

/**
 * Mesos's `MasterInfo.ip`: the four address bytes in network order, read as a little-endian
 * integer, so 127.0.0.1 is 0x0100007f = 16777343 and 10.0.0.1 is 16777226.
 * Returns undefined for text that is not a dotted-quad IPv4 address.
 */
export function ipv4ToMesosUint32(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (let i = 3; i >= 0; i--) {
    const part = parts[i];
    if (part === undefined || !/^\d{1,3}$/.test(part)) return undefined;
    const byte = Number(part);
    if (byte > 255) return undefined;
    value = value * 256 + byte;
  }
  return value;
}

/** The inverse of `ipv4ToMesosUint32`. */
export function mesosUint32ToIpv4(value: number): string {
  const bytes: number[] = [];
  let rest = value;
  for (let i = 0; i < 4; i++) {
    bytes.push(rest % 256);
    rest = Math.floor(rest / 256);
  }
  return bytes.join(".");
}

export interface MasterIdentity {
  id: string;
  /** IPv4 dotted quad the master listens on. */
  ip: string;
  port: number;
  hostname?: string;
  version?: string;
}

/** A MasterInfo as a Mesos master fills it: pid "master@ip:port", address, capabilities. */
export function makeMasterInfo(identity: MasterIdentity): MasterInfo {
  const ip = ipv4ToMesosUint32(identity.ip);
  if (ip === undefined) throw new Error(`master ip '${identity.ip}' is not an IPv4 address`);
  const hostname = identity.hostname ?? identity.ip;
  return MasterInfo.parse({
    id: identity.id,
    ip,
    port: identity.port,
    pid: `master@${identity.ip}:${identity.port}`,
    hostname,
    ...(identity.version === undefined ? {} : { version: identity.version }),
    address: { hostname, ip: identity.ip, port: identity.port },
    capabilities: MASTER_CAPABILITIES.map((type) => ({ type })),
  });
}

/** The znode data: MasterInfo JSON in Mesos's dialect. */
export function encodeMasterInfo(info: MasterInfo): Buffer {
  return Buffer.from(encodeWire(MasterInfo, info), "utf8");
}

export type MasterInfoParse =
  | { ok: true; info: MasterInfo }
  | { ok: false; error: { code: "bad_master_info"; message: string } };

/** Reads a `json.info_` znode's data; a malformed one is reported, never thrown. */
export function decodeMasterInfo(data: Buffer | undefined): MasterInfoParse {
  const bad = (message: string): MasterInfoParse => ({
    ok: false,
    error: { code: "bad_master_info", message },
  });
  if (data === undefined || data.length === 0) return bad("empty znode");
  let json: unknown;
  try {
    json = parseWireText(data.toString("utf8"));
  } catch (error) {
    return bad(`not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = parseWire(MasterInfo, json);
  return parsed.ok ? { ok: true, info: parsed.value } : bad(parsed.error);
}

/**
 * The base URL of a master's HTTP API from its MasterInfo, as a Mesos client builds it:
 * `http://<address.ip>:<address.port>` (the address's hostname where it has no ip), falling
 * back to the packed `ip` and `port` fields. An IPv6 host is put in brackets, as a URL needs.
 * MasterInfo has no scheme: as in Mesos, the reader's own TLS setting says whether it is
 * `https` (every process of a TLS cluster has LIBPROCESS_SSL_ENABLED; src/http/tls.ts).
 */
export function masterInfoUrl(info: MasterInfo, scheme: "http" | "https" = "http"): string {
  const host = info.address?.ip ?? info.address?.hostname ?? mesosUint32ToIpv4(info.ip);
  const port = info.address?.port ?? info.port;
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}
