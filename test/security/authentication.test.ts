// HTTP Basic and HS256 JWT authentication by realm (reference §1), the credentials formats, and
// the rate limiter of --rate_limits (§6). Fuzzed Authorization headers, tokens, credentials,
// ACL and rate-limit texts never throw (issue 18 acceptance).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseAcls } from "../../src/security/acls.ts";
import { parseCredential, parseCredentials } from "../../src/security/credentials.ts";
import {
  basicAuthenticator,
  basicAuthorization,
  jwtAuthenticator,
  RealmAuthentication,
} from "../../src/security/http-authentication.ts";
import { signJwt, verifyJwt } from "../../src/security/jwt.ts";
import { parseRateLimits, RateLimiter } from "../../src/security/rate-limits.ts";

const CREDENTIALS = new Map([
  ["ops", "s3cret"],
  ["colon", "a:b"],
]);
const realms = new RealmAuthentication(
  new Map([
    ["on", [basicAuthenticator(CREDENTIALS), jwtAuthenticator("key")]],
    ["off", []],
  ]),
);

describe("HTTP authentication by realm", () => {
  it("the exact principal and secret authenticate; anything else is 401 with every challenge", () => {
    const ok = realms.authenticate("on", basicAuthorization("ops", "s3cret"));
    assert.deepEqual(ok, { kind: "authenticated", principal: { value: "ops" } });
    for (const header of [
      undefined,
      basicAuthorization("ops", "S3cret"),
      basicAuthorization("nobody", "s3cret"),
      "Basic !!!",
      "Digest x",
      `Basic ${Buffer.from("ops:s3cret:extra").toString("base64")}`,
    ]) {
      const outcome = realms.authenticate("on", header);
      assert.equal(outcome.kind, "unauthorized", String(header));
      assert.equal(
        outcome.kind === "unauthorized" && outcome.challenge,
        'Basic realm="on",Bearer realm="on"',
      );
    }
  });

  it("a ':' in the secret never works, as in Mesos", () => {
    assert.equal(
      realms.authenticate("on", basicAuthorization("colon", "a:b")).kind,
      "unauthorized",
    );
  });

  it("a realm without authenticators lets everyone through with no principal, header ignored", () => {
    assert.deepEqual(realms.authenticate("off", "Basic garbage"), { kind: "open" });
    assert.deepEqual(realms.authenticate("unknown", undefined), { kind: "open" });
  });

  it("a JWT signed with the key authenticates with its claims; alg none or another key does not", () => {
    const token = signJwt({ fid: "f", eid: "e", cid: "c" }, "key");
    const ok = realms.authenticate("on", `Bearer ${token}`);
    assert.deepEqual(ok, {
      kind: "authenticated",
      principal: { value: undefined, claims: { fid: "f", eid: "e", cid: "c" } },
    });
    assert.equal(verifyJwt(signJwt({ fid: "f" }, "other"), "key"), undefined);
    const [, payload] = token.split(".");
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`;
    assert.equal(verifyJwt(none, "key"), undefined);
    const tampered = `${token.split(".")[0]}.${Buffer.from('{"fid":"x"}').toString("base64url")}.${token.split(".")[2]}`;
    assert.equal(verifyJwt(tampered, "key"), undefined);
  });

  it("fuzzed Authorization headers never throw and never authenticate by chance", () => {
    const header = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 100 }).map((s) => `Basic ${s}`),
      fc.string({ maxLength: 100 }).map((s) => `Basic ${Buffer.from(s).toString("base64")}`),
      fc.tuple(fc.string(), fc.string()).map(([p, s]) => basicAuthorization(p, s)),
      fc.string({ maxLength: 300 }).map((s) => `Bearer ${s}`),
      fc
        .array(fc.string({ maxLength: 40 }), { maxLength: 4 })
        .map((parts) => `Bearer ${parts.join(".")}`),
      fc.constant(`Basic ${"A".repeat(20_000)}`),
    );
    fc.assert(
      fc.property(header, (h) => {
        const outcome = realms.authenticate("on", h);
        if (outcome.kind === "authenticated") {
          assert.ok(
            h === basicAuthorization("ops", "s3cret") || h.startsWith("Bearer "),
            `authenticated by ${h}`,
          );
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("credentials, ACL and rate-limit texts", () => {
  it("Mesos's JSON credentials, inline or in a file (path or file://), are read", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-creds-"));
    const file = join(dir, "credentials.json");
    writeFileSync(file, JSON.stringify({ credentials: [{ principal: "p", secret: "s" }] }));
    for (const text of [
      file,
      `file://${file}`,
      JSON.stringify({ credentials: [{ principal: "p", secret: "s" }] }),
    ]) {
      const parsed = parseCredentials(text);
      assert.ok(parsed.ok, text);
      assert.equal(parsed.value.get("p"), "s");
    }
    const one = parseCredential(JSON.stringify({ principal: "agent", secret: "x" }));
    assert.deepEqual(one.ok && one.value, { principal: "agent", secret: "x" });
    rmSync(dir, { recursive: true, force: true });
  });

  it("the removed text format and a missing file are refused with a reason, never the secret", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-creds-"));
    const file = join(dir, "credentials.txt");
    writeFileSync(file, "p topsecret\n");
    for (const given of ["p topsecret", file]) {
      const text = parseCredentials(given);
      assert.ok(!text.ok, given);
      assert.match(text.message, /removed in Mesos 1\.11/);
      assert.ok(!text.message.includes("topsecret"));
    }
    const missing = parseCredentials("/no/such/file.json");
    assert.ok(!missing.ok);
    assert.match(missing.message, /cannot read/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("fuzzed credentials files, ACLs and rate limits never throw", () => {
    const json = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v));
    const shaped = fc
      .array(fc.record({ principal: fc.anything(), secret: fc.anything() }, { requiredKeys: [] }), {
        maxLength: 4,
      })
      .map((credentials) => JSON.stringify({ credentials }));
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      json,
      shaped,
      fc.constant("{"),
      fc.constant("[]"),
    );
    fc.assert(
      fc.property(text, (t) => {
        for (const parse of [parseCredentials, parseCredential, parseAcls, parseRateLimits]) {
          const result = parse(t.startsWith("{") || t.startsWith("[") ? t : `{${t}`);
          assert.equal(typeof result.ok, "boolean");
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("the rate limiter lets qps through, makes the rest wait, and drops past capacity with Mesos's message", () => {
    const parsed = parseRateLimits(
      JSON.stringify({
        limits: [{ principal: "fast", qps: 10, capacity: 2 }],
        aggregate_default_qps: 1,
      }),
    );
    assert.ok(parsed.ok);
    const limiter = new RateLimiter(parsed.value);
    assert.equal(limiter.admit("fast", 0, "m").kind, "now");
    assert.deepEqual(limiter.admit("fast", 0, "m"), { kind: "wait", delayMs: 100 });
    assert.deepEqual(limiter.admit("fast", 0, "m"), { kind: "wait", delayMs: 200 });
    assert.deepEqual(limiter.admit("fast", 0, "scheduler::Call KILL"), {
      kind: "dropped",
      message: "Message scheduler::Call KILL dropped: capacity(2) exceeded",
    });
    limiter.done("fast");
    assert.equal(limiter.admit("fast", 0, "m").kind, "wait");
    // Not listed: the aggregate default (1 qps, no capacity bound).
    assert.equal(limiter.admit("other", 0, "m").kind, "now");
    assert.deepEqual(limiter.admit(undefined, 0, "m"), { kind: "wait", delayMs: 1000 });
    assert.equal(limiter.admit("other", 5_000, "m").kind, "now");
  });
});
