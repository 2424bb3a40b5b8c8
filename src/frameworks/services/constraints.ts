// Marathon's placement constraints (reference §1.4): `[field, OPERATOR]` or
// `[field, OPERATOR, value]`, checked per offer against the agents the app's instances already
// occupy. Each operator is one small check returning ok or a reason a user can read (Nomad's
// feasibility checks, one rule per function).
//
// Field values: `hostname`/`@hostname` is the agent's host name, `@region`/`@zone` its fault
// domain, anything else an agent attribute rendered as Marathon renders it (scalars `0.###`,
// ranges `[b-e,...]`, sets `{a,b}`; src/resources' formatAttributeValue does exactly that).
// When the offer lacks the field only UNLIKE matches, as in Marathon.
import { type Attribute, formatAttributeValue } from "../../resources/attributes.ts";

export const CONSTRAINT_OPERATORS = [
  "UNIQUE",
  "CLUSTER",
  "GROUP_BY",
  "LIKE",
  "UNLIKE",
  "MAX_PER",
  "IS",
] as const;
export type ConstraintOperator = (typeof CONSTRAINT_OPERATORS)[number];

export interface Constraint {
  readonly field: string;
  readonly operator: ConstraintOperator;
  readonly value?: string;
}

/** What placement knows about an agent: from its offer, or remembered for a placed instance. */
export interface AgentFacts {
  readonly hostname: string;
  /** The agent's IP from the offer's URL: readiness checks reach host-networked tasks there. */
  readonly ip?: string;
  readonly attributes: readonly Attribute[];
  readonly region?: string;
  readonly zone?: string;
}

export type ConstraintCheck = { ok: true } | { ok: false; reason: string };

const OK: ConstraintCheck = { ok: true };

function isOperator(text: string): text is ConstraintOperator {
  return (CONSTRAINT_OPERATORS as readonly string[]).includes(text);
}

function isNonNegativeInt(text: string): boolean {
  return /^\d+$/.test(text) && Number.isSafeInteger(Number(text));
}

