import { create } from 'zustand';
import type { ExperimentSpec } from '../engine/experiment/spec';
import type { SweepChartKind, SweepPoint } from '../engine/experiment/sweep';

/**
 * The sweep being run (or last run): its variants in order, each with its spec, its state and,
 * once trained, its point. Written only by sweep-client.ts; components only read.
 */

export type VariantStatus = 'pending' | 'running' | 'done' | 'stopped' | 'failed';
export type SweepStatus = 'running' | 'done' | 'stopped' | 'failed';

export interface SweepVariantState {
  label: string;
  spec: ExperimentSpec;
  status: VariantStatus;
  point: SweepPoint | null;
}

export interface SweepRunState {
  presetId: string;
  title: string;
  chart: SweepChartKind;
  status: SweepStatus;
  variants: SweepVariantState[];
}

interface SweepStore {
  /** The preset chosen in the Sweeps panel (null: none, the ordinary side-by-side run). */
  selectedPresetId: string | null;
  run: SweepRunState | null;
  select(id: string | null): void;
  begin(run: Omit<SweepRunState, 'status'>): void;
  updateVariant(index: number, update: Partial<SweepVariantState>): void;
  end(status: SweepStatus): void;
  clear(): void;
}

export const useSweepStore = create<SweepStore>()((set, get) => ({
  selectedPresetId: null,
  run: null,
  select: (selectedPresetId) => set({ selectedPresetId }),
  begin: (run) => set({ run: { ...run, status: 'running' } }),
  updateVariant(index, update) {
    const run = get().run;
    if (!run) return;
    set({ run: { ...run, variants: run.variants.map((v, i) => (i === index ? { ...v, ...update } : v)) } });
  },
  end(status) {
    const run = get().run;
    if (run) set({ run: { ...run, status } });
  },
  clear: () => set({ run: null }),
}));
