import type { RunControl } from '../engine/experiment/runner';

/**
 * Pause / resume / stop for one run. The runner asks between steps; `waitWhilePaused` also
 * yields one macrotask so that pause and stop messages from the page are handled even when a
 * step never awaited anything that leaves the microtask queue.
 */
export class PausableControl implements RunControl {
  private paused = false;
  private stopRequested = false;
  private wake: (() => void) | null = null;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  stop(): void {
    this.stopRequested = true;
    this.resume();
  }

  stopped(): boolean {
    return this.stopRequested;
  }

  async waitWhilePaused(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (this.paused && !this.stopRequested) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
  }
}
