import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { after, before, describe, test } from "node:test";
import { postCall, request } from "../../src/http/client.ts";
import { jsonResponse } from "../../src/http/response.ts";
import { HttpServer } from "../../src/http/server.ts";
import {
  setProcessTls,
  TLS_DISABLED,
  type TlsSettings,
  tlsSettingsFrom,
} from "../../src/http/tls.ts";
import { makeTestCa, opensslPath, type TestCa } from "../../src/http/tls-test-ca.ts";
import { tempDirsForSuite } from "../support/cluster.ts";
import { sendTlsGarbage } from "./tls-daemons.ts";

const skip = opensslPath() === undefined ? "openssl is not installed" : false;
const tempDir = tempDirsForSuite("tessera-tls-");

let ca: TestCa;
let other: TestCa;
before(async () => {
  if (skip) return;
  ca = makeTestCa(await tempDir());
  other = makeTestCa(await tempDir(), "Some other CA");
});
after(() => setProcessTls(TLS_DISABLED));

function settings(env: Record<string, string>): TlsSettings {
  const read = tlsSettingsFrom(env);
  assert.ok(read.ok, read.ok ? "" : read.message);
  return read.settings;
}

function serverEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    LIBPROCESS_SSL_ENABLED: "true",
    LIBPROCESS_SSL_CERT_FILE: ca.certFile,
    LIBPROCESS_SSL_KEY_FILE: ca.keyFile,
    LIBPROCESS_SSL_CA_FILE: ca.caFile,
    ...extra,
  };
}

async function startEcho(tls: TlsSettings): Promise<{ server: HttpServer; port: number }> {
  const server = new HttpServer({ prefix: "/master" });
  server.route({
    name: "api/v1",
    methods: ["POST", "GET"],
    handler: (req) => jsonResponse(200, JSON.stringify({ body: req.body.toString() })),
  });
  const bound = await server.listen({ host: "127.0.0.1", port: 0, tls });
  assert.equal(bound.scheme, "https");
  return { server, port: bound.port };
}

