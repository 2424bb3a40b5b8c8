import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ParsedJob, parseJobFile } from "../../../src/frameworks/aurora/job-file.ts";
import { formatJobKey, parseJobKey } from "../../../src/frameworks/aurora/job-key.ts";

const BASE = `
role: www-data
environment: prod
name: hello
task:
  processes:
    - name: web
      cmdline: ./web --port {{thermos.ports[http]}}
  resources: { cpu: 0.5, ram: 128MB, disk: 1GB }
`;

function parse(text: string, bindings: Record<string, string> = {}): ParsedJob[] {
  const r = parseJobFile(text, { cluster: "local", bindings });
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.jobs;
}

function one(text: string, bindings: Record<string, string> = {}): ParsedJob {
  const jobs = parse(text, bindings);
  assert.equal(jobs.length, 1);
  return jobs[0] as ParsedJob;
}

function error(text: string): string {
  const r = parseJobFile(text, { cluster: "local" });
  assert.ok(!r.ok, "expected the file to be refused");
  return r.error;
}

describe("job file: fields and defaults", () => {
  test("a minimal job gets Aurora's defaults", () => {
    const { job, ports, ranges } = one(BASE);
    assert.equal(job.instances, 1);
    assert.equal(job.service, false);
    assert.equal(job.priority, 0);
    assert.equal(job.production, false);
    assert.equal(job.max_task_failures, 1);
    assert.equal(job.cron_collision_policy, "KILL_EXISTING");
    assert.equal(job.tier, undefined);
    assert.deepEqual(job.constraints, {});
    assert.deepEqual(job.update_config, {
      batch_size: 1,
      watch_secs: 45,
      max_per_shard_failures: 0,
      max_total_failures: 0,
      rollback_on_failure: true,
      wait_for_batch_completion: false,
      sla_aware: false,
    });
    assert.equal(job.task.finalization_wait, 30);
    assert.equal(job.task.max_concurrency, 0);
    const p = job.task.processes[0];
    assert.deepEqual(
      [p?.max_failures, p?.daemon, p?.ephemeral, p?.min_duration, p?.final],
      [1, false, false, 5, false],
    );
    assert.deepEqual(ports, ["http"], "the port a cmdline names is requested");
    assert.deepEqual(ranges, []);
  });

  test("sizes: bytes or 128MB-style strings", () => {
    const { job } = one(BASE);
    assert.equal(job.task.resources.ram, 128 * 2 ** 20);
    assert.equal(job.task.resources.disk, 2 ** 30);
    const bytes = one(BASE.replace("ram: 128MB, disk: 1GB", "ram: 1048576"));
    assert.equal(bytes.job.task.resources.ram, 2 ** 20);
    assert.equal(bytes.job.task.resources.disk, 0);
    const half = one(BASE.replace("ram: 128MB", "ram: 1.5 gb"));
    assert.equal(half.job.task.resources.ram, 1.5 * 2 ** 30);
  });

  test("every field is read", () => {
    const { job, ports } = one(`${BASE}
instances: 3
cluster: local
tier: preferred
priority: 5
production: true
service: true
max_task_failures: -1
contact: ops@example.com
constraints: { rack: "a,b", host: "limit:1" }
update_config:
  batch_size: 2
  batch_sizes: [1, 2]
  watch_secs: 5
  max_per_shard_failures: 1
  max_total_failures: 2
  rollback_on_failure: false
  wait_for_batch_completion: true
  pulse_interval_secs: 60
  sla_aware: true
health_check_config: { initial_interval_secs: 2, interval_secs: 1 }
announce: { primary_port: admin }
`);
    assert.equal(job.instances, 3);
    assert.equal(job.tier, "preferred");
    assert.equal(job.priority, 5);
    assert.equal(job.production, true);
    assert.equal(job.service, true);
    assert.equal(job.max_task_failures, -1);
    assert.equal(job.contact, "ops@example.com");
    assert.deepEqual(job.constraints, { rack: "a,b", host: "limit:1" });
    assert.equal(job.update_config.batch_size, 2);
    assert.deepEqual(job.update_config.batch_sizes, [1, 2]);
    assert.equal(job.update_config.pulse_interval_secs, 60);
    assert.equal(job.update_config.sla_aware, true);
    assert.equal(job.health_check_config?.initial_interval_secs, 2);
    assert.equal(job.health_check_config?.health_checker.http?.expected_response, "ok");
    assert.equal(job.announce?.primary_port, "admin");
    assert.deepEqual(ports, ["http", "admin"], "announce's primary port is requested");
  });

  test("a task with ordered processes, finalizers and a cron schedule", () => {
    const { job } = one(`
role: www-data
environment: devel
name: nightly
cron_schedule: "0 2 * * *"
cron_collision_policy: CANCEL_NEW
task:
  name: backup
  processes:
    - { name: fetch, cmdline: "echo fetch", max_failures: 3 }
    - { name: store, cmdline: "echo store", daemon: true, ephemeral: true, min_duration: 1 }
    - { name: cleanup, cmdline: "echo done", final: true }
  constraints: [{ order: [fetch, store] }]
  resources: { cpu: 1, ram: 64MB, ports: [admin] }
  finalization_wait: 10
  max_concurrency: 2
`);
    assert.equal(job.cron_schedule, "0 2 * * *");
    assert.equal(job.cron_collision_policy, "CANCEL_NEW");
    assert.equal(job.task.name, "backup");
    assert.deepEqual(job.task.constraints, [{ order: ["fetch", "store"] }]);
    assert.deepEqual(job.task.resources.ports, ["admin"]);
    assert.equal(job.task.finalization_wait, 10);
    assert.equal(job.task.max_concurrency, 2);
    assert.equal(job.task.processes[0]?.max_failures, 3);
    assert.equal(job.task.processes[1]?.daemon, true);
    assert.equal(job.task.processes[2]?.final, true);
  });

  test("JSON is read as well as YAML", () => {
    const { job } = one(
      JSON.stringify({
        role: "www-data",
        environment: "staging2",
        name: "api",
        task: { processes: [{ name: "p", cmdline: "true" }], resources: { cpu: 1, ram: 1000 } },
      }),
    );
    assert.equal(job.environment, "staging2");
  });

  test("a file of several jobs", () => {
    const jobs = parse(`
jobs:
  - ${BASE.trim().replaceAll("\n", "\n    ")}
  - ${BASE.trim().replace("name: hello", "name: hello2").replaceAll("\n", "\n    ")}
`);
    assert.deepEqual(
      jobs.map((j) => j.job.name),
      ["hello", "hello2"],
    );
  });
});

