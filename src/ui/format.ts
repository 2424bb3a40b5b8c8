// Number and resource formatting shared by the pages.
import type { Amounts, Resource } from "./model.ts";

export function fmt(value: number, digits = 1): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

/** Megabytes as a person reads them (`512 MB`, `3.5 GB`). */
export function mb(value: number): string {
  return value >= 1024 ? `${fmt(value / 1024)} GB` : `${fmt(value, 0)} MB`;
}

export function amount(name: keyof Amounts, value: number): string {
  return name === "mem" || name === "disk" ? mb(value) : fmt(value, 2);
}

export function scalar(list: readonly Resource[] | undefined, name: string): number {
  let sum = 0;
  for (const r of list ?? []) if (r.name === name && r.scalar !== undefined) sum += r.scalar.value;
  return sum;
}

export function shortState(state: string): string {
  return state.replace(/^TASK_/, "");
}

export function time(seconds: number | undefined): string {
  return seconds === undefined
    ? ""
    : new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19);
}
