// The one error startAgent throws for a bad start (a flag, the checkpoint, the containerizer):
// the CLI prints its message as one line, naming the flag where there is one.
export class AgentStartError extends Error {
  readonly flag: string | undefined;
  constructor(message: string, flag?: string) {
    super(message);
    this.name = "AgentStartError";
    this.flag = flag;
  }
}
