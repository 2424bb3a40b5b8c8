// The rule for a role's weight (reference §6, Mesos's docs/weights.md): a positive, finite
// number. The allocator applies weights, so the rule lives here; the operator API and the
// --weights flag check input with it at the edge, the registry with it on every operation, and
// the master core asserts the allocator took what they let through.

/** Why `weight` is not a weight (the message the operator API answers 400 with), if it is not. */
export function weightError(weight: number): string | undefined {
  if (Number.isFinite(weight) && weight > 0) return undefined;
  return `Invalid weight '${weight}': weights must be positive`;
}
