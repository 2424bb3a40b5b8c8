// Mesos's credentials (reference §1, credentials/credentials.hpp): the master's
// `{"credentials":[{"principal":"p","secret":"s"}]}` and the agent's single
// `{"principal":"p","secret":"s"}`. A flag holds the JSON itself or names a file holding it
// (plain path or `file://`, which the flag reader has already read). The text format of
// `principal secret` lines was removed from Mesos in 1.11 and is refused here with that reason.
// Never throws: a bad file or text is a result naming what is wrong (and never the secret).
import { existsSync, readFileSync } from "node:fs";

export interface Credential {
  readonly principal: string;
  readonly secret: string;
}

export type CredentialsResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

/** Largest credentials file or ACL file read: far above any real one, bounds a wrong path. */
export const SECURITY_FILE_MAX_BYTES = 4 * 1024 * 1024;

/** The flag's text as JSON: inline when it starts with `{`, else the file it names. */
export function readJsonFlag(text: string, what: string): CredentialsResult<unknown> {
  const trimmed = text.trim();
  let source = trimmed;
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
    const path = trimmed.startsWith("file://") ? trimmed.slice("file://".length) : trimmed;
    // Not JSON and not a path: Mesos's old `principal secret` lines, given inline. Said so,
    // without echoing the text (it holds a secret).
    if (/\s/.test(path) && !existsSync(path)) return { ok: false, message: textFormat(what) };
    try {
      const content = readFileSync(path);
      if (content.length > SECURITY_FILE_MAX_BYTES) {
        return { ok: false, message: `${what} file ${path} is larger than 4 MiB` };
      }
      source = content.toString("utf8").trim();
    } catch (error) {
      return {
        ok: false,
        message: `cannot read ${what} file ${path}: ${(error as Error).message}`,
      };
    }
  }
  try {
    return { ok: true, value: JSON.parse(source) as unknown };
  } catch (error) {
    if (what === "credentials" && /^\S+\s+\S+/.test(source)) {
      return {
        ok: false,
        message:
          'the text format (\'principal secret\' lines) was removed in Mesos 1.11; use JSON: {"credentials":[{"principal":"p","secret":"s"}]}',
      };
    }
    return { ok: false, message: `${what} is not JSON: ${(error as Error).message}` };
  }
}

function textFormat(what: string): string {
  return `${what}: the text format ('principal secret' lines) was removed in Mesos 1.11; use JSON: {"credentials":[{"principal":"p","secret":"s"}]}`;
}

function credentialOf(value: unknown, where: string): CredentialsResult<Credential> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, message: `${where} is not an object with principal and secret` };
  }
  const { principal, secret } = value as Record<string, unknown>;
  if (typeof principal !== "string" || principal === "") {
    return { ok: false, message: `${where} has no principal (a non-empty string)` };
  }
  if (typeof secret !== "string") {
    return { ok: false, message: `${where} has no secret (a string)` };
  }
  return { ok: true, value: { principal, secret } };
}

/** The master's `--credentials`: principal → secret; a principal given twice is refused. */
export function parseCredentials(text: string): CredentialsResult<ReadonlyMap<string, string>> {
  const json = readJsonFlag(text, "credentials");
  if (!json.ok) return json;
  const list = (json.value as { credentials?: unknown } | null)?.credentials;
  if (!Array.isArray(list)) {
    return {
      ok: false,
      message: 'credentials must be {"credentials":[{"principal","secret"},...]}',
    };
  }
  const out = new Map<string, string>();
  for (const [i, entry] of list.entries()) {
    const one = credentialOf(entry, `credentials[${i}]`);
    if (!one.ok) return one;
    if (out.has(one.value.principal)) {
      return { ok: false, message: `credentials name principal '${one.value.principal}' twice` };
    }
    out.set(one.value.principal, one.value.secret);
  }
  return { ok: true, value: out };
}

/** The agent's `--credential` / `--http_credentials`: one credential (or Mesos's list of one). */
export function parseCredential(text: string): CredentialsResult<Credential> {
  const json = readJsonFlag(text, "credential");
  if (!json.ok) return json;
  const list = (json.value as { credentials?: unknown } | null)?.credentials;
  if (Array.isArray(list)) return credentialOf(list[0], "credentials[0]");
  return credentialOf(json.value, "the credential");
}

/** The `--http_credentials` of the agent: a credential list as on the master, or one. */
export function parseCredentialList(text: string): CredentialsResult<ReadonlyMap<string, string>> {
  const many = parseCredentials(text);
  if (many.ok) return many;
  const one = parseCredential(text);
  if (!one.ok) return many;
  return { ok: true, value: new Map([[one.value.principal, one.value.secret]]) };
}