/** A raw https GET with exactly these tls options; resolves with the status or the error code. */
function rawHttps(port: number, options: Record<string, unknown>): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpsRequest(
      { host: "127.0.0.1", port, path: "/api/v1", method: "GET", agent: false, ...options },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

function rawHttp(port: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: "/api/v1", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe("TLS settings from LIBPROCESS_SSL_* variables", () => {
  test("Mesos's names, old and new, map onto the settings; a client verifies by default", () => {
    const s = settings({
      LIBPROCESS_SSL_ENABLED: "true",
      LIBPROCESS_SSL_CERT_FILE: "/c",
      LIBPROCESS_SSL_REQUIRE_CERT: "1",
      LIBPROCESS_SSL_SUPPORT_DOWNGRADE: "true",
      LIBPROCESS_SSL_ENABLE_TLS_V1_3: "false",
    });
    assert.equal(s.enabled, true);
    assert.equal(s.certFile, "/c");
    assert.equal(s.requireClientCert, true);
    assert.equal(s.supportDowngrade, true);
    assert.equal(s.verifyServerCert, true);
    assert.equal(s.maxVersion, "TLSv1.2");
    assert.equal(settings({ LIBPROCESS_SSL_VERIFY_SERVER_CERT: "false" }).verifyServerCert, false);
    assert.equal(settings({ TESSERA_CA_FILE: "/t", LIBPROCESS_SSL_CA_FILE: "/l" }).caFile, "/t");
  });

  test("a bad value, scheme or protocol gap is refused naming the variable", () => {
    for (const env of [
      { LIBPROCESS_SSL_ENABLED: "yes" },
      { LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME: "dns" },
      { LIBPROCESS_SSL_ENABLE_TLS_V1_0: "true" },
    ]) {
      const read = tlsSettingsFrom(env);
      assert.equal(read.ok, false);
      assert.match(read.ok ? "" : read.message, /LIBPROCESS_SSL_/);
    }
    const noEffect = tlsSettingsFrom({ LIBPROCESS_SSL_VERIFY_DEPTH: "4" });
    assert.deepEqual(noEffect.ok && noEffect.withoutEffect, ["VERIFY_DEPTH"]);
  });
});

describe("an HttpServer listening with TLS", { skip }, () => {
  test("the client speaks TLS to an https URL with the CA of its settings", async () => {
    const { server, port } = await startEcho(settings(serverEnv()));
    try {
      setProcessTls(settings({ LIBPROCESS_SSL_CA_FILE: ca.caFile }));
      const answer = await postCall(`https://127.0.0.1:${port}/master/api/v1`, '{"type":"X"}');
      assert.equal(answer.status, 200);
      assert.deepEqual(JSON.parse(answer.body), { body: '{"type":"X"}' });
      // The same again through the keep-alive pool, and by host name.
      const again = await request(`https://localhost:${port}/api/v1`, { method: "GET" });
      assert.equal(again.status, 200);
    } finally {
      await server.close();
    }
  });

  test("a client that does not trust the CA is refused; plain HTTP is closed", async () => {
    const { server, port } = await startEcho(settings(serverEnv()));
    try {
      setProcessTls(settings({ LIBPROCESS_SSL_CA_FILE: other.caFile }));
      await assert.rejects(
        postCall(`https://127.0.0.1:${port}/api/v1`, "{}"),
        /self[- ]signed|unable to verify|UNABLE_TO_VERIFY/i,
      );
      // Without a CA at all, Node's public roots do not know the test CA either.
      assert.match(String(await rawHttps(port, {})), /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY/);
      assert.equal(await rawHttp(port), "ECONNRESET");
      assert.equal(server.tlsCounts?.plainRefused, 1);
    } finally {
      await server.close();
    }
  });

  test("with client certificates required, a client without one is refused", async () => {
    const { server, port } = await startEcho(
      settings(serverEnv({ LIBPROCESS_SSL_REQUIRE_CERT: "true" })),
    );
    try {
      // The handshake fails (the server's alert, or the connection reset under the request).
      const refused = await rawHttps(port, { ca: readCa() });
      assert.equal(typeof refused, "string", `answered ${refused}`);
      const strange = await rawHttps(port, {
        ca: readCa(),
        cert: read(other.clientCertFile),
        key: read(other.clientKeyFile),
      });
      assert.equal(typeof strange, "string", `answered ${strange}`);
      setProcessTls(
        settings({
          LIBPROCESS_SSL_CA_FILE: ca.caFile,
          TESSERA_CERT_FILE: ca.clientCertFile,
          TESSERA_KEY_FILE: ca.clientKeyFile,
        }),
      );
      assert.equal((await postCall(`https://127.0.0.1:${port}/api/v1`, "{}")).status, 200);
    } finally {
      await server.close();
    }
  });

  test("with downgrade on, a plain-HTTP client is served on the same port", async () => {
    const { server, port } = await startEcho(
      settings(serverEnv({ LIBPROCESS_SSL_SUPPORT_DOWNGRADE: "true" })),
    );
    try {
      assert.equal(await rawHttp(port), 200);
      assert.equal((await postCall(`http://127.0.0.1:${port}/api/v1`, "{}")).status, 200);
      assert.equal(await rawHttps(port, { ca: readCa() }), 200);
      assert.equal(server.tlsCounts?.plain, 2);
    } finally {
      await server.close();
    }
  });

  test("fuzzed bytes after a TLS record header never take the server down", async () => {
    const { server, port } = await startEcho(
      settings(serverEnv({ LIBPROCESS_SSL_SUPPORT_DOWNGRADE: "true" })),
    );
    try {
      await sendTlsGarbage(port, 60, 7);
      assert.equal(await rawHttps(port, { ca: readCa() }), 200);
      assert.equal(await rawHttp(port), 200);
    } finally {
      await server.close();
    }
  });
});

function read(path: string): Buffer {
  return readFileSync(path);
}

function readCa(): Buffer {
  return readFileSync(ca.caFile);
}
