// The merge of CommandInfo with an image's config, one row per rule (containers.md §2).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { imageEnv, mergeCommand, workingDir } from "../../../src/agent/images/command-merge.ts";
import type { ImageRuntimeConfig } from "../../../src/agent/images/image-config.ts";

const image = (entrypoint?: string[], cmd?: string[]): ImageRuntimeConfig => ({
  env: [],
  entrypoint,
  cmd,
  workingDir: undefined,
  user: undefined,
});

describe("CommandInfo merged with the image's Entrypoint and Cmd", () => {
  const E = ["/bin/echo", "e"];
  const C = ["/bin/c", "c1"];
  const rows: [
    string,
    { shell: boolean; value: string; arguments?: string[] },
    ImageRuntimeConfig,
    string[] | string,
  ][] = [
    [
      "shell=true runs value through sh, ignoring both",
      { shell: true, value: "ls" },
      image(E, C),
      "sh:ls",
    ],
    [
      "shell=false with a value execs it with its arguments, ignoring both",
      { shell: false, value: "/bin/x", arguments: ["x", "1"] },
      image(E, C),
      ["x", "1"],
    ],
    [
      "shell=false with a value and no arguments execs the value alone",
      { shell: false, value: "/bin/x" },
      image(E, C),
      ["/bin/x"],
    ],
    [
      "no value: Entrypoint then the arguments, Cmd dropped",
      { shell: false, value: "", arguments: ["a"] },
      image(E, C),
      ["/bin/echo", "e", "a"],
    ],
    [
      "no value nor arguments: Entrypoint then Cmd",
      { shell: false, value: "" },
      image(E, C),
      ["/bin/echo", "e", "/bin/c", "c1"],
    ],
    [
      "no Entrypoint: Cmd[0] then the arguments",
      { shell: false, value: "", arguments: ["a"] },
      image(undefined, C),
      ["/bin/c", "a"],
    ],
    [
      "no Entrypoint nor arguments: Cmd whole",
      { shell: false, value: "" },
      image(undefined, C),
      ["/bin/c", "c1"],
    ],
    ["Entrypoint alone", { shell: false, value: "" }, image(E, undefined), ["/bin/echo", "e"]],
  ];
  for (const [rule, command, config, expected] of rows) {
    it(rule, () => {
      const merged = mergeCommand(command, config);
      assert.ok(merged.ok);
      if (typeof expected === "string") {
        assert.deepEqual(merged.command, { shell: true, value: expected.slice(3) });
      } else {
        assert.equal(merged.command.shell, false);
        assert.deepEqual(merged.command.arguments, expected);
        assert.equal(merged.command.value, command.value === "" ? expected[0] : command.value);
      }
    });
  }

  it("neither a value nor an Entrypoint or Cmd fails the launch with a message", () => {
    const merged = mergeCommand({ shell: false, value: "" }, image());
    assert.ok(!merged.ok);
    assert.match(merged.message, /no Entrypoint or Cmd/);
  });

  it("the image's Env becomes a record; WorkingDir is the cwd, else the sandbox", () => {
    const config: ImageRuntimeConfig = {
      ...image(),
      env: ["PATH=/bin", "A=x=y", "bad"],
      workingDir: "/w",
    };
    assert.deepEqual(imageEnv(config), { PATH: "/bin", A: "x=y" });
    assert.equal(workingDir(config), "/w");
    assert.equal(workingDir(image()), "/mnt/mesos/sandbox");
  });
});