/** Java's `String.matches` is a full match; JS regexes are anchored here to behave the same. */
function fullMatch(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`, "u");
  } catch {
    return undefined;
  }
}

/**
 * Checks one constraint as given in an app definition (strings, after numbers were turned into
 * strings by normalisation). Returns the constraint or a message for the 422 details.
 */
export function parseConstraint(
  raw: readonly unknown[],
): { ok: true; constraint: Constraint } | { ok: false; message: string } {
  if (raw.length < 2 || raw.length > 3 || raw.some((x) => typeof x !== "string")) {
    return {
      ok: false,
      message: "Each constraint must be [field, operator] or [field, operator, value]",
    };
  }
  const [field, op, value] = raw as string[];
  if (field === undefined || field === "") return { ok: false, message: "Missing field" };
  if (op === undefined || !isOperator(op)) {
    return {
      ok: false,
      message: `Constraint operator must be one of ${CONSTRAINT_OPERATORS.join(", ")}`,
    };
  }
  const constraint: Constraint =
    value === undefined ? { field, operator: op } : { field, operator: op, value };
  switch (op) {
    case "UNIQUE":
      if (value !== undefined) return { ok: false, message: "Value specified but not used" };
      break;
    case "CLUSTER":
      if (value === "") return { ok: false, message: "Missing value" };
      break;
    case "GROUP_BY":
      if (value !== undefined && !isNonNegativeInt(value)) {
        return { ok: false, message: "Value was specified but is not a number" };
      }
      break;
    case "MAX_PER":
      if (value === undefined || !isNonNegativeInt(value)) {
        return { ok: false, message: "Value was not specified or is not a number" };
      }
      break;
    case "LIKE":
    case "UNLIKE":
      if (value === undefined)
        return { ok: false, message: "A regular expression value must be provided" };
      if (fullMatch(value) === undefined) {
        return { ok: false, message: `'${value}' is not a valid regular expression` };
      }
      break;
    case "IS":
      if (value === undefined || value === "") return { ok: false, message: "Missing value" };
      break;
  }
  return { ok: true, constraint };
}

/** The value of a constraint field on an agent, or undefined when the agent lacks it. */
export function fieldValue(field: string, agent: AgentFacts): string | undefined {
  switch (field) {
    case "hostname":
    case "@hostname":
      return agent.hostname;
    case "@region":
      return agent.region;
    case "@zone":
      return agent.zone;
    default: {
      const attribute = agent.attributes.find((a) => a.name === field);
      return attribute === undefined ? undefined : formatAttributeValue(attribute);
    }
  }
}

function describe(c: Constraint): string {
  return c.value === undefined ? `${c.field}:${c.operator}` : `${c.field}:${c.operator}:${c.value}`;
}

/** Counts placed instances per field value (instances whose agent lacks the field are skipped). */
function countByValue(field: string, placed: readonly AgentFacts[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const agent of placed) {
    const v = fieldValue(field, agent);
    if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return counts;
}

/**
 * Does `offered` satisfy `c`, given the agents of the app's placed instances? `placed` holds one
 * entry per instance (two instances on one host = two entries).
 */
export function checkConstraint(
  c: Constraint,
  offered: AgentFacts,
  placed: readonly AgentFacts[],
): ConstraintCheck {
  const value = fieldValue(c.field, offered);
  const reject = (why: string): ConstraintCheck => ({
    ok: false,
    reason: `${describe(c)}: ${why}`,
  });
  if (value === undefined) {
    return c.operator === "UNLIKE" ? OK : reject(`agent has no '${c.field}'`);
  }
  switch (c.operator) {
    case "UNIQUE":
      return countByValue(c.field, placed).has(value)
        ? reject(`an instance already runs where ${c.field}=${value}`)
        : OK;
    case "CLUSTER": {
      if (c.value !== undefined && c.value !== "") {
        return value === c.value ? OK : reject(`${c.field}=${value}, wanted ${c.value}`);
      }
      // Without a value the first placed instance decides the cluster for all others.
      const first = placed.find((a) => fieldValue(c.field, a) !== undefined);
      if (first === undefined) return OK;
      const wanted = fieldValue(c.field, first);
      return value === wanted ? OK : reject(`${c.field}=${value}, instances run on ${wanted}`);
    }
    case "GROUP_BY": {
      // Marathon: a value not used yet is always welcome; a used one only while at least N
      // groups exist and this group is one of the smallest.
      const minGroups = c.value === undefined ? 0 : Number(c.value);
      const counts = countByValue(c.field, placed);
      const mine = counts.get(value);
      if (mine === undefined) return OK;
      let smallest = Number.POSITIVE_INFINITY;
      for (const n of counts.values()) smallest = Math.min(smallest, n);
      if (counts.size < minGroups) {
        return reject(`${counts.size} of ${minGroups} groups used; waiting for a new ${c.field}`);
      }
      return mine === smallest
        ? OK
        : reject(`${c.field}=${value} has ${mine} instances, smallest group has ${smallest}`);
    }
    case "MAX_PER": {
      const max = Number(c.value);
      const n = countByValue(c.field, placed).get(value) ?? 0;
      return n < max ? OK : reject(`${n} instances already run where ${c.field}=${value}`);
    }
    case "LIKE":
      return fullMatch(c.value ?? "")?.test(value) === true
        ? OK
        : reject(`${c.field}=${value} does not match`);
    case "UNLIKE":
      return fullMatch(c.value ?? "")?.test(value) === true
        ? reject(`${c.field}=${value} matches`)
        : OK;
    case "IS":
      return value === c.value ? OK : reject(`${c.field}=${value}`);
  }
}

/** The first failing constraint's reason, or ok when all hold. */
export function checkConstraints(
  constraints: readonly Constraint[],
  offered: AgentFacts,
  placed: readonly AgentFacts[],
): ConstraintCheck {
  for (const c of constraints) {
    const result = checkConstraint(c, offered, placed);
    if (!result.ok) return result;
  }
  return OK;
}

/**
 * For scale-down: the instances to kill first so GROUP_BY/MAX_PER spreading stays even
 * (Marathon lets only GROUP_BY influence the kill choice). Returns indices into `placed`, most
 * over-represented group first; ties keep the given order.
 */
export function balancingKillOrder(
  constraints: readonly Constraint[],
  placed: readonly AgentFacts[],
): number[] {
  const groupBy = constraints.find((c) => c.operator === "GROUP_BY");
  const order = placed.map((_, i) => i);
  if (groupBy === undefined) return order;
  const counts = countByValue(groupBy.field, placed);
  const remaining = new Map(counts);
  const out: number[] = [];
  const left = new Set(order);
  while (left.size > 0) {
    let best: number | undefined;
    let bestCount = -1;
    for (const i of left) {
      const v = fieldValue(groupBy.field, placed[i] as AgentFacts);
      const n = v === undefined ? Number.MAX_SAFE_INTEGER : (remaining.get(v) ?? 0);
      if (n > bestCount) {
        best = i;
        bestCount = n;
      }
    }
    const pick = best as number;
    left.delete(pick);
    out.push(pick);
    const v = fieldValue(groupBy.field, placed[pick] as AgentFacts);
    if (v !== undefined) remaining.set(v, (remaining.get(v) ?? 1) - 1);
  }
  return out;
}
