// Small pieces the SDK's shells share: a logger interface (pino's `Logger` fits it) and a sleep
// that `stop()` can cut short.

/** The subset of pino's logger the SDK uses; the default logs nothing. */
export interface SdkLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const noop = () => {};
export const NO_LOG: SdkLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** Resolves after `delayMs`, or at once when `signal` aborts (never rejects). */
export function abortableSleep(delayMs: number, signal: AbortSignal): Promise<void> {
  if (delayMs <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, delayMs);
    signal.addEventListener("abort", done, { once: true });
  });
}
