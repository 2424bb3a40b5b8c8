// The authentication flags of `tessera services serve` and `tessera jobs serve`, as Marathon
// and Chronos take them:
// `--http_credentials user:password` (or MESOSPHERE_HTTP_CREDENTIALS) and `--http_realm` for the
// API, `--mesos_authentication_principal` with `--mesos_authentication_secret_file` for the
// master. Each bad combination is a usage error.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { type HttpCredentials, parseHttpCredentials } from "../frameworks/services/api-auth.ts";
import { usageError } from "./cli-error.ts";

export interface ServeSecurityOptions {
  http_credentials?: string;
  http_realm: string;
  mesos_authentication_principal?: string;
  mesos_authentication_secret_file?: string;
}

export function addServeSecurityOptions(command: Command): Command {
  return command
    .option(
      "--http_credentials <user:password>",
      "Basic authentication on the whole API, as Marathon (env MESOSPHERE_HTTP_CREDENTIALS)",
    )
    .option("--http_realm <realm>", "the realm of --http_credentials' challenge", "Mesosphere")
    .option("--mesos_authentication_principal <name>", "principal to authenticate to the master as")
    .option("--mesos_authentication_secret_file <path>", "file holding that principal's secret");
}

/** The options' part of startServices and startJobs. */
export interface ServeSecurity {
  readonly httpCredentials?: HttpCredentials;
  readonly httpRealm?: string;
  readonly mesosCredential?: { readonly principal: string; readonly secret: string };
}

export function serveSecurity(o: ServeSecurityOptions): ServeSecurity {
  const text = o.http_credentials ?? process.env.MESOSPHERE_HTTP_CREDENTIALS;
  const httpCredentials = text === undefined ? undefined : parseHttpCredentials(text);
  if (text !== undefined && httpCredentials === undefined) {
    throw usageError("--http_credentials must be user:password (the user without ':')");
  }
  const principal = o.mesos_authentication_principal;
  const secretFile = o.mesos_authentication_secret_file;
  if ((principal === undefined) !== (secretFile === undefined)) {
    throw usageError(
      "--mesos_authentication_principal and --mesos_authentication_secret_file go together",
    );
  }
  // Chronos and Marathon read the secret file whole, less its trailing newline.
  const mesosCredential =
    principal === undefined || secretFile === undefined
      ? undefined
      : { principal, secret: readFileSync(secretFile, "utf8").replace(/\r?\n$/, "") };
  return {
    ...(httpCredentials === undefined ? {} : { httpCredentials, httpRealm: o.http_realm }),
    ...(mesosCredential === undefined ? {} : { mesosCredential }),
  };
}
