// The master's authentication, authorization and rate-limit flags (reference §1, §2, §6),
// with Mesos's names, aliases and defaults. Tessera has only HTTP frameworks, so
// `--authenticate_frameworks` (Mesos's flag for v0 SASL frameworks) authenticates them on the
// scheduler realm as `--authenticate_http_frameworks` does: an operator who asked for framework
// authentication gets it. Read once at start-up; a bad credentials, ACL or rate-limit text fails
// the start naming the flag.
import type { FlagReader } from "../base/flag-parsing.ts";
import { readAclFlags } from "../security/acl-flags.ts";
import { parseCredentials } from "../security/credentials.ts";
import { parseRateLimits, type RateLimits } from "../security/rate-limits.ts";
import type { FlagSpec } from "./flags.ts";
import type { MasterSecurityFlags } from "./http/security.ts";

export type { MasterSecurityFlags };

const bool = (name: string, help: string, aliases?: readonly string[]): FlagSpec => ({
  name,
  kind: "bool",
  default: "false",
  help,
  ...(aliases === undefined ? {} : { aliases }),
});
const text = (name: string, dflt: string | undefined, help: string): FlagSpec => ({
  name,
  kind: "string",
  default: dflt,
  help,
});

export const MASTER_SECURITY_FLAG_SPECS: readonly FlagSpec[] = [
  bool(
    "authenticate_frameworks",
    "frameworks must authenticate (Tessera's frameworks are HTTP ones: realm mesos-master-scheduler)",
    ["authenticate"],
  ),
  bool("authenticate_agents", "agents must authenticate with --credential to register", [
    "authenticate_slaves",
  ]),
  bool(
    "authenticate_http_readonly",
    "authenticate the read-only endpoints (realm mesos-master-readonly)",
  ),
  bool(
    "authenticate_http_readwrite",
    "authenticate /api/v1 and the endpoints that change state (realm mesos-master-readwrite)",
    ["authenticate_http"],
  ),
  bool(
    "authenticate_http_frameworks",
    "authenticate /api/v1/scheduler (realm mesos-master-scheduler)",
  ),
  text("http_authenticators", "basic", "HTTP authenticators of the operator realms: basic"),
  text(
    "http_framework_authenticators",
    undefined,
    "HTTP authenticators of the scheduler realm: basic",
  ),
  text(
    "credentials",
    undefined,
    'principals and secrets: JSON {"credentials":[{"principal":"p","secret":"s"}]} or a file (path or file://) holding it',
  ),
  text("authorizers", "local", "the authorizer: local (the ACLs of --acls)"),
  text(
    "acls",
    undefined,
    "Mesos's ACLs as JSON, or a file holding them (needs --authorizers=local)",
  ),
  text("authenticators", "crammd5", "Mesos's v0 SASL authenticator; Tessera's frameworks use HTTP"),
  text("authentication_v0_timeout", "15secs", "Mesos's v0 SASL timeout; no v0 framework runs here"),
  text(
    "rate_limits",
    undefined,
    'per-principal limits of scheduler calls: {"limits":[{"principal":"p","qps":10,"capacity":100}],"aggregate_default_qps":..,"aggregate_default_capacity":..}',
  ),
];

function authenticatorsOk(r: FlagReader, flag: string): void {
  const value = r.str(flag);
  if (value === undefined) return;
  for (const name of value.split(",").map((s) => s.trim())) {
    if (name !== "basic") r.fail(flag, `'${name}' is not an HTTP authenticator here (basic)`);
  }
}

export function readMasterSecurityFlags(r: FlagReader): MasterSecurityFlags {
  const frameworks = r.bool("authenticate_frameworks");
  const httpFrameworks = r.bool("authenticate_http_frameworks");
  authenticatorsOk(r, "http_authenticators");
  authenticatorsOk(r, "http_framework_authenticators");
  // Mesos exits when framework authentication is asked for without an authenticator.
  if (httpFrameworks && r.str("http_framework_authenticators") === undefined) {
    r.fail(
      "http_framework_authenticators",
      "--authenticate_http_frameworks needs --http_framework_authenticators=basic",
    );
  }
  const readonly = r.bool("authenticate_http_readonly");
  const readwrite = r.bool("authenticate_http_readwrite");
  const agents = r.bool("authenticate_agents");
  const shown: Record<string, string> = {
    authenticate_frameworks: String(frameworks),
    authenticate_agents: String(agents),
    authenticate_http_readonly: String(readonly),
    authenticate_http_readwrite: String(readwrite),
    authenticate_http_frameworks: String(httpFrameworks),
    http_authenticators: r.str("http_authenticators") ?? "basic",
  };
  let credentials: ReadonlyMap<string, string> | undefined;
  const credentialsText = r.str("credentials");
  if (credentialsText !== undefined) {
    const parsed = parseCredentials(credentialsText);
    if (parsed.ok) credentials = parsed.value;
    else r.fail("credentials", parsed.message);
    shown.credentials = credentialsText.trim().startsWith("{") ? "(inline JSON)" : credentialsText;
  }
  if (
    (frameworks || httpFrameworks || readonly || readwrite || agents) &&
    credentialsText === undefined
  ) {
    r.fail("credentials", "authentication is on but --credentials names no principal");
  }
  const acls = readAclFlags(r, shown);
  let rateLimits: RateLimits | undefined;
  const limitsText = r.str("rate_limits");
  if (limitsText !== undefined) {
    const parsed = parseRateLimits(limitsText);
    if (parsed.ok) rateLimits = parsed.value;
    else r.fail("rate_limits", parsed.message);
    shown.rate_limits = limitsText;
  }
  if (r.str("authenticators") !== "crammd5") {
    r.noEffect("authenticators", "no v0 (SASL) framework runs here");
  }
  return {
    authenticateFrameworks: frameworks,
    authenticateAgents: agents,
    authenticateHttpReadonly: readonly,
    authenticateHttpReadwrite: readwrite,
    authenticateHttpFrameworks: httpFrameworks || frameworks,
    credentials,
    acls,
    rateLimits,
    shown,
  };
}
