// Proto enums the project keeps as a table of name → proto number (the number is what Mesos's
// v0 API, its logs and the protobuf encoding carry; the v1 JSON API speaks the names). The
// names for the runtime schema come from that one table, so the two can never disagree.
import type { EnumTable } from "./proto-message.ts";

const tables = new WeakMap<readonly string[], EnumTable>();

/** The enum's names in the table's order, typed as the non-empty tuple `protoEnum` takes. */
export function enumNames<K extends string>(
  numbers: Readonly<Record<K, number>>,
): readonly [K, ...K[]] {
  const names = Object.keys(numbers) as [K, ...K[]];
  tables.set(names, numbers);
  return names;
}

/** The number table behind names made by `enumNames`, if they were. */
export function enumTableOf(names: readonly string[]): EnumTable | undefined {
  return tables.get(names);
}
