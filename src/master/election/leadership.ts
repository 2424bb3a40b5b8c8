// A master's side of the election (reference §5.8, §7): it contends, follows who leads, and turns
// the contender's events into "start acting" / "stop acting" for the master shell, plus the
// LeadershipView the leader guard and /master/redirect read.
//
// On `lost` the master stops acting AT ONCE (the listener returns only after `stepDown`), then
// exits: `stepDown` ends the process's leadership for good and the shell closes the master, as
// Mesos's master does (it aborts when its ZooKeeper session expires or another master leads).
// docs/ha.md says why Tessera chose exiting over rejoining as a standby.
import type { LeadershipView } from "../../http/leader.ts";
import type { MasterInfo } from "../../wire/framework.ts";
import type { LeaderDetector } from "../../zk/leader-detector.ts";
import type { LeaderContender, LostReason } from "./election.ts";

export type LeadershipPhase =
  /** Registered (or registering) as a candidate; someone else leads, or nobody yet. */
  | "standby"
  /** Elected; recovering the registry, not yet acting. */
  | "elected"
  /** Acting as the leading master. */
  | "leading"
  /** Lost leadership (or could not take it up); never leads again in this process. */
  | "stepped_down";

/** One step of this master's leadership, with the wall-clock time it happened. */
export interface LeadershipRecord {
  readonly phase: LeadershipPhase;
  readonly atMs: number;
  readonly reason?: string;
}

export interface LeadershipHooks {
  /** Elected: recover the registry and start acting. Rejecting means this master cannot lead. */
  lead(): Promise<void>;
  /** Stop acting as leader before returning (no timers, no writes, no answers as leader). */
  stepDown(reason: LostReason | "cannot_lead", message: string): void;
}

export interface MasterLeadershipOptions {
  self: MasterInfo;
  contender: LeaderContender;
  /** Who leads when this master does not; undefined = standalone (no other master exists). */
  detector?: LeaderDetector;
  hooks: LeadershipHooks;
  /** Recovery finished (the registry is loaded): checked on every request while leading. */
  recovered: () => boolean;
  nowMs?: () => number;
}

export class MasterLeadership {
  readonly #options: MasterLeadershipOptions;
  readonly #records: LeadershipRecord[] = [];
  #phase: LeadershipPhase = "standby";
  #leader: MasterInfo | undefined;
  #offDetector: (() => void) | undefined;
  /** Resolves once this master acts as leader, or rejects if it never will. */
  readonly acting: Promise<void>;
  #resolveActing: () => void = () => {};
  #rejectActing: (error: Error) => void = () => {};

  constructor(options: MasterLeadershipOptions) {
    this.#options = options;
    this.acting = new Promise<void>((resolve, reject) => {
      this.#resolveActing = resolve;
      this.#rejectActing = reject;
    });
    // Nobody has to await it (a standby may never lead); rejection is reported through hooks.
    this.acting.catch(() => undefined);
  }

  get phase(): LeadershipPhase {
    return this.#phase;
  }

  get records(): readonly LeadershipRecord[] {
    return this.#records;
  }

  /** The view for the leader guard. A master never redirects to itself. */
  view(): LeadershipView {
    if (this.#phase === "leading") return { kind: "leading", recovered: this.#options.recovered() };
    if (this.#phase === "elected") return { kind: "leading", recovered: false };
    const leader = this.#leader;
    if (leader === undefined || leader.id === this.#options.self.id) return { kind: "no_leader" };
    return {
      kind: "following",
      leader: {
        hostname: leader.address?.hostname ?? leader.hostname ?? leader.address?.ip ?? "",
        port: leader.address?.port ?? leader.port,
      },
    };
  }

  start(): void {
    const detector = this.#options.detector;
    if (detector !== undefined) {
      this.#offDetector = detector.onChange((leader) => {
        this.#leader = leader;
      });
      this.#leader = detector.current();
    }
    this.#record("standby");
    this.#options.contender.contend((event) => {
      switch (event.type) {
        case "standby":
          return;
        case "elected":
          this.#elected();
          return;
        case "lost":
          this.#stepDown(event.reason, event.message);
          return;
      }
    });
  }

  /** Gives up the candidacy (a leader steps down first) and stops following. */
  async close(): Promise<void> {
    this.#offDetector?.();
    this.#offDetector = undefined;
    if (this.#phase !== "stepped_down") this.#stepDown("withdrawn", "the master is closing");
    await this.#options.contender.withdraw();
    await this.#options.detector?.close();
  }

  #elected(): void {
    if (this.#phase !== "standby") return;
    this.#phase = "elected";
    this.#record("elected");
    this.#options.hooks.lead().then(
      () => {
        if (this.#phase !== "elected") return; // lost while recovering: stepDown ran already
        this.#phase = "leading";
        this.#record("leading");
        this.#resolveActing();
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.#stepDown("cannot_lead", message, error);
      },
    );
  }

  /** `cause`: what made `lead` fail; `acting` rejects with it, so callers see the real error. */
  #stepDown(reason: LostReason | "cannot_lead", message: string, cause?: unknown): void {
    if (this.#phase === "stepped_down") return;
    const wasLeader = this.#phase !== "standby";
    this.#phase = "stepped_down";
    this.#leader = undefined;
    if (wasLeader || reason === "cannot_lead") this.#options.hooks.stepDown(reason, message);
    this.#record("stepped_down", `${reason}: ${message}`);
    // A contender re-contends after a loss (standbys keep their place that way); a master that
    // stepped down exits instead, so its next candidacy is withdrawn at once.
    void this.#options.contender.withdraw();
    this.#rejectActing(cause instanceof Error ? cause : new Error(`${reason}: ${message}`));
  }

  #record(phase: LeadershipPhase, reason?: string): void {
    const atMs = (this.#options.nowMs ?? Date.now)();
    this.#records.push(reason === undefined ? { phase, atMs } : { phase, atMs, reason });
  }
}
