// Fixed-point scalars (reference §0.5). Mesos stores `Value.Scalar` as a double but does all
// arithmetic and comparison on `llround(value * 1000)`: three decimal digits, so that
// 0.1 + 0.2 == 0.3 exactly and 0.0004 rounds to 0. We keep the integer thousandths ("milli")
// everywhere in the domain and convert to a double only at the wire edge.

/** A scalar amount in integer thousandths (e.g. 1.5 cpus = 1500). */
export type Milli = number;

export const MILLI_PER_UNIT = 1000;

/**
 * The largest scalar the fixed-point domain holds exactly: its thousandths must be a safe
 * integer. A double above it (`1e308` is valid JSON) is refused where it enters, as an invalid
 * resource, never left to fail an assertion deep in the arithmetic.
 */
export const MAX_SCALAR_VALUE = Math.floor(Number.MAX_SAFE_INTEGER / MILLI_PER_UNIT);

/** Whether a double is finite and within +-MAX_SCALAR_VALUE (what `toMilli` can represent). */
export function scalarInRange(value: number): boolean {
  return Number.isFinite(value) && Math.abs(value) <= MAX_SCALAR_VALUE;
}

/** Converts a double to thousandths the way Mesos does: llround(value * 1000), halves away from 0. */
export function toMilli(value: number): Milli {
  if (!Number.isFinite(value)) {
    throw new RangeError(`scalar value must be finite, got ${value}`);
  }
  const scaled = value * MILLI_PER_UNIT;
  // llround rounds halves away from zero; Math.round rounds them towards +Infinity.
  const rounded = scaled < 0 ? -Math.round(-scaled) : Math.round(scaled);
  return rounded === 0 ? 0 : rounded; // never -0
}

/** Converts thousandths back to a double (what Mesos puts on the wire). */
export function fromMilli(milli: Milli): number {
  return milli / MILLI_PER_UNIT;
}

/** Rounds a double to Mesos's 3-decimal precision (as Mesos does before emitting it). */
export function roundScalar(value: number): number {
  return fromMilli(toMilli(value));
}

/**
 * Formats thousandths as the shortest decimal with at most 3 digits after the point:
 * 24000 -> "24", 1500 -> "1.5", 1 -> "0.001". Mesos prints scalars in resource strings with
 * the same 3-digit fixed precision and no trailing zeros.
 */
export function formatMilli(milli: Milli): string {
  const negative = milli < 0;
  const abs = negative ? -milli : milli;
  const whole = Math.floor(abs / MILLI_PER_UNIT);
  const frac = abs - whole * MILLI_PER_UNIT;
  let text = String(whole);
  if (frac !== 0) {
    text += `.${String(frac).padStart(3, "0").replace(/0+$/, "")}`;
  }
  return negative ? `-${text}` : text;
}

const SCALAR_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Parses a decimal string into thousandths; undefined when the text is not a number. */
export function parseMilli(text: string): Milli | undefined {
  const trimmed = text.trim();
  if (!SCALAR_TEXT.test(trimmed)) return undefined;
  const value = Number(trimmed);
  if (!scalarInRange(value)) return undefined;
  return toMilli(value);
}
