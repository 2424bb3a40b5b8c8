// The master's legacy (v0) operator endpoints that change state (reference §4.5), on a real
// master: /master/teardown (form frameworkId=), /master/weights (GET, PUT a JSON array),
// /master/quota (GET, POST a QuotaRequest, DELETE /master/quota/<role>), each agreeing with
// the v1 call it predates, with Mesos's status codes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Loose, operatorCall, subscribeScheduler } from "./helpers.ts";
import { masterOnlySuite } from "./suite.ts";

describe("legacy operator endpoints: teardown, weights, quota", () => {
  const master = masterOnlySuite();

  const send = async (method: string, path: string, body?: string, type = "application/json") => {
    const res = await fetch(`${master.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body, headers: { "content-type": type } }),
    });
    return { status: res.status, text: await res.text() };
  };

  it("PUT /master/weights changes what GET /master/weights and GET_WEIGHTS show; a bad body is 400", async () => {
    const put = await send(
      "PUT",
      "/master/weights",
      JSON.stringify([{ role: "web", weight: 2.5 }]),
    );
    assert.equal(put.status, 200, put.text);
    const got = await send("GET", "/master/weights");
    assert.equal(got.status, 200);
    assert.deepEqual(JSON.parse(got.text), [{ weight: 2.5, role: "web" }]);
    const v1 = (await operatorCall(master, { type: "GET_WEIGHTS" })).json as Loose;
    assert.deepEqual(v1.get_weights.weight_infos, [{ role: "web", weight: 2.5 }]);
    assert.equal((await send("PUT", "/master/weights", "{not json")).status, 400);
    assert.equal((await send("POST", "/master/weights", "[]")).status, 405);
  });

  it("POST /master/quota sets quota, GET shows it, DELETE /master/quota/<role> removes it", async () => {
    const request = {
      role: "batch",
      force: true,
      guarantee: [{ name: "cpus", type: "SCALAR", scalar: { value: 2 } }],
    };
    const set = await send("POST", "/master/quota", JSON.stringify(request));
    assert.equal(set.status, 200, set.text);
    const status = JSON.parse((await send("GET", "/master/quota")).text);
    assert.deepEqual(status.configs, [
      { role: "batch", guarantees: { cpus: { value: 2 } }, limits: { cpus: { value: 2 } } },
    ]);
    assert.equal(status.infos[0].role, "batch");
    assert.equal(status.infos[0].guarantee[0].scalar.value, 2);
    const again = await send("POST", "/master/quota", JSON.stringify(request));
    assert.equal(again.status, 400);
    const removed = await send("DELETE", "/master/quota/batch");
    assert.equal(removed.status, 200, removed.text);
    assert.deepEqual(JSON.parse((await send("GET", "/master/quota")).text).configs ?? [], []);
    const none = await send("DELETE", "/master/quota/batch");
    assert.equal(none.status, 400);
    assert.match(none.text, /No quota exists for this role/);
  });

  it("POST /master/teardown ends a framework; without frameworkId or for an unknown one it is 400", async () => {
    const scheduler = await subscribeScheduler(master);
    const form = "application/x-www-form-urlencoded";
    const missing = await send("POST", "/master/teardown", "", form);
    assert.equal(missing.status, 400);
    assert.match(missing.text, /Missing 'frameworkId'/);
    const unknown = await send("POST", "/master/teardown", "frameworkId=nope", form);
    assert.equal(unknown.status, 400);
    const done = await send(
      "POST",
      "/master/teardown",
      `frameworkId=${scheduler.frameworkId}`,
      form,
    );
    assert.equal(done.status, 200, done.text);
    const frameworks = (await operatorCall(master, { type: "GET_FRAMEWORKS" })).json as Loose;
    assert.deepEqual(
      frameworks.get_frameworks.completed_frameworks.map((f: Loose) => f.framework_info.id.value),
      [scheduler.frameworkId],
    );
    scheduler.close();
  });
});
