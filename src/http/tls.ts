// TLS for every Tessera listener and client, configured the way Mesos's libprocess is: one
// setting per process, from the `LIBPROCESS_SSL_*` environment variables, which a daemon's `--ssl_*` flags or the CLI's `--ca_file`/`--cert_file`/
// `--key_file` override. The HttpServer listens with it (tls-listener.ts) and the client
// (client.ts) uses it for every `https:` URL, so whatever runs on src/http gets TLS for free.
//
// Where Tessera differs from Mesos, on purpose: a client verifies the server's certificate by
// default (Mesos's LIBPROCESS_SSL_VERIFY_SERVER_CERT defaults to false); set it to false to get
// Mesos's behaviour. Knobs Node's tls module has no counterpart for are accepted and named in
// `TLS_SETTINGS_WITHOUT_EFFECT`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { SecureVersion } from "node:tls";

export interface TlsSettings {
  /** LIBPROCESS_SSL_ENABLED: listeners speak TLS; URLs found without a scheme are https. */
  readonly enabled: boolean;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly caFile: string | undefined;
  readonly caDir: string | undefined;
  /** Client side: verify the server's certificate (and name) — LIBPROCESS_SSL_VERIFY_SERVER_CERT. */
  readonly verifyServerCert: boolean;
  /** Server side: a client certificate that is presented must verify — LIBPROCESS_SSL_VERIFY_CERT. */
  readonly verifyClientCert: boolean;
  /** Server side: refuse clients without a valid certificate — LIBPROCESS_SSL_REQUIRE_CERT. */
  readonly requireClientCert: boolean;
  /** Server side: plain HTTP is accepted on the same port too — LIBPROCESS_SSL_SUPPORT_DOWNGRADE. */
  readonly supportDowngrade: boolean;
  /** "legacy" or "openssl": both check the URL's host against the certificate (see below). */
  readonly hostnameValidationScheme: "legacy" | "openssl";
  readonly ciphers: string | undefined;
  readonly ecdhCurve: string | undefined;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
}

/** TLS off, as a process with none of the variables set. */
export const TLS_DISABLED: TlsSettings = {
  enabled: false,
  certFile: undefined,
  keyFile: undefined,
  caFile: undefined,
  caDir: undefined,
  verifyServerCert: true,
  verifyClientCert: false,
  requireClientCert: false,
  supportDowngrade: false,
  hostnameValidationScheme: "openssl",
  ciphers: undefined,
  ecdhCurve: undefined,
  minVersion: "TLSv1.2",
  maxVersion: "TLSv1.3",
};

