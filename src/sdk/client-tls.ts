// The SDK's TLS option: a CA to verify an https master or agent with, and a client
// certificate for one that requires it, made this process's TLS settings (src/http/tls.ts)
// over what the environment says.
import { setProcessTls, tlsSettingsFrom } from "../http/tls.ts";

export interface ClientTlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** Applies `files` over the environment's TLS variables; a bad variable throws (a set-up error). */
export function useClientTls(files: ClientTlsFiles, env: NodeJS.ProcessEnv = process.env): void {
  const read = tlsSettingsFrom(env, files);
  if (!read.ok) throw new Error(read.message);
  setProcessTls(read.settings);
}
