// The one invariant assertion of the project: always on, cheap, and it throws (a broken
// invariant is a bug, so it crashes loudly instead of returning an error value).

export class InvariantError extends Error {
  override name = "InvariantError";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
