// Marathon's HTTP authentication on the services API (reference §1 "Marathon"): with
// --http_credentials every route asks for them (401 with `WWW-Authenticate: Basic
// realm="<--http_realm>"`, default Mesosphere); the right user and password pass, a password
// holding ':' included; without the flag the API is open as before.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseHttpCredentials,
  servicesAuthentication,
} from "../../../src/frameworks/services/api-auth.ts";
import { ServicesHttpServer } from "../../../src/frameworks/services/api-http.ts";
import { MemoryAppStore } from "../../../src/frameworks/services/app-store.ts";
import { ServicesState } from "../../../src/frameworks/services/services-state.ts";
import { basicAuthorizationHeader, request } from "../../../src/http/client.ts";

async function withApi(
  authenticate: ReturnType<typeof servicesAuthentication> | undefined,
  body: (url: string) => Promise<void>,
): Promise<void> {
  let n = 0;
  const state = new ServicesState({ store: new MemoryAppStore(), newId: () => `id-${++n}` });
  const server = new ServicesHttpServer({
    state,
    nowMs: () => 1_000,
    effects: () => {},
    ...(authenticate === undefined ? {} : { authenticate }),
  });
  const address = await server.listen(0, "127.0.0.1");
  try {
    await body(`http://127.0.0.1:${address.port}`);
  } finally {
    await server.close();
  }
}

const as = (user: string, password: string) => ({
  Authorization: basicAuthorizationHeader({ principal: user, secret: password }),
});

describe("the services API's --http_credentials and --http_realm", () => {
  it("every route asks for the credentials; the right ones pass", async () => {
    const credentials = parseHttpCredentials("admin:pa:ss");
    assert.deepEqual(credentials, { user: "admin", password: "pa:ss" });
    await withApi(servicesAuthentication(credentials!, "Tessera"), async (url) => {
      for (const path of ["/v2/apps", "/v2/info", "/ping", "/v2/deployments"]) {
        for (const headers of [{}, as("admin", "wrong"), as("root", "pa:ss")]) {
          const answer = await request(`${url}${path}`, { method: "GET", headers });
          assert.equal(answer.status, 401, `${path} ${JSON.stringify(headers)}`);
          assert.equal(answer.headers["www-authenticate"], 'Basic realm="Tessera"');
        }
        const ok = await request(`${url}${path}`, { method: "GET", headers: as("admin", "pa:ss") });
        assert.notEqual(ok.status, 401, path);
      }
    });
  });

  it("the realm defaults to Mesosphere, and a user with ':' is not credentials", async () => {
    assert.equal(parseHttpCredentials("no-colon"), undefined);
    assert.equal(parseHttpCredentials(":password"), undefined);
    await withApi(servicesAuthentication({ user: "u", password: "p" }), async (url) => {
      const answer = await request(`${url}/v2/apps`, { method: "GET" });
      assert.equal(answer.headers["www-authenticate"], 'Basic realm="Mesosphere"');
    });
  });

  it("without --http_credentials the API is open, as before", async () => {
    await withApi(undefined, async (url) => {
      const answer = await request(`${url}/v2/apps`, { method: "GET" });
      assert.equal(answer.status, 200);
    });
  });
});
