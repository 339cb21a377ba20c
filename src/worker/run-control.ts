import type { RunControl } from '../engine/experiment/runner';
import type { TrainingFault } from '../engine/experiment/faults';

/**
 * Pause / resume / stop for one run. The runner asks between steps; `waitWhilePaused` also
 * yields one macrotask so that pause and stop messages from the page are handled even when a
 * step never awaited anything that leaves the microtask queue. `faultSource` reports faults
 * seen outside the steps (a lost GPU device), which end the stepping at once.
 */
export class PausableControl implements RunControl {
  private paused = false;
  private stopRequested = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly faultSource: () => TrainingFault | null = () => null,
    private readonly diagnoser: (error: unknown) => Promise<TrainingFault | null> = async () => null,
  ) {}

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

  pauseRequested(): boolean {
    return this.paused && !this.stopRequested;
  }

  externalFault(): TrainingFault | null {
    return this.faultSource();
  }

  diagnose(error: unknown): Promise<TrainingFault | null> {
    return this.diagnoser(error);
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
