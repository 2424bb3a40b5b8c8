// Proto enums the project keeps as a table of name → proto number (the number is what Mesos's
// v0 API and its logs show; the v1 JSON API speaks the names). The names for the runtime
// schema come from that one table, so the two can never disagree.

/** The enum's names in the table's order, typed as the non-empty tuple `protoEnum` takes. */
export function enumNames<K extends string>(
  numbers: Readonly<Record<K, number>>,
): readonly [K, ...K[]] {
  return Object.keys(numbers) as [K, ...K[]];
}
