import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStrictSubroleOf, parentRole, validateRole } from "../../src/resources/roles.ts";

describe("roles", () => {
  it("recognises strict descendants only", () => {
    assert.equal(isStrictSubroleOf("eng/web", "eng"), true);
    assert.equal(isStrictSubroleOf("eng/web/a", "eng"), true);
    assert.equal(isStrictSubroleOf("eng", "eng"), false);
    assert.equal(isStrictSubroleOf("engineering", "eng"), false);
    assert.equal(isStrictSubroleOf("eng", "eng/web"), false);
  });

  it("finds the parent of nested roles", () => {
    assert.equal(parentRole("a/b/c"), "a/b");
    assert.equal(parentRole("a"), undefined);
  });

  it("accepts ordinary and nested role names and the default role", () => {
    for (const role of ["*", "web", "eng/web", "a.b", "role-1"])
      assert.equal(validateRole(role), undefined);
  });

  it("rejects malformed role names with a message", () => {
    for (const role of ["", "/a", "a/", "a//b", ".", "..", "a/./b", "-a", "a b", "a/*", "a\tb"]) {
      assert.notEqual(validateRole(role), undefined, role);
    }
  });
});
