import type { Stage } from './stages.js';

/** Counters are spread over shards so concurrent stage moves rarely contend for one item. */
export const counterShards = 8;

export interface StageMove {
  /** `undefined` for a contact entering the funnel. */
  from?: Stage;
  to: Stage;
}

/** A counter change: current contacts per stage and channel, or one day's moves. */
export type CounterDelta =
  | { kind: 'stage'; stage: Stage; channel: string; delta: number }
  | { kind: 'move'; day: string; from: Stage | 'new'; to: Stage; channel: string; delta: 1 };

/**
 * What a contact's moves do to the funnel counters: the stage it left loses it and the stage it
 * ended in gains it (stages passed through in one step net to zero), and each move counts on
 * its day. `removed` takes the contact out of its stage altogether (erasure).
 */
export const counterDeltas = (
  moves: readonly StageMove[],
  channel: string,
  at: Date,
  removed?: Stage,
): CounterDelta[] => {
  const net = new Map<Stage, number>();
  const bump = (stage: Stage, delta: number) => net.set(stage, (net.get(stage) ?? 0) + delta);
  for (const move of moves) {
    if (move.from) bump(move.from, -1);
    bump(move.to, 1);
  }
  if (removed) bump(removed, -1);
  const day = at.toISOString().slice(0, 10);
  return [
    ...[...net].flatMap(([stage, delta]) =>
      delta === 0 ? [] : [{ kind: 'stage' as const, stage, channel, delta }],
    ),
    ...moves.map((move) => ({
      kind: 'move' as const,
      day,
      from: move.from ?? ('new' as const),
      to: move.to,
      channel,
      delta: 1 as const,
    })),
  ];
};

export const shardOf = (contactId: string): number => {
  let hash = 0;
  for (const char of contactId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % counterShards;
};

export interface StageCount {
  stage: string;
  channel: string;
  count: number;
}

export interface MoveCount {
  from: string;
  to: string;
  channel: string;
  count: number;
}

export interface FunnelReport {
  period: { from: string; to: string };
  /** Contacts per stage now, in all and by the channel of their first touch. */
  stages: Record<string, number>;
  stagesByChannel: Record<string, Record<string, number>>;
  /** For each stage entered in the period: how many entered, and where they went next. */
  conversion: {
    stage: string;
    entered: number;
    movedOn: Record<string, number>;
    rate: number;
    byChannel: Record<string, { entered: number; movedOn: number }>;
  }[];
}

const add = (record: Record<string, number>, key: string, count: number) => {
  record[key] = (record[key] ?? 0) + count;
};

/** Sums the shards into the report. */
export const funnelReport = (
  stageCounts: readonly StageCount[],
  moves: readonly MoveCount[],
  period: { from: string; to: string },
): FunnelReport => {
  const stages: Record<string, number> = {};
  const stagesByChannel: Record<string, Record<string, number>> = {};
  for (const { stage, channel, count } of stageCounts) {
    if (count === 0) continue;
    add(stages, stage, count);
    const channelStages = stagesByChannel[channel] ?? {};
    stagesByChannel[channel] = channelStages;
    add(channelStages, stage, count);
  }
  const byStage = new Map<string, FunnelReport['conversion'][number]>();
  const entry = (stage: string) => {
    let found = byStage.get(stage);
    if (!found) {
      found = { stage, entered: 0, movedOn: {}, rate: 0, byChannel: {} };
      byStage.set(stage, found);
    }
    return found;
  };
  const channelOf = (stage: FunnelReport['conversion'][number], channel: string) => {
    const split = stage.byChannel[channel] ?? { entered: 0, movedOn: 0 };
    stage.byChannel[channel] = split;
    return split;
  };
  for (const { from, to, channel, count } of moves) {
    const into = entry(to);
    into.entered += count;
    channelOf(into, channel).entered += count;
    if (from === 'new') continue;
    const out = entry(from);
    add(out.movedOn, to, count);
    channelOf(out, channel).movedOn += count;
  }
  const conversion = [...byStage.values()].map((stage) => {
    const movedOn = Object.values(stage.movedOn).reduce((sum, n) => sum + n, 0);
    return { ...stage, rate: stage.entered > 0 ? Math.round((movedOn / stage.entered) * 1000) / 1000 : 0 };
  });
  return { period, stages, stagesByChannel, conversion };
};
