import type { Stage } from './stages.js';

/**
 * How many contacts of each stage a sample of `size` reads, when there are more: each stage in
 * proportion to its share of the total, at least one of a stage that has any.
 */
export const sampleQuotas = (totals: ReadonlyMap<Stage, number>, size: number): Map<Stage, number> => {
  const total = [...totals.values()].reduce((sum, n) => sum + n, 0);
  return new Map(
    [...totals].map(([stage, n]) => [stage, n === 0 ? 0 : Math.max(1, Math.floor((size * n) / total))]),
  );
};
