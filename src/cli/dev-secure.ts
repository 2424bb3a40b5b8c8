// `tessera dev --secure`: the dev cluster with Mesos's security on. Credentials, an HS256 key
// for executors and ACLs are generated once under `<data_dir>/secure/` (kept across restarts,
// files readable by their owner only) and handed to the master, the agents and the services
// framework as their Mesos and Marathon flags. Principals: `operator` may do everything,
// `services` is the services framework's, `agent` the agents'; anybody else, and every
// unauthenticated caller, is refused (permissive: false).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ACL_ACTIONS, type AclAction } from "../security/acls.ts";

export const OPERATOR_PRINCIPAL = "operator";
export const SERVICES_PRINCIPAL = "services";
export const AGENT_PRINCIPAL = "agent";

export interface DevSecurity {
  readonly dir: string;
  readonly operator: { readonly principal: string; readonly secret: string };
  readonly services: { readonly principal: string; readonly secret: string };
  readonly masterFlags: Record<string, string>;
  readonly agentFlags: Record<string, string>;
  /** The operator's credential file, for --credentials_file / TESSERA_CREDENTIALS_FILE. */
  readonly operatorFile: string;
  // TLS (certificates, LIBPROCESS_SSL_*) joins here when it is built: nothing is generated yet.
}

type Secrets = Record<string, string>;

function secretsOf(dir: string): Secrets {
  const file = join(dir, "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as Secrets;
  const make = () => randomBytes(18).toString("base64url");
  const secrets: Secrets = {
    [OPERATOR_PRINCIPAL]: make(),
    [SERVICES_PRINCIPAL]: make(),
    [AGENT_PRINCIPAL]: make(),
    jwt: randomBytes(32).toString("base64url"),
  };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

/** The ACLs of the dev cluster: the operator may do all, the services framework its own part. */
export function devAcls(): Record<string, unknown> {
  const acls: Record<string, unknown> = { permissive: false };
  const entry = (principals: string[], action: AclAction) => ({
    principals: { values: principals },
    [ACL_ACTIONS[action]]: { type: "ANY" },
  });
  const frameworkActions = new Set<AclAction>([
    "register_frameworks",
    "run_tasks",
    "view_frameworks",
    "view_tasks",
    "view_executors",
    "reserve_resources",
    "unreserve_resources",
    "create_volumes",
    "destroy_volumes",
  ]);
  for (const action of Object.keys(ACL_ACTIONS) as AclAction[]) {
    const principals = frameworkActions.has(action)
      ? [OPERATOR_PRINCIPAL, SERVICES_PRINCIPAL]
      : action === "register_agents"
        ? [AGENT_PRINCIPAL]
        : [OPERATOR_PRINCIPAL];
    acls[action] = [entry(principals, action)];
  }
  return acls;
}

export function devSecurity(dataDir: string): DevSecurity {
  const dir = join(dataDir, "secure");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secrets = secretsOf(dir);
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value, null, 2), { mode: 0o600 });
    return path;
  };
  const cred = (principal: string) => ({ principal, secret: secrets[principal] ?? "" });
  const credentials = write("credentials.json", {
    credentials: [cred(OPERATOR_PRINCIPAL), cred(SERVICES_PRINCIPAL), cred(AGENT_PRINCIPAL)],
  });
  const acls = write("acls.json", devAcls());
  const agentCredential = write("agent-credential.json", cred(AGENT_PRINCIPAL));
  const operatorFile = write("operator-credential.json", cred(OPERATOR_PRINCIPAL));
  const httpCredentials = write("agent-http-credentials.json", {
    credentials: [cred(OPERATOR_PRINCIPAL)],
  });
  const jwtKey = join(dir, "jwt.key");
  writeFileSync(jwtKey, secrets.jwt ?? "", { mode: 0o600 });
  return {
    dir,
    operator: cred(OPERATOR_PRINCIPAL),
    services: cred(SERVICES_PRINCIPAL),
    operatorFile,
    masterFlags: {
      authenticate_http_readonly: "true",
      authenticate_http_readwrite: "true",
      authenticate_http_frameworks: "true",
      http_framework_authenticators: "basic",
      authenticate_agents: "true",
      credentials,
      acls,
    },
    agentFlags: {
      credential: agentCredential,
      http_credentials: httpCredentials,
      authenticate_http_readonly: "true",
      authenticate_http_readwrite: "true",
      authenticate_http_executors: "true",
      jwt_secret_key: jwtKey,
      acls,
    },
  };
}

/** What `tessera dev --secure` prints under the addresses: how to use the credentials. */
export function devSecurityLines(security: DevSecurity, masterUrl: string): string[] {
  const { principal, secret } = security.operator;
  return [
    `  secure:  credentials, ACLs and the executors' key in ${security.dir}`,
    `           operator principal '${principal}', secret '${secret}'`,
    `Use: export TESSERA_PRINCIPAL=${principal} TESSERA_SECRET=${secret}   (or --credentials_file ${security.operatorFile})`,
    `     curl -u ${principal}:${secret} ${masterUrl}/master/state`,
  ];
}