/** Mesos's variables that are read but change nothing here, and why. */
export const TLS_SETTINGS_WITHOUT_EFFECT: Readonly<Record<string, string>> = {
  VERIFY_DEPTH: "Node's tls module has no chain-depth limit",
  VERIFY_IPADD:
    "a URL naming an IP is always checked against the certificate's IP addresses, as Node does",
  ENABLE_SSL_V3: "Node's OpenSSL has no SSLv3",
  DHPARAMS: "Node negotiates ECDHE; finite-field DH parameters are not loaded",
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The value of `LIBPROCESS_SSL_<name>`. Mesos's older bare `SSL_<name>` names are not read:
 * `SSL_CERT_FILE` and `SSL_CERT_DIR` are OpenSSL's own variables for the system's CA bundle,
 * set on many machines, and read as this process's certificate they would break it.
 */
function variable(env: Env, name: string): string | undefined {
  const value = env[`LIBPROCESS_SSL_${name}`];
  return value === undefined || value === "" ? undefined : value;
}

/** `TESSERA_<name>`, the CLI's and SDK's own variables, which win over LIBPROCESS_SSL_*. */
function tessera(env: Env, name: string): string | undefined {
  const value = env[`TESSERA_${name}`];
  return value === undefined || value === "" ? undefined : value;
}

export type TlsSettingsResult =
  | { readonly ok: true; readonly settings: TlsSettings; readonly withoutEffect: readonly string[] }
  | { readonly ok: false; readonly message: string };

function boolValue(name: string, text: string | undefined): boolean | undefined | string {
  if (text === undefined) return undefined;
  const v = text.toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  return `${name}: '${text}' is not true or false`;
}

/**
 * Overrides from a daemon's flags or the CLI (undefined = not given); each wins over its
 * environment variable.
 */
export interface TlsOverrides {
  readonly enabled?: boolean | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly caFile?: string | undefined;
  readonly caDir?: string | undefined;
  readonly verifyServerCert?: boolean | undefined;
  readonly verifyClientCert?: boolean | undefined;
  readonly requireClientCert?: boolean | undefined;
  readonly supportDowngrade?: boolean | undefined;
}

/**
 * Reads the LIBPROCESS_SSL_* variables of `env` (and TESSERA_CA_FILE, TESSERA_CERT_FILE,
 * TESSERA_KEY_FILE before their LIBPROCESS_SSL_ names), then applies `overrides`.
 */
export function tlsSettingsFrom(env: Env, overrides: TlsOverrides = {}): TlsSettingsResult {
  const bools: Record<string, boolean | undefined> = {};
  for (const name of [
    "ENABLED",
    "VERIFY_CERT",
    "VERIFY_SERVER_CERT",
    "REQUIRE_CERT",
    "REQUIRE_CLIENT_CERT",
    "SUPPORT_DOWNGRADE",
    "ENABLE_TLS_V1_0",
    "ENABLE_TLS_V1_1",
    "ENABLE_TLS_V1_2",
    "ENABLE_TLS_V1_3",
  ]) {
    const value = boolValue(`LIBPROCESS_SSL_${name}`, variable(env, name));
    if (typeof value === "string") return { ok: false, message: value };
    bools[name] = value;
  }
  const scheme = (variable(env, "HOSTNAME_VALIDATION_SCHEME") ?? "openssl").toLowerCase();
  if (scheme !== "legacy" && scheme !== "openssl") {
    return {
      ok: false,
      message: `LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME: '${scheme}' is not legacy or openssl`,
    };
  }
  const versions = protocolRange(bools);
  if (typeof versions === "string") return { ok: false, message: versions };
  const withoutEffect = Object.keys(TLS_SETTINGS_WITHOUT_EFFECT).filter(
    (name) => variable(env, name) !== undefined,
  );
  // Mesos: the old VERIFY_CERT covered both sides; REQUIRE_CERT implies verifying.
  const verifyCert = bools.VERIFY_CERT;
  const settings: TlsSettings = {
    enabled: overrides.enabled ?? bools.ENABLED ?? false,
    certFile: overrides.certFile ?? tessera(env, "CERT_FILE") ?? variable(env, "CERT_FILE"),
    keyFile: overrides.keyFile ?? tessera(env, "KEY_FILE") ?? variable(env, "KEY_FILE"),
    caFile: overrides.caFile ?? tessera(env, "CA_FILE") ?? variable(env, "CA_FILE"),
    caDir: overrides.caDir ?? variable(env, "CA_DIR"),
    verifyServerCert: overrides.verifyServerCert ?? bools.VERIFY_SERVER_CERT ?? verifyCert ?? true,
    verifyClientCert: overrides.verifyClientCert ?? verifyCert ?? false,
    requireClientCert:
      overrides.requireClientCert ?? bools.REQUIRE_CLIENT_CERT ?? bools.REQUIRE_CERT ?? false,
    supportDowngrade: overrides.supportDowngrade ?? bools.SUPPORT_DOWNGRADE ?? false,
    hostnameValidationScheme: scheme,
    ciphers: variable(env, "CIPHERS"),
    ecdhCurve: variable(env, "ECDH_CURVE"),
    ...versions,
  };
  return { ok: true, settings, withoutEffect };
}

const VERSIONS: readonly [string, SecureVersion][] = [
  ["ENABLE_TLS_V1_0", "TLSv1"],
  ["ENABLE_TLS_V1_1", "TLSv1.1"],
  ["ENABLE_TLS_V1_2", "TLSv1.2"],
  ["ENABLE_TLS_V1_3", "TLSv1.3"],
];

/**
 * Mesos turns each protocol on or off; Node takes a range, so the enabled ones must be
 * contiguous. Defaults: 1.2 and 1.3 on (Mesos: 1.2 only; 1.3 is Node's default and safe).
 */
function protocolRange(
  bools: Record<string, boolean | undefined>,
): { minVersion: SecureVersion; maxVersion: SecureVersion } | string {
  const defaults: Record<string, boolean> = {
    ENABLE_TLS_V1_0: false,
    ENABLE_TLS_V1_1: false,
    ENABLE_TLS_V1_2: true,
    ENABLE_TLS_V1_3: true,
  };
  const on = VERSIONS.filter(([name]) => bools[name] ?? defaults[name]).map(([, v]) => v);
  const first = VERSIONS.findIndex(([, v]) => v === on[0]);
  const contiguous = on.every((v, i) => VERSIONS[first + i]?.[1] === v);
  if (on.length === 0 || !contiguous) {
    return "LIBPROCESS_SSL_ENABLE_TLS_V1_*: the protocols enabled must be one contiguous range";
  }
  return { minVersion: on[0] as SecureVersion, maxVersion: on[on.length - 1] as SecureVersion };
}

/** The certificates and keys read from disk, ready for Node's tls options. */
export interface TlsMaterial {
  readonly settings: TlsSettings;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  /** Undefined: Node's bundled root certificates. */
  readonly ca: Buffer[] | undefined;
}

export type TlsMaterialResult =
  | { readonly ok: true; readonly material: TlsMaterial }
  | { readonly ok: false; readonly message: string };

/** Reads the files the settings name; `forServer` also requires a certificate and key. */
export function loadTlsMaterial(settings: TlsSettings, forServer: boolean): TlsMaterialResult {
  if (forServer && (settings.certFile === undefined || settings.keyFile === undefined)) {
    return {
      ok: false,
      message:
        "TLS needs a certificate and a key (--ssl_cert_file and --ssl_key_file, or LIBPROCESS_SSL_CERT_FILE and _KEY_FILE)",
    };
  }
  if ((settings.certFile === undefined) !== (settings.keyFile === undefined)) {
    return { ok: false, message: "a TLS certificate needs its key, and a key its certificate" };
  }
  try {
    const read = (path: string | undefined) =>
      path === undefined ? undefined : readFileSync(path);
    let ca: Buffer[] | undefined;
    if (settings.caFile !== undefined || settings.caDir !== undefined) {
      ca = settings.caFile === undefined ? [] : [readFileSync(settings.caFile)];
      if (settings.caDir !== undefined) ca.push(...readCaDir(settings.caDir));
    }
    return {
      ok: true,
      material: { settings, cert: read(settings.certFile), key: read(settings.keyFile), ca },
    };
  } catch (error) {
    return { ok: false, message: `TLS: ${error instanceof Error ? error.message : error}` };
  }
}

/** Every regular file of an OpenSSL CA directory (Node has no CApath: each file is read). */
function readCaDir(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isFile()) out.push(readFileSync(path));
  }
  return out;
}

