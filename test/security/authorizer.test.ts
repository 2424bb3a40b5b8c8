// Mesos's local authorizer (reference §2): ACLs scanned in order, the first whose subject and
// object match decides, NONE denies, `permissive` decides when none matches; unauthenticated
// callers (ANY) skip ACLs that name principals; `a/%` approves nested roles; a multi-role
// framework needs every role. And the ACL format's start-up checks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAcls } from "../../src/security/acls.ts";
import { authorizeAll, LocalAuthorizer } from "../../src/security/authorizer.ts";

function authorizer(acls: Record<string, unknown>): LocalAuthorizer {
  const parsed = parseAcls(JSON.stringify(acls));
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.message);
  return new LocalAuthorizer(parsed.acls);
}

describe("the local authorizer's evaluation", () => {
  it("the first ACL whose subject and object match decides, in order", () => {
    const a = authorizer({
      permissive: true,
      run_tasks: [
        { principals: { values: ["foo"] }, users: { type: "NONE" } },
        { principals: { values: ["foo"] }, users: { values: ["alice"] } },
      ],
    });
    assert.equal(a.authorize("run_tasks", "foo", "alice"), false, "the NONE before it wins");
    assert.equal(a.authorize("run_tasks", "bar", "alice"), true, "no ACL matches: permissive");
  });

  it("a list of values matches only its values; NONE denies; nothing matching is permissive's call", () => {
    const strict = authorizer({
      permissive: false,
      register_frameworks: [{ principals: { values: ["foo", "bar"] }, roles: { values: ["web"] } }],
    });
    assert.equal(strict.authorize("register_frameworks", "foo", "web"), true);
    assert.equal(strict.authorize("register_frameworks", "bar", "web"), true);
    assert.equal(strict.authorize("register_frameworks", "foo", "db"), false);
    assert.equal(strict.authorize("register_frameworks", "baz", "web"), false);
    assert.equal(
      strict.authorize("teardown_frameworks", "foo", "x"),
      false,
      "no ACLs: not permissive",
    );
  });

  it("an unauthenticated caller skips ACLs naming principals and matches ANY or NONE ones", () => {
    const a = authorizer({
      permissive: false,
      teardown_frameworks: [
        { principals: { values: ["ops"] }, framework_principals: { type: "ANY" } },
        { principals: { type: "ANY" }, framework_principals: { values: ["public"] } },
      ],
      view_flags: [{ principals: { type: "NONE" }, flags: { type: "ANY" } }],
    });
    assert.equal(a.authorize("teardown_frameworks", undefined, "public"), true);
    assert.equal(a.authorize("teardown_frameworks", undefined, "other"), false);
    assert.equal(a.authorize("teardown_frameworks", "ops", "other"), true);
    assert.equal(a.authorize("view_flags", undefined), false, "a matching NONE subject denies");
    assert.equal(a.authorize("view_flags", "ops"), false);
  });

  it("`a/%` approves every role nested under a, not a itself; every role of a framework must pass", () => {
    const a = authorizer({
      permissive: false,
      register_frameworks: [
        { principals: { values: ["team"] }, roles: { values: ["eng/%", "ops"] } },
      ],
    });
    assert.equal(a.authorize("register_frameworks", "team", "eng/web"), true);
    assert.equal(a.authorize("register_frameworks", "team", "eng/web/canary"), true);
    assert.equal(a.authorize("register_frameworks", "team", "eng"), false);
    assert.equal(a.authorize("register_frameworks", "team", "engineering"), false);
    assert.equal(authorizeAll(a, "register_frameworks", "team", ["eng/a", "ops"]), true);
    assert.equal(authorizeAll(a, "register_frameworks", "team", ["eng/a", "db"]), false);
  });

  it("`permissive` defaults to true, as in Mesos", () => {
    const a = authorizer({
      run_tasks: [{ principals: { values: ["x"] }, users: { type: "NONE" } }],
    });
    assert.equal(a.authorize("run_tasks", "y", "root"), true);
    assert.equal(a.authorize("run_tasks", "x", "root"), false);
  });
});

describe("the ACL format", () => {
  for (const [what, acls] of [
    ["an unknown action", { launch_rockets: [] }],
    [
      "an unknown object field",
      { run_tasks: [{ principals: { type: "ANY" }, roles: { type: "ANY" } }] },
    ],
    [
      "an entity that is neither values nor ANY/NONE",
      { run_tasks: [{ principals: { type: "SOMEONE" } }] },
    ],
    ["values that are not strings", { run_tasks: [{ principals: { values: [1] } }] }],
    [
      "named objects where only ANY/NONE may be",
      { view_flags: [{ principals: { type: "ANY" }, flags: { values: ["x"] } }] },
    ],
    ["a non-boolean permissive", { permissive: "no" }],
  ] as const) {
    it(`${what} is refused with a message`, () => {
      const parsed = parseAcls(JSON.stringify(acls));
      assert.ok(!parsed.ok);
      assert.ok(parsed.message.length > 10, parsed.message);
    });
  }
});
