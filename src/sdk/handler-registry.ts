// Typed event handlers for the SDK's clients: handlers of one kind run in the order added, and
// each is awaited before the next, so a client delivers events one at a time, in order.

// biome-ignore lint/suspicious/noExplicitAny: handler maps are checked by their own interfaces.
export type AnyHandlers = { [K in string]: (arg: any) => void | Promise<void> };

export class HandlerRegistry<H extends AnyHandlers> {
  private readonly handlers = new Map<keyof H, H[keyof H][]>();
  /** Told when a handler throws (the clients log it). */
  onHandlerError: (kind: string, error: unknown) => void = () => {};

  add<K extends keyof H>(kind: K, handler: H[K]): void {
    const list = this.handlers.get(kind) ?? [];
    list.push(handler);
    this.handlers.set(kind, list);
  }

  /** Runs the handlers in order; false when one threw (an update is then not acknowledged). */
  async emit<K extends keyof H>(kind: K, arg: Parameters<H[K]>[0]): Promise<boolean> {
    let ok = true;
    for (const handler of this.handlers.get(kind) ?? []) {
      try {
        await handler(arg);
      } catch (error) {
        ok = false;
        this.onHandlerError(String(kind), error);
      }
    }
    return ok;
  }
}
