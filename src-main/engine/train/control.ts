/**
 * Cancel / pause / resume for a training run, checked at every batch boundary.
 *
 * The worker owning the run creates one `TrainingControl` and calls `cancel()`,
 * `pause()`, `resume()` when the contract's messages arrive (the training loop yields
 * to the event loop between batches so those messages are handled). An `AbortSignal`
 * can be linked too: aborting it cancels the run.
 */
export class TrainingControl {
  private cancelledFlag = false;
  private pausedFlag = false;
  private waiters: Array<() => void> = [];

  constructor(signal?: { aborted: boolean; addEventListener?(type: 'abort', fn: () => void): void }) {
    if (signal) {
      if (signal.aborted) this.cancelledFlag = true;
      signal.addEventListener?.('abort', () => this.cancel());
    }
  }

  get cancelled(): boolean {
    return this.cancelledFlag;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  cancel(): void {
    this.cancelledFlag = true;
    this.release();
  }

  pause(): void {
    if (!this.cancelledFlag) this.pausedFlag = true;
  }

  resume(): void {
    this.pausedFlag = false;
    this.release();
  }

  /** Resolves immediately unless paused; then when resumed or cancelled. */
  waitWhilePaused(): Promise<void> {
    if (!this.pausedFlag || this.cancelledFlag) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
