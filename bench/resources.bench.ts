// Resource arithmetic throughput: the allocator's hot path (add / subtract / contains on an
// agent's resources, quantity math for quota and DRF) plus text parsing.

import { parseResourcesText, type Resources } from "../src/resources/index.ts";
import { type BenchRow, type BenchSuite, opsPerSecond, time } from "./harness.ts";

function parse(text: string): Resources {
  const result = parseResourcesText(text);
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

// A realistic agent: unreserved scalars and ports, a static reservation, a dynamic-style
// reserved slice and a few port ranges.
const AGENT_TEXT =
  "cpus:24;mem:4096;disk:4096;ports:[31000-32000,33000-33100,34000-34999];" +
  "cpus(eng):4;mem(eng):1024;cpus(eng/web):2;ports(eng):[35000-35100];gpus:2";
// A task-sized request, including a port hole in the middle of a range.
const TASK_TEXT = "cpus:0.5;mem:128;disk:64;ports:[31500-31500,34000-34001];cpus(eng):0.25";

const OPS = 100_000;
const RUNS = 7;

function row(name: string, fn: () => void, ops: number): BenchRow {
  const timing = time(fn, RUNS, 2);
  return { name, value: opsPerSecond(timing, ops), unit: "ops/s", medianMs: timing.medianMs };
}

export const suite: BenchSuite = {
  name: "resources",
  description:
    "resource arithmetic on a realistic agent (add, subtract, contains, quantities, text parse)",
  run() {
    const agent = parse(AGENT_TEXT);
    const task = parse(TASK_TEXT);
    const used = agent.subtract(task);
    const agentQ = agent.toQuantities();
    const taskQ = task.toQuantities();
    let sink = 0;

    const rows: BenchRow[] = [
      row(
        "resources.add ops/s",
        () => {
          for (let i = 0; i < OPS; i++) sink += used.add(task).size;
        },
        OPS,
      ),
      row(
        "resources.subtract ops/s",
        () => {
          for (let i = 0; i < OPS; i++) sink += agent.subtract(task).size;
        },
        OPS,
      ),
      row(
        "resources.contains ops/s",
        () => {
          for (let i = 0; i < OPS; i++) if (agent.contains(task)) sink++;
        },
        OPS,
      ),
      row(
        "resources.addInPlace+subtractInPlace pairs/s",
        () => {
          const owned = agent.clone();
          for (let i = 0; i < OPS; i++) owned.subtractInPlace(task).addInPlace(task);
          sink += owned.size;
        },
        OPS,
      ),
      row(
        "resources.allocatableTo ops/s",
        () => {
          for (let i = 0; i < OPS; i++) sink += agent.allocatableTo("eng/web").size;
        },
        OPS,
      ),
      row(
        "resources.toQuantities ops/s",
        () => {
          for (let i = 0; i < OPS; i++) sink += agent.toQuantities().size;
        },
        OPS,
      ),
      row(
        "quantities.add ops/s",
        () => {
          for (let i = 0; i < OPS; i++) sink += agentQ.add(taskQ).size;
        },
        OPS,
      ),
      row(
        "quantities.contains ops/s",
        () => {
          for (let i = 0; i < OPS; i++) if (agentQ.contains(taskQ)) sink++;
        },
        OPS,
      ),
      row(
        "quantities.subtract ops/s",
        () => {
          for (let i = 0; i < OPS; i++) sink += agentQ.subtract(taskQ).size;
        },
        OPS,
      ),
      row(
        "text parse ops/s",
        () => {
          for (let i = 0; i < OPS / 10; i++) sink += parse(AGENT_TEXT).size;
        },
        OPS / 10,
      ),
    ];
    if (sink === -1) rows.push({ name: "unreachable", value: 0, unit: "" });
    return rows;
  },
};