describe("job file: templating", () => {
  test("{{role}}, {{environment}}, {{name}}, {{cluster}} and bindings are replaced", () => {
    const { job } = one(
      `
bindings: { version: "1.2", owner: file }
role: www-data
environment: "{{env}}"
name: hello
contact: "{{owner}}@{{cluster}}"
task:
  processes:
    - name: web
      cmdline: "run {{role}}/{{environment}}/{{name}} v{{version}} on {{mesos.instance}}"
  resources: { cpu: 1, ram: 64MB }
`,
      { env: "test", owner: "cli" },
    );
    assert.equal(job.environment, "test", "a binding fills a key part");
    assert.equal(job.contact, "cli@local", "caller bindings win over the file's");
    assert.equal(
      job.task.processes[0]?.cmdline,
      "run www-data/test/hello v1.2 on {{mesos.instance}}",
      "run-time variables stay for the executor",
    );
  });

  test("an unknown variable is an error naming the field", () => {
    assert.equal(
      error(BASE.replace("./web", "./web {{nope}}")),
      "task.processes[0].cmdline: unknown template variable {{nope}}",
    );
  });
});

describe("job file: instance ranges (canaries)", () => {
  test("ranges override the task of some instances", () => {
    const { ranges } = one(`${BASE}
instances: 4
instances_config:
  "2-3": { task: { processes: [{ name: web, cmdline: "./web-canary" }] } }
  "0": { health_check_config: { interval_secs: 3 } }
`);
    assert.deepEqual(
      ranges.map((r) => [r.first, r.last]),
      [
        [0, 0],
        [2, 3],
      ],
    );
    assert.equal(ranges[1]?.overrides.task?.processes?.[0]?.cmdline, "./web-canary");
    assert.equal(ranges[0]?.overrides.health_check_config?.interval_secs, 3);
  });

  test("bad ranges are refused", () => {
    assert.equal(
      error(`${BASE}\ninstances: 2\ninstances_config: { "1-5": {} }`),
      "instances_config.1-5: the job has instances 0-1",
    );
    assert.equal(
      error(`${BASE}\ninstances: 4\ninstances_config: { "0-2": {}, "2-3": {} }`),
      "instances_config: ranges 0-2 and 2-3 overlap",
    );
    assert.equal(
      error(`${BASE}\ninstances_config: { "x": {} }`),
      "instances_config.x: expected an instance or a range like 0-1",
    );
    assert.match(
      error(`${BASE}\ninstances_config: { "0": { task: { resources: { cpu: 2 } } } }`),
      /^instances_config\.0\.task: /,
      "resources are the job's, not a range's",
    );
  });
});

