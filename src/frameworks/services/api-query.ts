// Query-string helpers of the services API: `/v2/events?event_type=` filters and Marathon's
// label selectors for `GET /v2/apps?label=`.

/** The event types a `/v2/events` client asked for; undefined = all. */
export function eventFilter(q: URLSearchParams): ReadonlySet<string> | undefined {
  const types = q.getAll("event_type");
  return types.length === 0 ? undefined : new Set(types);
}

/** Marathon's label selector subset: `k`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, comma = AND. */
export function matchesLabelSelector(selector: string, labels: Record<string, string>): boolean {
  const terms = selector
    .split(/,(?![^()]*\))/)
    .map((t) => t.trim())
    .filter((t) => t !== "");
  return terms.every((term) => {
    const set = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
    if (set !== null) {
      const values = (set[3] as string).split(",").map((s) => s.trim());
      const v = labels[set[1] as string];
      return set[2] === "in"
        ? v !== undefined && values.includes(v)
        : v === undefined || !values.includes(v);
    }
    const ne = /^(.+?)!=(.*)$/.exec(term);
    if (ne !== null) return labels[(ne[1] as string).trim()] !== (ne[2] as string).trim();
    const eq = /^(.+?)==(.*)$/.exec(term);
    if (eq !== null) return labels[(eq[1] as string).trim()] === (eq[2] as string).trim();
    return term in labels;
  });
}
