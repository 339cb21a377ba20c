import type { ExperimentSpec } from '../engine/experiment/spec';
import { withSweepSettings, type SweepPreset } from '../engine/experiment/sweep';
import type { ModelFamily } from '../engine/models/hooks';
import { builtInFamily, switchModel } from './model-switch';
import { settingChanges, type SettingChange } from './results-scope';

/**
 * What choosing a sweep preset does to the experiment: its settings, on a model it was made for
 * (a model of another family switches to the preset's first model; one of the same family, a
 * GPT-2 from the hub, is kept), and the list of settings that changes, shown before it applies.
 */

/** Whether the preset runs on this model: one of its models, or a model of their family. */
export function presetFitsModel(preset: SweepPreset, model: string, family: ModelFamily | null): boolean {
  if (preset.models.includes(model)) return true;
  const families = preset.models.map(builtInFamily);
  return family !== null && families.includes(family);
}

export interface PresetApplication {
  presetId: string;
  spec: ExperimentSpec;
  changes: SettingChange[];
}

export function presetApplication(preset: SweepPreset, spec: ExperimentSpec, family: ModelFamily | null): PresetApplication {
  const base = presetFitsModel(preset, spec.model, family) ? spec : switchModel(spec, preset.models[0]).spec;
  const next = withSweepSettings(base, preset.settings);
  return { presetId: preset.id, spec: next, changes: settingChanges(spec, next) };
}
