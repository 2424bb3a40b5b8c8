// The exit code of `tessera run` from the task's terminal status, as a shell reports a child:
// the command's own status for "Command exited with status N", 128 + the signal number for
// "Command terminated with signal <name>" (the built-in command executor's messages, reference
// §3.5, using strsignal's names), 137 (SIGKILL) for a kill with no signal named, and 1 for every
// way a task ends without its command's verdict (TASK_LOST, TASK_ERROR, TASK_DROPPED, ...).
import { constants } from "node:os";

export const EXIT_KILLED_DEFAULT = 128 + 9;

// strsignal(3) descriptions the command executor writes, by signal name.
const DESCRIPTIONS: Readonly<Record<string, string>> = {
  Hangup: "SIGHUP",
  Interrupt: "SIGINT",
  Quit: "SIGQUIT",
  "Illegal instruction": "SIGILL",
  Aborted: "SIGABRT",
  "Bus error": "SIGBUS",
  "Floating point exception": "SIGFPE",
  Killed: "SIGKILL",
  "User defined signal 1": "SIGUSR1",
  "Segmentation fault": "SIGSEGV",
  "User defined signal 2": "SIGUSR2",
  "Broken pipe": "SIGPIPE",
  Terminated: "SIGTERM",
};

/** The number of a signal given as `Terminated`, `SIGTERM`, `TERM` or `15`. */
export function signalNumber(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const name = DESCRIPTIONS[t] ?? (t.startsWith("SIG") ? t : `SIG${t}`);
  return (constants.signals as Record<string, number | undefined>)[name];
}

export interface TerminalStatus {
  readonly state: string;
  readonly message?: string | undefined;
}

export function exitCodeOf(status: TerminalStatus): number {
  const message = status.message ?? "";
  const exited = /exited with status (\d+)/.exec(message);
  const signalled = /terminated with signal (.+)$/.exec(message);
  switch (status.state) {
    case "TASK_FINISHED":
      return 0;
    case "TASK_FAILED":
      if (exited !== null) return Number(exited[1]);
      if (signalled !== null) return 128 + (signalNumber(signalled[1] as string) ?? 9);
      return 1;
    case "TASK_KILLED":
      if (signalled !== null) return 128 + (signalNumber(signalled[1] as string) ?? 9);
      return EXIT_KILLED_DEFAULT;
    default:
      return 1;
  }
}
