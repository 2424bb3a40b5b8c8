import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { makeMasterInfo, masterInfoUrl } from "../../src/zk/master-info.ts";

describe("masterInfoUrl", () => {
  const base = { id: "m", ip: 16777343, port: 5050, capabilities: [] };

  test("an IPv6 address is put in brackets, as a URL needs", () => {
    assert.equal(
      masterInfoUrl({ ...base, address: { ip: "fd00::1", port: 5050 } }),
      "http://[fd00::1]:5050",
    );
    assert.equal(
      masterInfoUrl({ ...base, address: { ip: "::1", hostname: "m.local", port: 6060 } }),
      "http://[::1]:6060",
    );
  });

  test("the address's ip comes first, then its hostname, then the packed uint32 ip and port", () => {
    assert.equal(
      masterInfoUrl({ ...base, address: { ip: "10.1.2.3", hostname: "m.local", port: 6060 } }),
      "http://10.1.2.3:6060",
    );
    assert.equal(
      masterInfoUrl({ ...base, address: { hostname: "m.local", port: 6060 } }),
      "http://m.local:6060",
    );
    assert.equal(masterInfoUrl(base), "http://127.0.0.1:5050");
  });

  test("the MasterInfo a master publishes leads back to where it listens", () => {
    const info = makeMasterInfo({ id: "m1", ip: "10.0.0.7", port: 5050, hostname: "m1.local" });
    assert.equal(masterInfoUrl(info), "http://10.0.0.7:5050");
  });
});
