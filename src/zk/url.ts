// ZooKeeper URLs as Mesos accepts them for `--zk` and `--master` (reference §7):
//   zk://[user:password@]host1:port1,host2:port2,.../path
//   file:///path/to/file    (the file holds such a URL; Mesos reads it at startup)
// Credentials become ZooKeeper `digest` authentication ("user:password"), as in Mesos's
// zookeeper::URL. Parsing is pure; reading a file:// URL takes the file reader as an argument.

export interface ZkServer {
  host: string;
  port: number;
}

export interface ZkUrl {
  servers: ZkServer[];
  /** Absolute znode path, no trailing slash ("/" for the root). */
  path: string;
  /** `digest` credentials "user:password" when the URL carries them. */
  digest?: string;
}

export type ZkUrlErrorCode =
  | "not_zk_url" // neither zk:// nor file://
  | "no_servers"
  | "bad_server" // a host:port that is not one
  | "bad_path" // not a valid ZooKeeper path
  | "bad_credentials"
  | "file_unreadable"; // file:// whose file cannot be read

export type ZkUrlResult =
  | { ok: true; url: ZkUrl }
  | { ok: false; error: { code: ZkUrlErrorCode; message: string } };

/** ZooKeeper's own default client port, used when a server names no port. */
export const DEFAULT_ZK_PORT = 2181;

const ZK_PREFIX = "zk://";
const FILE_PREFIX = "file://";

function fail(code: ZkUrlErrorCode, message: string): ZkUrlResult {
  return { ok: false, error: { code, message } };
}

function parseServer(text: string): ZkServer | string {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith("[")) {
    // IPv6 literal: [::1]:2181
    const close = text.indexOf("]");
    if (close < 0) return `unterminated '[' in '${text}'`;
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) return `unexpected '${rest}' after ']' in '${text}'`;
    portText = rest === "" ? undefined : rest.slice(1);
  } else {
    const colon = text.lastIndexOf(":");
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (host === "" || /[\s/@]/.test(host)) return `invalid host in '${text}'`;
  if (portText === undefined) return { host, port: DEFAULT_ZK_PORT };
  if (!/^\d{1,5}$/.test(portText)) return `invalid port '${portText}' in '${text}'`;
  const port = Number(portText);
  if (port < 1 || port > 65535) return `port ${port} out of range in '${text}'`;
  return { host, port };
}

function checkPath(path: string): string | undefined {
  if (!path.startsWith("/")) return "must start with '/'";
  if (path === "/") return undefined;
  if (path.endsWith("/")) return "must not end with '/'";
  for (const part of path.slice(1).split("/")) {
    if (part === "") return "must not contain '//'";
    if (part === "." || part === "..") return "must not contain '.' or '..' components";
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ZooKeeper refuses these bytes.
    if (/[\u0000-\u001f\u007f]/.test(part)) return "must not contain control characters";
  }
  return undefined;
}

/** Parses a zk:// URL. A file:// URL is refused here; use `resolveZkUrl` for those. */
export function parseZkUrl(text: string): ZkUrlResult {
  const trimmed = text.trim();
  if (!trimmed.startsWith(ZK_PREFIX)) {
    return fail("not_zk_url", `expected 'zk://host:port[,host:port...]/path', got '${trimmed}'`);
  }
  const rest = trimmed.slice(ZK_PREFIX.length);
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "/" : rest.slice(slash);

  let serversText = authority;
  let digest: string | undefined;
  const at = authority.lastIndexOf("@");
  if (at >= 0) {
    const credentials = authority.slice(0, at);
    serversText = authority.slice(at + 1);
    const colon = credentials.indexOf(":");
    if (colon <= 0 || colon === credentials.length - 1) {
      return fail("bad_credentials", `credentials must be 'user:password' in '${trimmed}'`);
    }
    digest = credentials;
  }

  if (serversText === "") return fail("no_servers", `no ZooKeeper servers in '${trimmed}'`);
  const servers: ZkServer[] = [];
  for (const part of serversText.split(",")) {
    const server = parseServer(part);
    if (typeof server === "string") return fail("bad_server", `bad ZooKeeper server: ${server}`);
    servers.push(server);
  }

  const pathProblem = checkPath(path);
  if (pathProblem !== undefined) {
    return fail("bad_path", `ZooKeeper path '${path}' ${pathProblem}`);
  }
  return { ok: true, url: digest === undefined ? { servers, path } : { servers, path, digest } };
}

/**
 * Parses a zk:// URL, or reads a file:// URL's file (with `readFile`) and parses its content,
 * as Mesos does for `--zk=file:///path`.
 */
export function resolveZkUrl(text: string, readFile: (path: string) => string): ZkUrlResult {
  const trimmed = text.trim();
  if (!trimmed.startsWith(FILE_PREFIX)) return parseZkUrl(trimmed);
  const filePath = trimmed.slice(FILE_PREFIX.length);
  if (!filePath.startsWith("/")) {
    return fail("not_zk_url", `file URL must be absolute ('file:///path'), got '${trimmed}'`);
  }
  let content: string;
  try {
    content = readFile(filePath);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return fail("file_unreadable", `cannot read ZooKeeper URL from '${filePath}': ${reason}`);
  }
  const parsed = parseZkUrl(content);
  if (parsed.ok) return parsed;
  return fail(parsed.error.code, `in '${filePath}': ${parsed.error.message}`);
}

/** The connect string a ZooKeeper client takes: "host1:port1,host2:port2" (no chroot). */
export function connectString(url: ZkUrl): string {
  return url.servers
    .map(({ host, port }) => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`))
    .join(",");
}

/** Renders a URL back as zk://, without credentials (for logs and `/master/state`). */
export function formatZkUrl(url: ZkUrl): string {
  return `${ZK_PREFIX}${connectString(url)}${url.path}`;
}
