import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import Database from "better-sqlite3";
import {
  openRegistry,
  RegistryStoreError,
  registryPath,
  SqliteRegistryBackend,
} from "../../../src/master/registry/index.ts";
import { SCHEMA_VERSION } from "../../../src/master/registry/sqlite-schema.ts";
import { admit, agentInfo } from "./registry-contract.ts";

let workDir: string;
beforeEach(() => {
  workDir = mkdtempSync(join(tmpdir(), "tessera-sqlite-registry-"));
});
afterEach(() => {
  rmSync(workDir, { recursive: true, force: true });
});

function isStoreError(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof RegistryStoreError, `not a RegistryStoreError: ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, /registry\.db/);
    return true;
  };
}

describe("sqlite registry file", () => {
  test("the registry lives in <work_dir>/registry.db with a WAL journal", async () => {
    const store = await openRegistry({ kind: "sqlite", workDir });
    await store.recover();
    await store.apply([admit("a1")]);
    const db = new Database(registryPath(workDir), { readonly: true });
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    assert.equal((db.prepare("SELECT COUNT(*) AS n FROM agents").get() as { n: number }).n, 1);
    db.close();
    await store.close();
  });

  test("the schema version is recorded in the migration table", async () => {
    const store = await openRegistry({ kind: "sqlite", workDir });
    await store.close();
    const db = new Database(registryPath(workDir), { readonly: true });
    const rows = db.prepare("SELECT version FROM schema_migrations").all();
    assert.deepEqual(rows, [{ version: SCHEMA_VERSION }]);
    db.close();
  });

  test("changes acknowledged by a handle that was never closed are seen by the next one", async () => {
    const first = await openRegistry({ kind: "sqlite", workDir });
    await first.recover();
    await first.apply([
      admit("a1"),
      { type: "UpdateWeights", weights: [{ role: "r", weight: 3 }] },
    ]);
    // `first` is abandoned without close, as a crashed master would leave it.
    const second = await openRegistry({ kind: "sqlite", workDir });
    const { state } = await second.recover();
    assert.deepEqual([...state.admitted.keys()], ["a1"]);
    assert.equal(state.weights.get("r"), 3);
    await second.close();
  });

  test("every change acknowledged before a SIGKILL is recovered", async () => {
    const fixture = new URL("./fixtures/registry-writer.ts", import.meta.url).pathname;
    const child = spawn(process.execPath, ["--import", "tsx", fixture, workDir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const acked: string[] = [];
    const exited = new Promise<NodeJS.Signals | null>((resolve) => {
      child.on("exit", (_code, signal) => resolve(signal));
    });
    let buffered = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        acked.push(line.replace(/^acked /, ""));
        if (acked.length === 50) child.kill("SIGKILL");
      }
    });
    assert.equal(await exited, "SIGKILL");
    assert.ok(acked.length >= 50);
    const store = await openRegistry({ kind: "sqlite", workDir });
    const { state } = await store.recover();
    for (const id of acked) assert.ok(state.admitted.has(id), `acknowledged agent ${id} lost`);
    await store.close();
  });

  test("a batch is written all or nothing", async () => {
    const backend = SqliteRegistryBackend.open(registryPath(workDir));
    // A weight the schema refuses, after two good agent rows: the whole transaction rolls back.
    const change = {
      agents: new Map([
        [
          "a1",
          { status: "admitted" as const, agent: { info: agentInfo("a1"), deactivated: false } },
        ],
        [
          "a2",
          { status: "admitted" as const, agent: { info: agentInfo("a2"), deactivated: false } },
        ],
      ]),
      weights: new Map([["bad", -1]]),
      quotas: new Map(),
    };
    await assert.rejects(backend.commit(0, change), RegistryStoreError);
    const { state, version } = await backend.load();
    assert.equal(state.admitted.size, 0);
    assert.equal(version, 0);
    await backend.close();
  });
});

describe("sqlite registry errors", () => {
  test("a file that is not a SQLite database gives a clear 'corrupt' error", async () => {
    writeFileSync(registryPath(workDir), "this is not a database, just some text ".repeat(200));
    await assert.rejects(openRegistry({ kind: "sqlite", workDir }), isStoreError("corrupt"));
  });

  test("an unreadable row gives a clear 'corrupt' error on recovery", async () => {
    const store = await openRegistry({ kind: "sqlite", workDir });
    await store.recover();
    await store.apply([admit("a1")]);
    await store.close();
    const db = new Database(registryPath(workDir));
    db.prepare("UPDATE agents SET record = '{broken' WHERE id = 'a1'").run();
    db.close();
    const again = await openRegistry({ kind: "sqlite", workDir });
    await assert.rejects(again.recover(), (error: unknown) => {
      assert.ok(isStoreError("corrupt")(error));
      assert.match((error as Error).message, /agent a1/);
      return true;
    });
    await again.close();
  });

  test("a registry written by a newer schema is refused, not guessed at", async () => {
    const store = await openRegistry({ kind: "sqlite", workDir });
    await store.close();
    const db = new Database(registryPath(workDir));
    db.prepare(
      "INSERT INTO schema_migrations (version, description, applied_at_ms) VALUES (?, 'future', 0)",
    ).run(SCHEMA_VERSION + 1);
    db.close();
    await assert.rejects(openRegistry({ kind: "sqlite", workDir }), isStoreError("schema_too_new"));
  });
});
