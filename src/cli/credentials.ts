// The credential the CLI sends to the master, the agents and the services API: `--principal`
// and `--secret`, else TESSERA_PRINCIPAL and TESSERA_SECRET, else a credentials file
// (`--credentials_file` or TESSERA_CREDENTIALS_FILE) holding Mesos's agent credential JSON
// `{"principal":"p","secret":"s"}`. Every request of the process then carries it as HTTP Basic
// (src/http/client.ts), so every command works against a master started with authentication.
import { Option } from "commander";
import { type ClientCredential, useCredential } from "../http/client.ts";
import { parseCredential } from "../security/credentials.ts";
import { usageError } from "./cli-error.ts";

export const PRINCIPAL_ENV = "TESSERA_PRINCIPAL";
export const SECRET_ENV = "TESSERA_SECRET";
export const CREDENTIALS_FILE_ENV = "TESSERA_CREDENTIALS_FILE";

export interface CredentialOptions {
  principal?: string;
  secret?: string;
  credentialsFile?: string;
}

export function credentialOptions(): Option[] {
  return [
    new Option("--principal <name>", `principal to authenticate as (env ${PRINCIPAL_ENV})`),
    new Option("--secret <secret>", `the principal's secret (env ${SECRET_ENV})`),
    new Option(
      "--credentials_file <path>",
      `file holding {"principal":"p","secret":"s"} (env ${CREDENTIALS_FILE_ENV})`,
    ),
  ];
}

/** The credential the options and environment name; undefined for none. */
export function cliCredential(
  opts: CredentialOptions,
  env: NodeJS.ProcessEnv = process.env,
): ClientCredential | undefined {
  const principal = opts.principal ?? env[PRINCIPAL_ENV];
  const secret = opts.secret ?? env[SECRET_ENV];
  if (principal !== undefined || secret !== undefined) {
    if (principal === undefined || secret === undefined) {
      throw usageError(
        `a principal needs its secret and a secret its principal (--principal/--secret, ${PRINCIPAL_ENV}/${SECRET_ENV})`,
      );
    }
    return { principal, secret };
  }
  const file = opts.credentialsFile ?? env[CREDENTIALS_FILE_ENV];
  if (file === undefined) return undefined;
  const parsed = parseCredential(file);
  if (!parsed.ok) throw usageError(`--credentials_file: ${parsed.message}`);
  return parsed.value;
}

/** Sets the process's credential from the options and environment (see the file's head). */
export function applyCliCredential(
  opts: CredentialOptions,
  env: NodeJS.ProcessEnv = process.env,
): void {
  useCredential(cliCredential(opts, env));
}
