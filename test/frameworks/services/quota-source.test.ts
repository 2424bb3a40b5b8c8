// The services framework's quota reader (src/frameworks/services/quota-source.ts) with a zk://
// master: before the detector names a leader the scheduler client has no endpoint, and a fetch
// then waits for the leader instead of posting to no address ("GET_QUOTA failed (Invalid URL)").
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { fetchQuotas } from "../../../src/frameworks/services/quota-source.ts";

/** Captures what the module writes to stderr while `body` runs. */
async function stderrOf<T>(body: () => Promise<T>): Promise<{ value: T; text: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let text = "";
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { value: await body(), text };
  } finally {
    process.stderr.write = write;
  }
}

describe("the services framework's quota reader", () => {
  let master: Server;
  let url = "";
  before(async () => {
    // A master's operator API that answers GET_QUOTA with one role's quota.
    master = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(
          JSON.stringify({
            type: "GET_QUOTA",
            get_quota: {
              status: { configs: [{ role: "web", guarantees: { mem: { value: 64 } } }] },
            },
          }),
        );
      });
    });
    master.listen(0, "127.0.0.1");
    await new Promise((resolve) => master.once("listening", resolve));
    url = `http://127.0.0.1:${(master.address() as AddressInfo).port}/api/v1/scheduler`;
  });
  after(() => master.close());

  it("waits for the leader a zk:// client detects, then reads its quotas", async () => {
    let endpoint = "";
    setTimeout(() => {
      endpoint = url;
    }, 150);
    const { value, text } = await stderrOf(() => fetchQuotas(() => endpoint, undefined));
    assert.deepEqual(value, [{ role: "web", guarantees: { mem: 64 }, limits: {} }]);
    assert.equal(text, "", "no failure is logged");
  });

  it("with no leader within its bound it keeps the quotas known before, logging no failure", async () => {
    const { value, text } = await stderrOf(() => fetchQuotas(() => "", undefined));
    assert.equal(value, undefined);
    assert.doesNotMatch(text, /Invalid URL/);
  });
});
