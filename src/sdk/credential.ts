// A scheduler's credential (issue 18): given, or TESSERA_PRINCIPAL and TESSERA_SECRET from the
// environment, it becomes the Authorization header of every call and, unless the framework names
// its own, FrameworkInfo.principal (the master fills in a missing one from the login anyway).
import { basicAuthorizationHeader, type ClientCredential } from "../http/client.ts";

interface CredentialOptions {
  readonly credential?: ClientCredential;
  readonly headers?: Readonly<Record<string, string>>;
  readonly frameworkInfo: object;
}

/** The options with their credential as an Authorization header and principal. */
export function withCredential<O extends CredentialOptions>(options: O): O {
  const env = process.env;
  const credential =
    options.credential ??
    (env.TESSERA_PRINCIPAL !== undefined && env.TESSERA_SECRET !== undefined
      ? { principal: env.TESSERA_PRINCIPAL, secret: env.TESSERA_SECRET }
      : undefined);
  if (credential === undefined || options.headers?.Authorization !== undefined) return options;
  return {
    ...options,
    headers: { ...options.headers, Authorization: basicAuthorizationHeader(credential) },
    frameworkInfo: { principal: credential.principal, ...options.frameworkInfo },
  };
}