/** Node tls options a client connection takes from the material (for https.request/Agent). */
export function clientTlsOptions(material: TlsMaterial): Record<string, unknown> {
  const s = material.settings;
  return {
    rejectUnauthorized: s.verifyServerCert,
    minVersion: s.minVersion,
    maxVersion: s.maxVersion,
    ...(material.ca === undefined ? {} : { ca: material.ca }),
    ...(material.cert === undefined ? {} : { cert: material.cert, key: material.key }),
    ...(s.ciphers === undefined ? {} : { ciphers: s.ciphers }),
    ...(s.ecdhCurve === undefined ? {} : { ecdhCurve: s.ecdhCurve }),
  };
}

let processSettings: TlsSettings | undefined;

/**
 * This process's TLS settings: set by `setProcessTls` (a daemon's flags, the CLI's options),
 * else read once from the environment; a bad variable reads as TLS off here and is reported
 * by the daemon that checks `tlsSettingsFrom` itself at start.
 */
export function processTls(): TlsSettings {
  if (processSettings === undefined) {
    const read = tlsSettingsFrom(process.env);
    processSettings = read.ok ? read.settings : TLS_DISABLED;
  }
  return processSettings;
}

const listeners: Array<() => void> = [];

/** Replaces this process's TLS settings (told to the client, which drops its https pool). */
export function setProcessTls(settings: TlsSettings): void {
  processSettings = settings;
  for (const listener of listeners) listener();
}

/** Called whenever `setProcessTls` changes the settings (the client's pool). */
export function onProcessTlsChange(listener: () => void): void {
  listeners.push(listener);
}

/** "https" when this process speaks TLS, else "http": the scheme of addresses given without one. */
export function processScheme(): "http" | "https" {
  return processTls().enabled ? "https" : "http";
}

/**
 * The variables a child process (an executor) needs to reach its agent the way this process
 * is configured: Mesos's executors read the same LIBPROCESS_SSL_* variables.
 */
export function tlsEnvironment(settings: TlsSettings): Record<string, string> {
  if (!settings.enabled) return {};
  const env: Record<string, string> = {
    LIBPROCESS_SSL_ENABLED: "true",
    LIBPROCESS_SSL_VERIFY_SERVER_CERT: String(settings.verifyServerCert),
  };
  const files: [string, string | undefined][] = [
    ["CERT_FILE", settings.certFile],
    ["KEY_FILE", settings.keyFile],
    ["CA_FILE", settings.caFile],
    ["CA_DIR", settings.caDir],
  ];
  for (const [name, value] of files) if (value !== undefined) env[`LIBPROCESS_SSL_${name}`] = value;
  return env;
}
