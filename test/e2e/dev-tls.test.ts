// `tessera dev --secure`: certificates are made at start, every port speaks https, and the
// banner's CA and exports are enough for the CLI and for a client of the services API.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { request } from "../../src/http/client.ts";
import { setProcessTls, TLS_DISABLED } from "../../src/http/tls.ts";
import { opensslPath } from "../../src/http/tls-test-ca.ts";
import { useClientTls } from "../../src/sdk/index.ts";
import { tessera } from "../cli/helpers.ts";
import { eventually, watchOutput } from "../support/eventually.ts";

const bin = new URL("../../bin/tessera.mjs", import.meta.url).pathname;
const skip = opensslPath() === undefined ? "openssl is not installed" : false;

test("`tessera dev --secure` serves https everywhere and prints the CA to use", {
  skip,
}, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-dev-tls-"));
  const child = spawn(
    process.execPath,
    [
      bin,
      "dev",
      "--secure",
      "--fresh",
      "--data_dir",
      dataDir,
      "--port",
      "0",
      "--services_port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  try {
    const output = watchOutput(child);
    const out = await output.until(
      "the start-up banner",
      (text) => (text.includes("agent 0:") && text.includes("Use it:") ? text : undefined),
      60_000,
    );
    const masterUrl = /master:\s+(https:\/\/\S+)/.exec(out)?.[1];
    const servicesUrl = /services:\s+(https:\/\/\S+)/.exec(out)?.[1];
    const caFile = /TESSERA_CA_FILE=(\S+)/.exec(out)?.[1];
    assert.ok(masterUrl && servicesUrl && caFile, out);
    assert.ok(existsSync(caFile));
    assert.match(out, /agent 0: https:\/\//);

    // --secure also turns authentication on: the banner names the operator's credentials.
    const principal = /TESSERA_PRINCIPAL=(\S+)/.exec(out)?.[1] ?? "";
    const secret = /TESSERA_SECRET=(\S+)/.exec(out)?.[1] ?? "";
    const login = { TESSERA_PRINCIPAL: principal, TESSERA_SECRET: secret };
    const agents = await eventually(
      "the agent listed by the CLI over https",
      async () => {
        const run = await tessera(["agents", "--master", masterUrl], {
          TESSERA_CA_FILE: caFile,
          ...login,
        });
        return run.code === 0 && run.stdout.includes("127.0.0.1") ? run : undefined;
      },
      { timeoutMs: 60_000, everyMs: 500 },
    );
    assert.equal(agents.code, 0);
    const untrusted = await tessera(["agents", "--master", masterUrl], login);
    assert.notEqual(untrusted.code, 0);

    useClientTls({ caFile });
    try {
      // The services API takes the operator's login too (Marathon's --http_credentials).
      const authorization = `Basic ${Buffer.from(`${principal}:${secret}`).toString("base64")}`;
      const ping = await request(`${servicesUrl}/ping`, {
        method: "GET",
        headers: { Authorization: authorization },
      });
      assert.equal(ping.status, 200);
    } finally {
      setProcessTls(TLS_DISABLED);
    }
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  }
});
