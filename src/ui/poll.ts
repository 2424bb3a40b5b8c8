// What the framework pages (services, jobs) share: the relay path of a framework's own API,
// and a hook that re-reads it every interval while the page is open (the relay carries no
// streams).
import { useEffect, useState } from "preact/hooks";
import type { Framework } from "./model.ts";

/** The master's relay to the framework's webui_url API (src/master/http/framework-proxy.ts). */
export function frameworkBase(framework: Framework | undefined): string {
  const id = framework?.framework_info.id?.value;
  return id === undefined ? "" : `/framework-api/${encodeURIComponent(id)}`;
}

/** Loads at once, then every `intervalMs`, and again whenever `deps` change; "" base: nothing. */
export function usePolled<T>(
  base: string,
  load: () => Promise<T>,
  deps: readonly unknown[],
  intervalMs: number,
): { value: T | undefined; error: string } {
  const [value, setValue] = useState<T | undefined>();
  const [error, setError] = useState("");
  useEffect(() => {
    if (base === "") return;
    let stopped = false;
    const run = () =>
      load().then(
        (v) => {
          if (stopped) return;
          setValue(v);
          setError("");
        },
        (e: unknown) => !stopped && setError(String(e)),
      );
    void run();
    const timer = setInterval(run, intervalMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [base, ...deps]);
  return { value, error };
}
