import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryRegistryStorage, openRegistry } from "../../../src/master/registry/index.ts";
import { registryContract } from "./registry-contract.ts";

registryContract({
  name: "in_memory",
  async setUp() {
    const storage = new MemoryRegistryStorage();
    return {
      open: () => openRegistry({ kind: "in_memory", storage }),
      async tearDown() {},
    };
  },
});

registryContract({
  name: "sqlite",
  async setUp() {
    const workDir = mkdtempSync(join(tmpdir(), "tessera-registry-"));
    return {
      open: () => openRegistry({ kind: "sqlite", workDir }),
      async tearDown() {
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  },
});
