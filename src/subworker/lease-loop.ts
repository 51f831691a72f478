import type { Connection } from "../connection/connection.ts";
import type { Logger } from "../log.ts";
import type { Priority, ReplyOf } from "../protocol/index.ts";
import { encodeLease } from "./lease-frame.ts";
import type { TaskRunner } from "./runner.ts";

export type LoopEnd =
  | { reason: "reregister" }
  | { reason: "transport"; error: unknown }
  | { reason: "stopped" };

export interface LoopSession {
  connection: Connection;
  workerId: string;
  /** From welcome: the longest a lease may wait, and how often we must be heard from. */
  heartbeatMs: number;
  maxFrameBytes: number;
  log: Logger;
}

/**
 * The lease/report conversation of one registration.
 *
 * Normally exactly one lease or report is in flight. Whenever none is, the next one goes out
 * at once if there is anything to say: the outcomes finished so far, the ids still running,
 * and credits = the free slots, waiting up to heartbeatMs for work when there are credits.
 * Outcomes that finish meanwhile wait for the reply and go out together: a busy subworker pays
 * one round trip per batch, not per task. (Per-request CPU on both sides, not latency, is what
 * limits trivial tasks, so a second request in flight to overlap round trips was measured and
 * dropped: it only added requests.)
 *
 * A lease waiting at the control plane (its queue is empty) would hold results that finish
 * meanwhile for up to heartbeatMs. So then, and when draining starts, one newer request is
 * sent on a second REQ context: the control plane answers the waiting one at once (a newer
 * lease supersedes it), and the newer one carries the results. At most two are in flight
 * (three, for a moment, while a stop flushes a waiting lease: see finish()).
 *
 * With every slot taken but work prefetched and not started, a lease still waits, offering one
 * task that outranks that work (`overtake`): the pool hands it to the Worker, which runs it
 * next, so a more urgent task never waits behind prefetched ones.
 *
 * The heartbeat rides on these requests; when none has gone out for heartbeatMs (all slots
 * busy, nothing finished), a credit-less report says "still here" and renews the leases.
 */
