/**
 * Faults that end a run's stepping but not its usefulness: the last checkpoint still stands and
 * the page offers to resume from it. Anything else stays an ordinary error.
 */
export type FaultKind = 'nan' | 'oom' | 'device-lost';

export class TrainingFault extends Error {
  override name = 'TrainingFault';
  constructor(
    readonly kind: FaultKind,
    message: string,
    /** The step that failed (1-based, as the step events count). */
    readonly step: number,
    readonly runId: string | null,
  ) {
    super(message);
  }
  /** The step of the last good checkpoint when the fault happened (set by the runner). */
  checkpointStep: number | null = null;
}

const OOM_PATTERNS = [/out of memory/i, /\bOOM\b/, /GPUOutOfMemoryError/, /allocation fail/i, /failed to allocate/i, /could not allocate/i, /array buffer allocation failed/i, /buffer size .* exceeds/i];
const DEVICE_LOST_PATTERNS = [/device\]? (is |was )?lost/i, /device.*(destroyed|lost)/i, /instance dropped/i];

/**
 * What kind of fault an error is, from its name and message (tfjs passes WebGPU's and the
 * browser's errors on as they are): 'oom' for GPUOutOfMemoryError, "out of memory" and allocation
 * failures (WebGPU's, wasm's and ArrayBuffers'), 'device-lost' for a lost or destroyed GPUDevice,
 * null for anything else (a bug, bad input: an ordinary error).
 */
export function classifyFault(error: unknown): Exclude<FaultKind, 'nan'> | null {
  if (error instanceof TrainingFault) return error.kind === 'nan' ? null : error.kind;
  const name = typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : '';
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const text = `${name}: ${message}`;
  if (name === 'GPUOutOfMemoryError' || OOM_PATTERNS.some((p) => p.test(text))) return 'oom';
  if (DEVICE_LOST_PATTERNS.some((p) => p.test(text))) return 'device-lost';
  return null;
}

/** The user-facing explanation of a fault kind. */
export function faultMessage(kind: FaultKind, detail: string): string {
  switch (kind) {
    case 'nan':
      return `The loss became ${detail}: training diverged. The learning rate is the likely cause.`;
    case 'oom':
      return `The GPU ran out of memory (${detail}). A smaller batch needs less.`;
    case 'device-lost':
      return `The GPU device was lost (${detail}): the driver reset it, another tab took it, or the browser reclaimed it.`;
  }
}
