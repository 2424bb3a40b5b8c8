// Equality of values kept in a normal form as flat arrays (ranges, sets): a value has exactly
// one normal form, so two values are equal when their arrays are, element by element.

export function arraysEqual<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
