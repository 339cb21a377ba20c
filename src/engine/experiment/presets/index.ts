import type { SweepPreset } from '../sweep';
import { aptVsDeepPrompt } from './apt';
import { deptLearningRates, deptVsPt } from './dept';
import { nolaVsLora } from './nola';
import { paramsVsAccuracy } from './budgets';

/**
 * The sweeps the app and the CLI offer, each reproducing a figure or table of a paper at
 * playground scale; one file per method family. Adding one = its entry here.
 */
export const SWEEP_PRESETS: readonly SweepPreset[] = [deptVsPt, deptLearningRates, nolaVsLora, aptVsDeepPrompt, paramsVsAccuracy];

export function sweepPresetById(id: string): SweepPreset {
  const preset = SWEEP_PRESETS.find((p) => p.id === id);
  if (!preset) throw new Error(`unknown sweep "${id}"; known: ${SWEEP_PRESETS.map((p) => p.id).join(', ')}`);
  return preset;
}
