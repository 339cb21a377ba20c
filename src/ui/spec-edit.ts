import { parseExperimentSpec, type ExperimentSpec } from '../engine/experiment/spec';

/**
 * Why `spec` would be rejected by the engine's schema, as one short sentence without the
 * field path (the input it belongs to is labelled), or null when it is accepted.
 */
export function specProblem(spec: ExperimentSpec): string | null {
  try {
    parseExperimentSpec(spec);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return message.replace(/^spec field "[^"]*": /, '');
  }
}

/** Strips the option path from a method-option error ("method option "lora.r": Too big…"). */
export function optionProblemText(message: string): string {
  return message.replace(/^method option "[^"]*": /, '');
}

export type SpecUpdate = (spec: ExperimentSpec) => ExperimentSpec;