export class LeaseLoop {
  readonly done: Promise<LoopEnd>;
  private resolveDone!: (end: LoopEnd) => void;
  private ended = false;
  private draining = false;
  private finishing = false;
  private inFlight = 0;
  private seq = 0;
  /**
   * Requests in flight that the control plane may hold (they offered credits). Tracked per
   * request: two requests sent close together may be handled in either order there, so the
   * newer one is not necessarily the one left waiting.
   */
  private readonly waiting = new Set<number>();
  private lastSentAt = 0;
  /**
   * An offer only to overtake that came back empty long before its wait was over, while it was
   * the only request in flight: a control plane that does not hold such leases (an older one).
   * The offer is then repeated only with the heartbeat, never in a tight loop.
   */
  private overtakeQuietUntil = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly session: LoopSession, private readonly runner: TaskRunner) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Decides whether to send now; cheap, called on every outcome and reply. */
  pump(): void {
    if (this.ended || this.finishing) return;
    if (this.inFlight === 0) {
      if (this.runner.hasOutcomes() || this.credits() > 0 || (this.overtake() !== undefined && Date.now() >= this.overtakeQuietUntil)) this.send();
      else this.armTimer();
      return;
    }
    if (this.inFlight === 1 && this.waiting.size === 1 && (this.runner.hasOutcomes() || this.draining)) this.send();
  }

  /** Stops asking for work (credits 0 from now on); outcomes keep being reported. */
  drain(): void {
    this.draining = true;
    this.pump();
  }

  /**
   * The end of a graceful stop: sends nothing more (what is left goes with bye), waits for the
   * requests in flight, and ends the loop. Resolves false if they are not answered within
   * timeoutMs: the control plane is not answering, and a bye would wait in vain too.
   * bye must not overtake a report: the control plane may handle two requests in either order,
   * and a report that arrives after bye is refused, its outcomes lost.
   */
  async finish(timeoutMs: number): Promise<boolean> {
    this.finishing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flushWaiting();
    const answered = this.inFlight === 0 || this.ended || (await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    }));
    this.end({ reason: "stopped" });
    return answered;
  }

  end(end: LoopEnd): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const wake of this.idleWaiters.splice(0)) wake();
    this.resolveDone(end);
  }

  private credits(): number {
    return this.draining ? 0 : this.runner.freeSlots();
  }

  /** With every slot taken: whether (and how urgent) a task may still come to overtake prefetched work. */
  private overtake(): Priority | undefined {
    return this.draining ? undefined : this.runner.overtakeLimit();
  }

  /** `flush`: a bare credit-less lease, only to make the control plane answer a waiting one (outcomes stay for bye). */
  private send(flush = false): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    // A superseded lease's credits are void at the control plane, so every request offers all free slots.
    const credits = flush ? 0 : this.credits();
    const overtake = flush || credits > 0 ? undefined : this.overtake();
    // A lease that only offers to take an overtaking task waits for one like any other.
    const waitMs = credits > 0 || overtake !== undefined ? this.session.heartbeatMs : 0;
    const { bytes, sent, rest } = encodeLease({
      workerId: this.session.workerId, outcomes: flush ? [] : this.runner.takeOutcomes(), running: flush ? [] : this.runner.runningIds(),
      credits, idle: flush ? 0 : Math.min(credits, this.runner.idleSlots()), overtake, waitMs,
      ...(flush ? {} : this.runner.activity.take()),
    }, this.session.maxFrameBytes);
    this.runner.putBack(rest);
    // Counted as reported once sent: a report that also waits for work is answered only later.
    this.runner.counters.reported += sent.length;
    this.runner.counters.requests++;
    const seq = ++this.seq;
    this.inFlight++;
    if (waitMs > 0) this.waiting.add(seq);
    const sentAt = (this.lastSentAt = Date.now());
    this.session.connection.call(bytes, "leased", waitMs).then(
      (reply) => {
        if (credits === 0 && overtake !== undefined) this.noteOvertakeReply(reply, sentAt);
        this.onReply(seq, reply, sent.length);
      },
      (error: unknown) => this.onFailure(error, sent.length),
    );
  }

  /** While finishing, every waiting lease in flight is flushed, however the control plane ordered our requests. */
  private flushWaiting(): void {
    if (this.waiting.size > 0 && this.inFlight === this.waiting.size) this.send(true);
  }

  private noteOvertakeReply(reply: ReplyOf<"leased">, sentAt: number): void {
    const alone = this.inFlight === 1;
    const empty = reply.tasks.length === 0 && !reply.cancel?.length && !reply.reregister;
    if (alone && empty && Date.now() - sentAt < this.session.heartbeatMs / 2) this.overtakeQuietUntil = sentAt + this.session.heartbeatMs;
  }

  private onReply(seq: number, reply: ReplyOf<"leased">, reported: number): void {
    // A reply from before this registration ended: the control plane re-queued those tasks.
    if (this.ended) return;
    this.inFlight--;
    this.waiting.delete(seq);
    if (reply.reregister) {
      this.unreported(reported);
      this.end({ reason: "reregister" });
      return;
    }
    if (reply.cancel && reply.cancel.length > 0) this.runner.cancel(reply.cancel);
    if (reply.tasks.length > 0) this.runner.start(reply.tasks);
    if (this.finishing) this.flushWaiting();
    if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    this.pump();
  }

  private onFailure(error: unknown, sent: number): void {
    if (this.ended) return;
    this.unreported(sent);
    this.end({ reason: "transport", error });
  }

  /** Outcomes of a report the control plane did not take (it forgot us, or never got it). */
  private unreported(count: number): void {
    this.runner.counters.reported -= count;
    this.runner.counters.dropped += count;
  }

  /** Nothing to send now: wake up for the heartbeat. (New capacity, outcomes and replies call pump() themselves.) */
  private armTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.ended && !this.finishing && this.inFlight === 0) this.send();
    }, Math.max(0, this.lastSentAt + this.session.heartbeatMs - Date.now()));
  }
}
