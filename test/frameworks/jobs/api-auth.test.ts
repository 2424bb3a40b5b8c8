// Chronos's security flags on the jobs framework (issue 18): with --http_credentials every API
// route asks for them (401 with `WWW-Authenticate: Basic realm="<--http_realm>"`), the right
// ones pass; with --mesos_authentication_principal the framework logs in to a master that
// authenticates frameworks and is registered under that principal.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type RunningJobs, startJobs } from "../../../src/frameworks/jobs/start.ts";
import { basicAuthorizationHeader, request } from "../../../src/http/client.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { callAs, SECRETS, startSecureMaster } from "../../master/http/security-fixture.ts";
import { eventually } from "../../support/eventually.ts";

const as = (user: string, password: string) => ({
  Authorization: basicAuthorizationHeader({ principal: user, secret: password }),
});

describe("the jobs API's --http_credentials and its login to the master", () => {
  let master: RunningMaster;
  let jobs: RunningJobs;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tessera-jobs-auth-"));
    master = await startSecureMaster();
    jobs = await startJobs({
      master: master.url,
      dataDir: dir,
      httpPort: 0,
      httpCredentials: { user: "admin", password: "s:cret" },
      httpRealm: "Tessera",
      mesosCredential: { principal: "alice", secret: SECRETS.alice ?? "" },
    });
  });
  after(async () => {
    await jobs?.close();
    await master?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("every route asks for the credentials; the right ones pass", async () => {
    for (const path of ["/v1/scheduler/jobs", "/scheduler/jobs", "/ping", "/metrics"]) {
      for (const headers of [{}, as("admin", "wrong"), as("alice", "s:cret")]) {
        const answer = await request(`${jobs.url}${path}`, { method: "GET", headers });
        assert.equal(answer.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.equal(answer.headers["www-authenticate"], 'Basic realm="Tessera"');
      }
      const ok = await request(`${jobs.url}${path}`, {
        method: "GET",
        headers: as("admin", "s:cret"),
      });
      assert.equal(ok.status, 200, path);
    }
  });

  it("the framework is registered with the master under its principal", async () => {
    const principal = await eventually("the jobs framework to register", async () => {
      const answer = await callAs(master, "ops", "POST", "/api/v1", '{"type":"GET_FRAMEWORKS"}');
      const frameworks = JSON.parse(answer.body).get_frameworks.frameworks ?? [];
      const info = frameworks.find(
        (f: { framework_info: { name: string } }) => f.framework_info.name === "tessera-jobs",
      )?.framework_info;
      return info?.principal as string | undefined;
    });
    assert.equal(principal, "alice");
  });
});
