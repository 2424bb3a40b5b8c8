// Where the operator commands find the master: `--master`, else `TESSERA_MASTER`, else
// http://127.0.0.1:5050. Accepted forms, as Mesos's tools take them: `http(s)://host:port`,
// `host:port`, `host` (port 5050), and `zk://host:port,.../path` (or `file://` holding one),
// for which the leading master is read from ZooKeeper's `json.info_` znodes by the master's own
// detector (reference §7) and turned into a URL.
import { readFileSync } from "node:fs";
import { processScheme } from "../http/tls.ts";
import { masterInfoUrl } from "../zk/master-info.ts";
import { resolveZkUrl } from "../zk/url.ts";
import { CliError } from "./cli-error.ts";

export const DEFAULT_MASTER = "http://127.0.0.1:5050";
export const MASTER_ENV = "TESSERA_MASTER";
const DEFAULT_MASTER_PORT = 5050;
/** Longest wait for ZooKeeper to name a leader before giving up. */
export const ZK_DETECT_TIMEOUT_MS = 10_000;

/** The address the user gave (flag over environment over default). */
export function masterAddressText(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const fromEnv = env[MASTER_ENV];
  if (flag !== undefined && flag !== "") return flag;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  // With TLS on (LIBPROCESS_SSL_ENABLED, --ssl_enabled), the local master speaks https.
  return processScheme() === "https" ? DEFAULT_MASTER.replace("http:", "https:") : DEFAULT_MASTER;
}

/** A plain (non-ZooKeeper) address as a base URL without a trailing slash. */
export function httpMasterUrl(text: string): string {
  // An address without a scheme is https when this process speaks TLS, as a Mesos tool's is.
  const schemeGiven = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  const withScheme = schemeGiven ? text : `${processScheme()}://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw badAddress(text);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw badAddress(text);
  if (url.hostname === "") throw badAddress(text);
  if (url.port === "" && (url.protocol === "http:" || !schemeGiven)) {
    url.port = String(DEFAULT_MASTER_PORT);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

function badAddress(text: string): CliError {
  return new CliError(
    "BAD_ADDRESS",
    `cannot read master address '${text}': use http://HOST:PORT, HOST:PORT or zk://HOST:PORT/PATH`,
    2,
  );
}

/** Resolves the address to the base URL of a master (the leader, for zk:// addresses). */
export async function resolveMasterUrl(text: string): Promise<string> {
  if (!text.startsWith("zk://") && !text.startsWith("file://")) return httpMasterUrl(text);
  const parsed = resolveZkUrl(text, (path) => readFileSync(path, "utf8"));
  if (!parsed.ok) {
    throw new CliError(
      "BAD_ADDRESS",
      `cannot read master address '${text}': ${parsed.error.message}`,
      2,
    );
  }
  // Loaded on use: only zk:// addresses need the ZooKeeper client.
  const { ZkDetector } = await import("../zk/detector.ts");
  const detector = new ZkDetector({ url: parsed.url });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ZK_DETECT_TIMEOUT_MS);
    });
    const leader = await Promise.race([detector.detect(), timeout]);
    if (leader === undefined) {
      throw new CliError(
        "NO_LEADER",
        `no leading master found in ${text} within ${ZK_DETECT_TIMEOUT_MS / 1000} s — is ZooKeeper up and a master running with --zk?`,
      );
    }
    return masterInfoUrl(leader, processScheme());
  } finally {
    clearTimeout(timer);
    await detector.close();
  }
}
