// Invariant assertions: always on, cheap, and they throw (a broken invariant is a bug).

export class InvariantError extends Error {
  override name = "InvariantError";
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
