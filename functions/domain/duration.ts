/** Durations as marketers write them: `90m`, `36h`, `2d`, `1w` (and `45s` for tests). */
const units = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const pattern = /^(\d+(?:\.\d+)?)\s*([smhdw])$/;

export const parseDuration = (text: string): number | undefined => {
  const match = pattern.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * units[unit as keyof typeof units];
};

export const formatDuration = (ms: number): string => {
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    if (ms >= units[unit] && ms % units[unit] === 0) return `${ms / units[unit]}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
};
