// The agent's authentication and authorization flags (reference §1), with Mesos's names and
// defaults: `--authenticate_http_readonly|readwrite|executors`, `--http_credentials` (the
// credentials file of who may call the agent), `--credential` (the agent's own, for the
// master's `--authenticate_agents`), `--jwt_secret_key` (alias `--executor_secret_key`: a file
// holding the key executors' tokens are signed with), `--acls` under `--authorizers=local`.
// Mesos refuses executor authentication without a key, and so does this.
import { existsSync, readFileSync } from "node:fs";
import type { FlagReader } from "../base/flag-parsing.ts";
import { readAclFlags } from "../security/acl-flags.ts";
import { parseCredential, parseCredentialList } from "../security/credentials.ts";
import type { AgentFlagSpec } from "./flags.ts";
import type { AgentSecurityFlags } from "./http/security.ts";

export type { AgentSecurityFlags };

const bool = (name: string, help: string): AgentFlagSpec => ({
  name,
  kind: "bool",
  default: "false",
  help,
});
const text = (
  name: string,
  dflt: string | undefined,
  help: string,
  aliases?: readonly string[],
): AgentFlagSpec => ({
  name,
  kind: "string",
  default: dflt,
  help,
  ...(aliases === undefined ? {} : { aliases }),
});

export const AGENT_SECURITY_FLAG_SPECS: readonly AgentFlagSpec[] = [
  bool(
    "authenticate_http_readonly",
    "authenticate the read-only endpoints (realm mesos-agent-readonly)",
  ),
  bool("authenticate_http_readwrite", "authenticate /api/v1 (realm mesos-agent-readwrite)"),
  bool(
    "authenticate_http_executors",
    "executors authenticate with the token of MESOS_EXECUTOR_AUTHENTICATION_TOKEN (realm mesos-agent-executor); needs --jwt_secret_key",
  ),
  text(
    "http_credentials",
    undefined,
    'who may call the agent: JSON {"credentials":[{"principal","secret"}]} or a file holding it',
  ),
  text(
    "credential",
    undefined,
    'the agent\'s own principal and secret for the master: JSON {"principal","secret"} or a file',
  ),
  text(
    "jwt_secret_key",
    undefined,
    "file holding the key executors' tokens are signed with (HS256)",
    ["executor_secret_key"],
  ),
  text(
    "http_authenticators",
    undefined,
    "HTTP authenticators: basic (and jwt with executor authentication)",
  ),
  text(
    "authenticatee",
    "crammd5",
    "Mesos's SASL authenticatee; the agent authenticates over HTTP here",
  ),
  text("authorizers", "local", "the authorizer: local (the ACLs of --acls)"),
  text("acls", undefined, "Mesos's ACLs as JSON, or a file holding them"),
];

function secretKey(value: string): string {
  // A path names the key's file, as in Mesos; `file://` was already read by the flag reader.
  return value.startsWith("/") && existsSync(value) ? readFileSync(value, "utf8").trim() : value;
}

export function readAgentSecurityFlags(r: FlagReader): AgentSecurityFlags {
  const readonly = r.bool("authenticate_http_readonly");
  const readwrite = r.bool("authenticate_http_readwrite");
  const executors = r.bool("authenticate_http_executors");
  const shown: Record<string, string> = {
    authenticate_http_readonly: String(readonly),
    authenticate_http_readwrite: String(readwrite),
    authenticate_http_executors: String(executors),
  };
  let httpCredentials: ReadonlyMap<string, string> | undefined;
  const httpText = r.str("http_credentials");
  if (httpText !== undefined) {
    const parsed = parseCredentialList(httpText);
    if (parsed.ok) httpCredentials = parsed.value;
    else r.fail("http_credentials", parsed.message);
    shown.http_credentials = httpText.trim().startsWith("{") ? "(inline JSON)" : httpText;
  }
  if ((readonly || readwrite) && httpText === undefined) {
    r.fail(
      "http_credentials",
      "HTTP authentication is on but --http_credentials names no principal",
    );
  }
  let credential: AgentSecurityFlags["credential"];
  const credentialText = r.str("credential");
  if (credentialText !== undefined) {
    const parsed = parseCredential(credentialText);
    if (parsed.ok) credential = parsed.value;
    else r.fail("credential", parsed.message);
    shown.credential = credentialText.trim().startsWith("{") ? "(inline JSON)" : credentialText;
  }
  const keyText = r.str("jwt_secret_key");
  const jwtSecretKey = keyText === undefined ? undefined : secretKey(keyText);
  if (executors && (jwtSecretKey === undefined || jwtSecretKey === "")) {
    r.fail("jwt_secret_key", "--authenticate_http_executors needs --jwt_secret_key");
  }
  for (const name of (r.str("http_authenticators") ?? "basic").split(",").map((s) => s.trim())) {
    if (name !== "basic" && name !== "jwt") {
      r.fail("http_authenticators", `'${name}' is not an HTTP authenticator here (basic, jwt)`);
    }
  }
  const acls = readAclFlags(r, shown);
  if (r.str("authenticatee") !== "crammd5") {
    r.noEffect("authenticatee", "the agent authenticates to the master over HTTP (Basic)");
  }
  return {
    authenticateHttpReadonly: readonly,
    authenticateHttpReadwrite: readwrite,
    authenticateHttpExecutors: executors,
    httpCredentials,
    credential,
    jwtSecretKey,
    acls,
    shown,
  };
}
