import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { diskInfo, scalarResource } from "../../src/resources/resource.ts";
import { validateResource, validateResources } from "../../src/resources/validation.ts";

describe("resource validation", () => {
  it("accepts unreserved, statically reserved and refined reservations", () => {
    assert.equal(validateResource(scalarResource("cpus", 1000)), undefined);
    const refined = scalarResource("cpus", 1000, {
      reservations: [
        { type: "STATIC", role: "eng" },
        { type: "DYNAMIC", role: "eng/web", principal: "p" },
      ],
    });
    assert.equal(validateResources([refined]), undefined);
  });

  it("requires each refinement to go to a child role of the previous one", () => {
    const sibling = scalarResource("cpus", 1000, {
      reservations: [
        { type: "DYNAMIC", role: "eng" },
        { type: "DYNAMIC", role: "ops" },
      ],
    });
    assert.match(validateResource(sibling) ?? "", /child role/);
  });

  it("allows STATIC only as the first reservation and never to '*'", () => {
    const staticOnTop = scalarResource("cpus", 1000, {
      reservations: [
        { type: "DYNAMIC", role: "eng" },
        { type: "STATIC", role: "eng/web" },
      ],
    });
    assert.match(validateResource(staticOnTop) ?? "", /first reservation/);
    const star = scalarResource("cpus", 1000, { reservations: [{ type: "STATIC", role: "*" }] });
    assert.match(validateResource(star) ?? "", /'\*'/);
  });

  it("allows sharing only for persistent volumes and disk info only on disk", () => {
    assert.match(
      validateResource(scalarResource("cpus", 1000, { shared: true })) ?? "",
      /persistent volumes/,
    );
    const volume = diskInfo({ persistence: { id: "v1" } });
    assert.equal(
      validateResource(scalarResource("disk", 1000, { shared: true, disk: volume })),
      undefined,
    );
    assert.match(validateResource(scalarResource("mem", 1000, { disk: volume })) ?? "", /DiskInfo/);
  });

  it("rejects an invalid allocation role", () => {
    assert.match(
      validateResource(scalarResource("cpus", 1000, { allocationRole: "a//b" })) ?? "",
      /allocation role/,
    );
  });
});
