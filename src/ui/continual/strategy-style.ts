import { STRATEGY_TITLES, type StrategyName } from '../../engine/continual/settings';
import { methodInfo } from '../../engine/methods/catalog';
import type { StrategyRun } from './continual-store';

/**
 * One colour per continual strategy, the same in every chart, heat map and table row; each dark
 * enough for 4.5:1 against white. The lower bound is grey, the upper bound purple.
 */
export const STRATEGY_COLOURS: Record<StrategyName, string> = {
  sequential: '#57534e',
  emr: '#b45309',
  static: '#1d4ed8',
  dynamic: '#047857',
  limitless: '#7e22ce',
};

/** "Dynamic ConPET · LoRA": the strategy and the PET method it trains. */
export function strategyRunTitle(run: Pick<StrategyRun, 'strategy' | 'method'>): string {
  return `${STRATEGY_TITLES[run.strategy]} · ${methodInfo(run.method).title}`;
}

/**
 * A heat-map cell's colours for an accuracy in [0, 1]: light (0) to dark blue (1), with text
 * that keeps 4.5:1 on either.
 */
export function accuracyCellColours(accuracy: number): { background: string; color: string } {
  const a = Math.min(1, Math.max(0, accuracy));
  const lightness = Math.round(96 - a * 66);
  return { background: `hsl(215, 70%, ${lightness}%)`, color: lightness < 58 ? '#ffffff' : '#18181b' };
}
