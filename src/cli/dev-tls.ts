// TLS for `tessera dev --secure`: a certificate authority and certificates made once with
// `openssl` under `<data_dir>/secure/tls/` (kept across restarts), handed to the master and the
// agents as their `--ssl_*` flags. The services framework, in the same process, speaks TLS
// through the process's setting the master made (src/http/tls.ts). Client certificates are
// made but not required, so the CLI needs only the CA.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { makeTestCa, opensslPath, type TestCa, testCaFiles } from "../http/tls-test-ca.ts";

export interface DevTls {
  readonly ca: TestCa;
  /** The daemons' flags. */
  readonly flags: Record<string, string>;
}

/** Makes (or finds) the dev cluster's certificates; undefined with the reason when it cannot. */
export function devTls(
  dataDir: string,
): { ok: true; tls: DevTls } | { ok: false; message: string } {
  if (opensslPath() === undefined) {
    return {
      ok: false,
      message: "--secure needs the openssl binary for its certificates (apt-get install openssl)",
    };
  }
  const dir = join(dataDir, "secure", "tls");
  let ca: TestCa;
  try {
    ca = existsSync(join(dir, "server.key")) ? testCaFiles(dir) : makeTestCa(dir, "Tessera dev CA");
  } catch (error) {
    return { ok: false, message: `cannot make certificates in ${dir}: ${String(error)}` };
  }
  const flags = {
    ssl_enabled: "true",
    ssl_cert_file: ca.certFile,
    ssl_key_file: ca.keyFile,
    ssl_ca_file: ca.caFile,
  };
  return { ok: true, tls: { ca, flags } };
}

/** The banner's lines: where the CA is and what to export for the CLI, SDK and curl. */
export function devTlsLines(tls: DevTls, masterUrl: string): string[] {
  return [
    `  TLS:     every port speaks https; CA ${tls.ca.caFile}`,
    `  Use it:  export TESSERA_CA_FILE=${tls.ca.caFile} TESSERA_MASTER=${masterUrl}`,
    `           curl --cacert ${tls.ca.caFile} ${masterUrl}/master/state`,
    `           client certificate: ${tls.ca.clientCertFile} (key ${tls.ca.clientKeyFile}), for --cert_file/--key_file`,
  ];
}
