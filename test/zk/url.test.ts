import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { connectString, formatZkUrl, parseZkUrl, resolveZkUrl } from "../../src/zk/url.ts";

function ok(text: string) {
  const parsed = parseZkUrl(text);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.url;
}

function errorCode(text: string): string {
  const parsed = parseZkUrl(text);
  assert.ok(!parsed.ok, `expected '${text}' to be refused`);
  return parsed.error.code;
}

describe("zk:// URLs", () => {
  test("servers and path are read as Mesos writes them", () => {
    assert.deepEqual(ok("zk://10.0.0.1:2181,10.0.0.2:2182/mesos"), {
      servers: [
        { host: "10.0.0.1", port: 2181 },
        { host: "10.0.0.2", port: 2182 },
      ],
      path: "/mesos",
    });
  });

  test("credentials become digest auth and are not printed back", () => {
    const url = ok("zk://alice:s3cret@zk1:2181/a/b");
    assert.equal(url.digest, "alice:s3cret");
    assert.equal(url.path, "/a/b");
    assert.equal(formatZkUrl(url), "zk://zk1:2181/a/b");
  });

  test("a missing port is ZooKeeper's 2181 and a missing path is the root", () => {
    const url = ok("zk://zk1");
    assert.deepEqual(url, { servers: [{ host: "zk1", port: 2181 }], path: "/" });
    assert.equal(connectString(url), "zk1:2181");
  });

  test("IPv6 literals in brackets are accepted", () => {
    assert.deepEqual(ok("zk://[::1]:2181/m").servers, [{ host: "::1", port: 2181 }]);
  });

  test("malformed URLs are refused with a stable code", () => {
    assert.equal(errorCode("http://zk1:2181/mesos"), "not_zk_url");
    assert.equal(errorCode("zk:///mesos"), "no_servers");
    assert.equal(errorCode("zk://zk1:99999/mesos"), "bad_server");
    assert.equal(errorCode("zk://zk1:abc/mesos"), "bad_server");
    assert.equal(errorCode("zk://zk1:2181,/mesos"), "bad_server");
    assert.equal(errorCode("zk://zk1:2181/mesos/"), "bad_path");
    assert.equal(errorCode("zk://zk1:2181/a//b"), "bad_path");
    assert.equal(errorCode("zk://zk1:2181/a/../b"), "bad_path");
    assert.equal(errorCode("zk://alice@zk1:2181/m"), "bad_credentials");
  });

  test("a file:// URL is read through the given reader and its content parsed", () => {
    const files: Record<string, string> = { "/etc/mesos/zk": "zk://zk1:2181/mesos\n" };
    const read = (path: string) => {
      const content = files[path];
      if (content === undefined) throw new Error("ENOENT");
      return content;
    };
    const resolved = resolveZkUrl("file:///etc/mesos/zk", read);
    assert.ok(resolved.ok);
    assert.equal(resolved.url.path, "/mesos");
    const missing = resolveZkUrl("file:///nope", read);
    assert.ok(!missing.ok);
    assert.equal(missing.error.code, "file_unreadable");
    assert.match(missing.error.message, /\/nope/);
    assert.ok(resolveZkUrl("zk://zk1/m", read).ok, "zk:// passes straight through");
  });
});