describe("job file: errors are one line naming the field", () => {
  const cases: [string, string, string | RegExp][] = [
    ["missing role", BASE.replace("role: www-data\n", ""), /^role: /],
    [
      "environment",
      BASE.replace("prod", "production"),
      "environment: environment must be devel, test, prod or staging<N>",
    ],
    ["name", BASE.replace("name: hello", "name: Hello_World"), /^name: name must be lower-case/],
    [
      "size",
      BASE.replace("128MB", "lots"),
      "task.resources.ram: expected bytes or a size like 128MB, got 'lots'",
    ],
    ["cpu", BASE.replace("cpu: 0.5", "cpu: 0"), /^task\.resources\.cpu: /],
    [
      "no processes",
      BASE.replace(/ {4}- name: web\n.*\n/, "").replace("processes:", "processes: []"),
      "task.processes: a task needs at least one process",
    ],
    ["tier", `${BASE}tier: gold\n`, /^tier: /],
    [
      "cluster",
      `${BASE}cluster: elsewhere\n`,
      "cluster: the job names cluster 'elsewhere', this is 'local'",
    ],
    [
      "cron service",
      `${BASE}service: true\ncron_schedule: "* * * * *"\n`,
      "cron_schedule: a service job cannot have a cron schedule",
    ],
    [
      "order",
      `${BASE.replace("  resources:", "  constraints: [{ order: [web, db] }]\n  resources:")}`,
      "task.constraints[0].order: no process named 'db'",
    ],
    ["not yaml", "role: [", /^not YAML or JSON: /],
    ["not an object", "- 1\n- 2\n", "expected a job object or {jobs: [...]}"],
    ["empty jobs", "jobs: []\n", "jobs: the file has no job"],
  ];
  for (const [what, text, expected] of cases) {
    test(what, () => {
      const message = error(text);
      assert.ok(!message.includes("\n"), `one line: ${message}`);
      if (typeof expected === "string") assert.equal(message, expected);
      else assert.match(message, expected);
    });
  }
});

describe("job keys", () => {
  test("cluster/role/environment/name round-trips", () => {
    const r = parseJobKey("local/www-data/prod/hello");
    assert.ok(r.ok);
    assert.equal(formatJobKey(r.key), "local/www-data/prod/hello");
  });

  test("malformed keys are refused with the reason", () => {
    const bad = (text: string) => {
      const r = parseJobKey(text);
      assert.ok(!r.ok);
      return r.error;
    };
    assert.equal(
      bad("local/www/prod"),
      "job key 'local/www/prod' is not cluster/role/environment/name",
    );
    assert.match(
      bad("local/www/live/hello"),
      /environment 'live' must be devel, test, prod or staging<N>/,
    );
    assert.match(bad("local/WWW/prod/hello"), /role 'WWW'/);
  });
});
