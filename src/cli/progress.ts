/**
 * A one-line progress bar for `submit --count`: done/total, failures, completion rate and time
 * left. It draws only when its stream (stderr) is a terminal; elsewhere it stays silent so
 * logs and pipes get the summary line alone.
 */
export class ProgressBar {
  private done = 0;
  private failed = 0;
  private readonly startedAt = performance.now();
  private timer: ReturnType<typeof setInterval> | undefined;

  /**
   * `waiting` says how many tasks the client holds back because the control plane's queue is full
   * (E_QUEUE_FULL): the bar says so, or a stalled count would look like a hang.
   */
  constructor(
    private readonly total: number, private readonly write: (text: string) => void, private readonly enabled: boolean,
    private readonly waiting: () => number = () => 0,
  ) {}

  start(): void {
    if (this.enabled) this.timer = setInterval(() => this.draw(), 100);
  }

  tick(ok: boolean): void {
    this.done++;
    if (!ok) this.failed++;
  }

  get counts(): { done: number; failed: number } {
    return { done: this.done, failed: this.failed };
  }

  finish(): void {
    clearInterval(this.timer);
    if (!this.enabled) return;
    this.draw();
    this.write("\n");
  }

  /** The bar's text, for the current counts and `elapsedMs` since start. */
  render(elapsedMs: number): string {
    const width = 30;
    const filled = Math.round((this.done / this.total) * width);
    const rate = elapsedMs > 0 ? (this.done * 1000) / elapsedMs : 0;
    const left = this.total - this.done;
    const eta = this.done === 0 ? "--" : left === 0 ? "0s" : formatSeconds(left / rate);
    const failures = this.failed ? ` (${this.failed} failed)` : "";
    const held = this.waiting();
    const waiting = held > 0 ? ` waiting (queue full): ${held} to submit` : "";
    return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${this.done}/${this.total}${failures} ${rate.toFixed(rate < 10 ? 1 : 0)}/s ETA ${eta}${waiting}`;
  }

  private draw(): void {
    // \x1b[K clears what a longer previous line left behind.
    this.write(`\r${this.render(performance.now() - this.startedAt)}\x1b[K`);
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "--";
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.ceil(s % 60)).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
