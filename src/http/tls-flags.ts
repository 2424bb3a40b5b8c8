// The `--ssl_*` flags of every Tessera daemon (master, agent, services): the LIBPROCESS_SSL_*
// variables (tls.ts) as flags, which win over the variables. Mesos has only the variables;
// the flags let one command line or systemd unit say everything.
import type { FlagReader, MesosFlagSpec } from "../base/flag-parsing.ts";
import type { HttpServer, ListenAddress } from "./server.ts";
import {
  setProcessTls,
  type TlsOverrides,
  type TlsSettings,
  type TlsSettingsResult,
  tlsSettingsFrom,
} from "./tls.ts";

interface TlsFlag {
  readonly flag: string;
  readonly kind: "bool" | "string";
  readonly key: keyof TlsOverrides;
  readonly help: string;
}

const TLS_FLAGS: readonly TlsFlag[] = [
  {
    flag: "ssl_enabled",
    kind: "bool",
    key: "enabled",
    help: "serve and call over TLS (LIBPROCESS_SSL_ENABLED)",
  },
  {
    flag: "ssl_cert_file",
    kind: "string",
    key: "certFile",
    help: "PEM certificate of this daemon (LIBPROCESS_SSL_CERT_FILE)",
  },
  {
    flag: "ssl_key_file",
    kind: "string",
    key: "keyFile",
    help: "PEM key of the certificate (LIBPROCESS_SSL_KEY_FILE)",
  },
  {
    flag: "ssl_ca_file",
    kind: "string",
    key: "caFile",
    help: "PEM CA certificates peers are verified with (LIBPROCESS_SSL_CA_FILE)",
  },
  {
    flag: "ssl_ca_dir",
    kind: "string",
    key: "caDir",
    help: "directory of PEM CA certificates (LIBPROCESS_SSL_CA_DIR)",
  },
  {
    flag: "ssl_verify_cert",
    kind: "bool",
    key: "verifyClientCert",
    help: "refuse a client certificate that does not verify (LIBPROCESS_SSL_VERIFY_CERT)",
  },
  {
    flag: "ssl_verify_server_cert",
    kind: "bool",
    key: "verifyServerCert",
    help: "verify the servers this daemon calls (default true; LIBPROCESS_SSL_VERIFY_SERVER_CERT)",
  },
  {
    flag: "ssl_require_cert",
    kind: "bool",
    key: "requireClientCert",
    help: "refuse clients without a valid certificate (LIBPROCESS_SSL_REQUIRE_CERT)",
  },
  {
    flag: "ssl_support_downgrade",
    kind: "bool",
    key: "supportDowngrade",
    help: "also serve plain HTTP on the same port (LIBPROCESS_SSL_SUPPORT_DOWNGRADE)",
  },
];

/** The flag specs, for a daemon's list (`--help` and the parser). */
export function tlsFlagSpecs(): readonly (MesosFlagSpec & { kind: "bool" | "string" })[] {
  return TLS_FLAGS.map(({ flag, kind, help }) => ({ name: flag, kind, default: undefined, help }));
}

/** The `--ssl_*` values given, read through the daemon's flag reader. */
export function readTlsFlags(r: FlagReader): TlsOverrides {
  const out: Record<string, string | boolean> = {};
  for (const { flag, kind, key } of TLS_FLAGS) {
    if (r.str(flag) === undefined) continue;
    out[key] = kind === "bool" ? r.bool(flag) : (r.str(flag) as string);
  }
  return out as TlsOverrides;
}

/** A daemon's TLS: its environment's LIBPROCESS_SSL_* variables, then its flags. */
export function daemonTlsSettings(
  env: Readonly<Record<string, string | undefined>>,
  flags: TlsOverrides,
): TlsSettingsResult {
  return tlsSettingsFrom(env, flags);
}

/** A daemon's TLS settings, or why they cannot be had (`flag`: the one the reason is about). */
export type DaemonTls =
  | { readonly ok: true; readonly settings: TlsSettings; readonly withoutEffect: readonly string[] }
  | { readonly ok: false; readonly message: string; readonly flag: string };

/**
 * Reads a daemon's TLS and, when it is on, makes it this process's (the client it calls
 * others with speaks it too, as libprocess's one setting does).
 */
export function daemonTls(
  env: Readonly<Record<string, string | undefined>>,
  flags: TlsOverrides,
): DaemonTls {
  const read = daemonTlsSettings(env, flags);
  if (!read.ok) return { ok: false, message: read.message, flag: "ssl_enabled" };
  if (read.settings.enabled) setProcessTls(read.settings);
  return read;
}

/** Listens with `tls`; a certificate or key that cannot be read is a result, not a throw. */
export async function listenWithTls(
  server: HttpServer,
  address: { host: string; port: number },
  tls: TlsSettings,
): Promise<{ ok: true; bound: ListenAddress } | { ok: false; message: string; flag: string }> {
  try {
    return { ok: true, bound: await server.listen({ ...address, tls }) };
  } catch (error) {
    if (!tls.enabled) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message, flag: "ssl_cert_file" };
  }
}
