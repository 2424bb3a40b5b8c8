// A virtualized, sortable, filterable table: only the rows in view (plus a few either side)
// are in the DOM, so 100,000 tasks cost as much to render as 40 (scrolling is the paging).
// Rows have one fixed height, which is what makes the visible range a division instead of a
// measurement.
import { type ComponentChild, h } from "preact";
import { useState } from "preact/hooks";

const ROW_HEIGHT_PX = 26;
/** Rows rendered beyond each edge of the view, so a fast scroll shows no blank band. */
const OVERSCAN_ROWS = 10;

export interface Column<T> {
  readonly title: string;
  readonly cell: (row: T) => ComponentChild;
  /** What the column sorts by; unsortable without one. */
  readonly sort?: (row: T) => string | number;
  readonly width?: string;
}

export interface TableProps<T> {
  readonly rows: readonly T[];
  readonly columns: readonly Column<T>[];
  readonly rowKey: (row: T) => string;
  readonly onRowClick?: (row: T) => void;
  readonly heightPx?: number;
  readonly testId: string;
  /** What to say when there are no rows: what the user can do about it. */
  readonly empty: string;
  /** The text a row is found by; with it the table has a filter box above it. */
  readonly search?: (row: T) => string;
}

/** A filter box above a table; `note` follows it (how many rows match). */
export function filterBox(
  value: string,
  set: (value: string) => void,
  placeholder: string,
  testId: string,
  note: ComponentChild = null,
): ComponentChild {
  return h(
    "div",
    { class: "filters" },
    h("input", {
      type: "search",
      placeholder,
      value,
      "data-testid": testId,
      onInput: (e: Event) => set((e.currentTarget as HTMLInputElement).value),
    }),
    note,
  );
}

export function Table<T>(props: TableProps<T>): ComponentChild {
  const [scrollTop, setScrollTop] = useState(0);
  const [sortBy, setSortBy] = useState<{ column: number; descending: boolean } | undefined>();
  const [needle, setNeedle] = useState("");
  const height = props.heightPx ?? 560;
  let rows = props.rows;
  const find = needle.trim().toLowerCase();
  const search = props.search;
  if (search !== undefined && find !== "")
    rows = rows.filter((r) => search(r).toLowerCase().includes(find));
  const sortColumn = sortBy === undefined ? undefined : props.columns[sortBy.column];
  if (sortBy !== undefined && sortColumn?.sort !== undefined) {
    const key = sortColumn.sort;
    const sign = sortBy.descending ? -1 : 1;
    rows = [...rows].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return x < y ? -sign : x > y ? sign : 0;
    });
  }
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT_PX) - OVERSCAN_ROWS);
  const last = Math.min(
    rows.length,
    Math.ceil((scrollTop + height) / ROW_HEIGHT_PX) + OVERSCAN_ROWS,
  );
  const template = props.columns.map((c) => c.width ?? "1fr").join(" ");
  const header = h(
    "div",
    { class: "trow thead", style: { gridTemplateColumns: template } },
    props.columns.map((c, i) =>
      h(
        "div",
        {
          class: c.sort === undefined ? "th" : "th sortable",
          onClick: () =>
            c.sort !== undefined &&
            setSortBy({ column: i, descending: sortBy?.column === i && !sortBy.descending }),
        },
        c.title,
        sortBy?.column === i ? (sortBy.descending ? " ▼" : " ▲") : "",
      ),
    ),
  );
  const visible: ComponentChild[] = [];
  for (let i = first; i < last; i++) {
    const row = rows[i]!;
    visible.push(
      h(
        "div",
        {
          key: props.rowKey(row),
          class: props.onRowClick === undefined ? "trow" : "trow clickable",
          "data-key": props.rowKey(row),
          style: { top: `${i * ROW_HEIGHT_PX}px`, gridTemplateColumns: template },
          onClick: props.onRowClick === undefined ? undefined : () => props.onRowClick?.(row),
        },
        props.columns.map((c) => h("div", { class: "td" }, c.cell(row))),
      ),
    );
  }
  const filter =
    search === undefined
      ? null
      : filterBox(
          needle,
          setNeedle,
          "filter",
          `${props.testId}-filter`,
          find === "" ? null : ` ${rows.length} of ${props.rows.length}`,
        );
  return h(
    "div",
    { class: "table", "data-testid": props.testId, "data-rows": String(rows.length) },
    filter,
    header,
    rows.length === 0
      ? h(
          "div",
          { class: "empty" },
          props.rows.length > 0 ? "No row matches the filter." : props.empty,
        )
      : h(
          "div",
          {
            class: "tbody",
            style: { height: `${Math.min(height, rows.length * ROW_HEIGHT_PX + 2)}px` },
            onScroll: (e: Event) => setScrollTop((e.currentTarget as HTMLElement).scrollTop),
          },
          h(
            "div",
            { style: { height: `${rows.length * ROW_HEIGHT_PX}px`, position: "relative" } },
            visible,
          ),
        ),
  );
}
