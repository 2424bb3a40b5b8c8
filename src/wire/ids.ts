// IDs and small shared messages of mesos.proto (reference §2.1), plus the ID and role name
// checks Mesos applies to them (§0.4).
import { z } from "zod";
import { double, int32, int64, repeated, str } from "./json.ts";
import { message } from "./proto-message.ts";

const idMessage = () => message({ value: str }, { value: 1 });

export const FrameworkID = idMessage();
export type FrameworkID = z.output<typeof FrameworkID>;
export const OfferID = idMessage();
export type OfferID = z.output<typeof OfferID>;
export const AgentID = idMessage();
export type AgentID = z.output<typeof AgentID>;
export const TaskID = idMessage();
export type TaskID = z.output<typeof TaskID>;
export const ExecutorID = idMessage();
export type ExecutorID = z.output<typeof ExecutorID>;
export const ResourceProviderID = idMessage();
export type ResourceProviderID = z.output<typeof ResourceProviderID>;
export const OperationID = idMessage();
export type OperationID = z.output<typeof OperationID>;

/** A container's id; nested containers point at their parent (sandbox `containers/<child>`). */
export type ContainerID = { value: string; parent?: ContainerID | undefined };
export const ContainerID: z.ZodType<ContainerID> = message(
  {
    value: str,
    get parent() {
      return ContainerID.optional();
    },
  },
  { value: 1, parent: 2 },
);

/** `UUID { value: bytes }`: 16 raw bytes, base64 on the wire (Operation/OperationStatus). */
export const UUID = message(
  { value: z.string().refine(isUuidBytes, "expected 16 base64 bytes") },
  { value: [1, "bytes"] },
);
export type UUID = z.output<typeof UUID>;

/**
 * A signed 64-bit count of nanoseconds. json.ts's `int64` stops at 2^53 (about 104 days in
 * nanoseconds), but TimeInfo carries epoch times (~1.7e18 ns), so this accepts the whole int64
 * range; beyond 2^53 the value is rounded to the nearest double (a few hundred ns at most).
 */
export const nanoseconds = z
  .union(
    [
      z.number(),
      z
        .string()
        .regex(/^-?\d+$/)
        .transform(Number),
    ],
    {
      error: "expected an integer",
    },
  )
  .pipe(
    z
      .number()
      .refine((n) => Number.isInteger(n) && Math.abs(n) <= 2 ** 63, "expected a 64-bit integer"),
  );

export const TimeInfo = message({ nanoseconds }, { nanoseconds: 1 });
export type TimeInfo = z.output<typeof TimeInfo>;

export const DurationInfo = message({ nanoseconds }, { nanoseconds: 1 });
export type DurationInfo = z.output<typeof DurationInfo>;

/**
 * google.protobuf.Duration, which Mesos's JSON treats as an ordinary message
 * (`{"seconds": 600, "nanos": 0}`), not proto3's "600s" string (§10: DRAIN_AGENT).
 */
export const Duration = message(
  { seconds: int64.optional(), nanos: int32.optional() },
  { seconds: 1, nanos: 2 },
);
export type Duration = z.output<typeof Duration>;

export const Label = message({ key: str, value: str.optional() }, { key: 1, value: 2 });
export type Label = z.output<typeof Label>;
export const Labels = message({ labels: repeated(Label) }, { labels: 1 });
export type Labels = z.output<typeof Labels>;

export const Parameter = message({ key: str, value: str }, { key: 1, value: 2 });
export type Parameter = z.output<typeof Parameter>;
export const Parameters = message({ parameter: repeated(Parameter) }, { parameter: 1 });
export type Parameters = z.output<typeof Parameters>;

export const Address = message(
  {
    hostname: str.optional(),
    ip: str.optional(),
    port: int32,
  },
  { hostname: 1, ip: 2, port: 3 },
);
export type Address = z.output<typeof Address>;

export const URL = message(
  {
    scheme: str,
    address: Address,
    path: str.optional(),
    query: repeated(Parameter),
    fragment: str.optional(),
  },
  { scheme: 1, address: 2, path: 3, query: 4, fragment: 5 },
);
export type URL = z.output<typeof URL>;

/**
 * Offer filters sent with DECLINE/ACCEPT. The master later caps the value and treats invalid
 * ones as the default; the schema only carries it (default 5 s, always emitted).
 */
export const Filters = message({ refuse_seconds: double.default(5.0) }, { refuse_seconds: 1 });
export type Filters = z.output<typeof Filters>;

/** Linux NAME_MAX: the longest ID Mesos accepts (IDs become path components). */
export const ID_MAX_LENGTH = 255;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Mesos's `common::validation::validateID` for task, executor, framework and agent IDs:
 * they become sandbox path components, so they must be safe file names.
 */
export function validateId(value: string): string | undefined {
  if (value.length === 0) return "ID must not be empty";
  if (value.length > ID_MAX_LENGTH) {
    return `ID must not be greater than ${ID_MAX_LENGTH} characters`;
  }
  if (value === "." || value === "..") return `'${value}' is disallowed`;
  if (CONTROL_CHARS.test(value)) return `ID '${value}' contains control characters`;
  if (value.includes("/") || value.includes("\\")) {
    return `ID '${value}' contains invalid characters '/' or '\\'`;
  }
  return undefined;
}

// Whitespace and backspace, which Mesos's `roles::validate` forbids in a role component.
// biome-ignore lint/suspicious/noControlCharactersInRegex: backspace and whitespace are what we reject
const ROLE_FORBIDDEN_CHARS = /[\u0008\t\n\u000b\f\r ]/;

/**
 * Mesos's `roles::validate`: `*`, or a `/`-separated path of components that are not
 * `.`, `..` or `*`, do not start with `-` and hold no whitespace or backspace.
 */
export function validateRole(name: string): string | undefined {
  if (name === "*") return undefined;
  if (name.length === 0) return "Empty role name is invalid";
  if (name.startsWith("/")) return `Role '${name}' cannot start with a slash`;
  if (name.endsWith("/")) return `Role '${name}' cannot end with a slash`;
  if (name.includes("//")) return `Role '${name}' cannot contain two adjacent slashes`;
  for (const component of name.split("/")) {
    if (component === "." || component === ".." || component === "*") {
      return `Role '${name}' cannot include '${component}' as a path component`;
    }
    if (component.startsWith("-")) {
      return `Role component '${component}' is invalid because it starts with a dash`;
    }
    if (ROLE_FORBIDDEN_CHARS.test(component)) {
      return `Role component '${component}' is invalid because it contains backspace or whitespace`;
    }
  }
  return undefined;
}

const UUID_BASE64 = /^[A-Za-z0-9+/]{21}[AQgw]==$/;

/** True when `base64` is standard padded base64 of exactly 16 bytes (a raw UUID). */
export function isUuidBytes(base64: string): boolean {
  return UUID_BASE64.test(base64);
}
