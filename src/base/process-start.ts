// What starting the master or the agent takes and throws, alike: flags by Mesos name with the
// environment's TESSERA_<FLAG> variables, and an error for a bad start (a flag, the checkpoint,
// the store) that the CLI prints as one line naming the flag where there is one. Each process
// names its own subclass, so that a caller starting both can tell them apart.

export interface ProcessStartOptions {
  /** Flag values by Mesos name (`work_dir`, `port`, ...), as on the command line. */
  flags?: Readonly<Record<string, string | boolean | undefined>>;
  /** Environment for `TESSERA_<FLAG>` variables (default: none; the CLI passes process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

export class StartError extends Error {
  /** The flag (by Mesos name) the message is about, if one is. */
  readonly flag: string | undefined;

  constructor(message: string, flag?: string) {
    super(message);
    this.name = new.target.name;
    this.flag = flag;
  }
}
