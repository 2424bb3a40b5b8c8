// A throw-away certificate authority for `tessera dev --secure` and the TLS tests, made with
// the `openssl` binary (Node can sign nothing: it has no X.509 builder). One server
// certificate for every daemon of the machine (it names localhost, 127.0.0.1, ::1 and the
// host's name, and serves as a client certificate too, as libprocess uses one certificate both
// ways) and one client certificate for the CLI and SDK. Keys are P-256, files mode 0600.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export interface TestCa {
  readonly dir: string;
  readonly caFile: string;
  readonly caKeyFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/** Days the certificates are valid: a dev cluster or a test lives far shorter. */
const VALID_DAYS = 30;

/** The openssl binary's path, or undefined when it is not installed (tests skip then). */
export function opensslPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(":")) {
    try {
      execFileSync(join(dir, "openssl"), ["version"], { stdio: "ignore" });
      return join(dir, "openssl");
    } catch {
      // not here
    }
  }
  return undefined;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Where makeTestCa puts each file in `dir`. */
export function testCaFiles(dir: string): TestCa {
  return {
    dir,
    caFile: join(dir, "ca.crt"),
    caKeyFile: join(dir, "ca.key"),
    certFile: join(dir, "server.crt"),
    keyFile: join(dir, "server.key"),
    clientCertFile: join(dir, "client.crt"),
    clientKeyFile: join(dir, "client.key"),
  };
}

/** Makes a CA named `name` and the two certificates in `dir` (created if missing). */
export function makeTestCa(dir: string, name = "Tessera test CA"): TestCa {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = testCaFiles(dir);
  const days = String(VALID_DAYS);
  openssl(
    [
      "req",
      "-x509",
      ...KEY,
      "-keyout",
      ca.caKeyFile,
      "-out",
      ca.caFile,
      "-days",
      days,
      "-subj",
      `/CN=${name}`,
    ],
    dir,
  );
  const sign = (base: string, cn: string, extensions: string) => {
    const ext = join(dir, `${base}.ext`);
    writeFileSync(ext, extensions);
    const csr = join(dir, `${base}.csr`);
    openssl(
      ["req", ...KEY, "-keyout", join(dir, `${base}.key`), "-out", csr, "-subj", `/CN=${cn}`],
      dir,
    );
    openssl(
      [
        "x509",
        "-req",
        "-in",
        csr,
        "-CA",
        ca.caFile,
        "-CAkey",
        ca.caKeyFile,
        "-CAcreateserial",
        "-out",
        join(dir, `${base}.crt`),
        "-days",
        days,
        "-extfile",
        ext,
      ],
      dir,
    );
  };
  const host = hostname();
  sign(
    "server",
    "tessera",
    `subjectAltName=DNS:localhost,DNS:${host},IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  sign("client", "tessera-client", "extendedKeyUsage=clientAuth\n");
  for (const file of [ca.caKeyFile, ca.keyFile, ca.clientKeyFile]) chmodSync(file, 0o600);
  return ca;
}
