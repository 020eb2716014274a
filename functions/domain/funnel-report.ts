import { dictionary } from './dictionary.js';
import { reportLabel } from './labels.js';
import type { Stage } from './stages.js';

/** Counters are spread over shards so concurrent stage moves rarely contend for one item. */
export const counterShards = 8;

export interface StageMove {
  /** `undefined` for a contact entering the funnel. */
  from?: Stage;
  to: Stage;
}

/** A counter change: current contacts per stage and source, or one day's moves. */
export type CounterDelta =
  | { kind: 'stage'; stage: Stage; source: string; delta: number }
  | { kind: 'move'; day: string; from: Stage | 'new'; to: Stage; source: string; delta: 1 };

/** The dimensions a report splits by, from the contact's first touch: where, what, why. */
export const sourceDimensions = ['channel', 'form', 'offer'] as const;

/** `channel:paid_search`, `form:pricing-page`, `offer:ebook`: each counted on its own. */
export const sourcesOf = (touch: {
  where: { channel: string };
  what?: { form?: string | undefined };
  why?: { offer?: { type: string } | undefined };
}): string[] => [
  `channel:${reportLabel(touch.where.channel)}`,
  `form:${reportLabel(touch.what?.form ?? '(none)')}`,
  `offer:${reportLabel(touch.why?.offer?.type ?? '(none)')}`,
];

/**
 * What a contact's moves do to the funnel counters: the stage it left loses it and the stage it
 * ended in gains it (stages passed through in one step net to zero), and each move counts on
 * its day. `removed` takes the contact out of its stage altogether (erasure).
 */
export const counterDeltas = (
  moves: readonly StageMove[],
  sources: readonly string[],
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
  return sources.flatMap((source) => [
    ...[...net].flatMap(([stage, delta]) =>
      delta === 0 ? [] : [{ kind: 'stage' as const, stage, source, delta }],
    ),
    ...moves.map((move) => ({
      kind: 'move' as const,
      day,
      from: move.from ?? ('new' as const),
      to: move.to,
      source,
      delta: 1 as const,
    })),
  ]);
};

export const shardOf = (contactId: string): number => {
  let hash = 0;
  for (const char of contactId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % counterShards;
};

export interface StageCount {
  stage: string;
  source: string;
  count: number;
}

export interface MoveCount {
  from: string;
  to: string;
  source: string;
  count: number;
}

type Split = Record<string, Record<string, { entered: number; movedOn: number }>>;

export interface FunnelReport {
  period: { from: string; to: string };
  /** Contacts per stage now, every stage in funnel order. */
  stages: Record<string, number>;
  /** The same by the first touch's channel (where), form (what) and offer (why). */
  stagesBySource: Record<string, Record<string, Record<string, number>>>;
  /** For each stage entered in the period: how many entered, and where they went next. */
  conversion: {
    stage: string;
    entered: number;
    movedOn: Record<string, number>;
    rate: number;
    bySource: Split;
  }[];
}

// Every record below is a null-prototype `dictionary`: its keys are form ids and offer types
// that came from the public intake.
const add = (record: Record<string, number>, key: string, count: number) => {
  record[key] = (record[key] ?? 0) + count;
};

const within = <T>(record: Record<string, T>, key: string, empty: () => T): T => {
  const found = record[key] ?? empty();
  record[key] = found;
  return found;
};

const splitSource = (source: string) => {
  const at = source.indexOf(':');
  return { dimension: source.slice(0, at), value: source.slice(at + 1) };
};

/** Sums the shards into the report; totals come from the channel split, which counts each contact once. */
export const funnelReport = (
  stageCounts: readonly StageCount[],
  moves: readonly MoveCount[],
  period: { from: string; to: string },
  stageOrder: readonly string[] = [],
): FunnelReport => {
  const stages = dictionary(stageOrder.map((stage) => [stage, 0] as const));
  const stagesBySource: FunnelReport['stagesBySource'] = dictionary();
  for (const { stage, source, count } of stageCounts) {
    if (count === 0) continue;
    const { dimension, value } = splitSource(source);
    if (dimension === 'channel') add(stages, stage, count);
    add(
      within(
        within(stagesBySource, dimension, () => dictionary()),
        value,
        () => dictionary(),
      ),
      stage,
      count,
    );
  }
  const byStage = new Map<string, FunnelReport['conversion'][number]>();
  const entry = (stage: string) => {
    const found = byStage.get(stage) ?? {
      stage,
      entered: 0,
      movedOn: dictionary(),
      rate: 0,
      bySource: dictionary(),
    };
    byStage.set(stage, found);
    return found;
  };
  for (const { from, to, source, count } of moves) {
    const { dimension, value } = splitSource(source);
    const split = (stage: FunnelReport['conversion'][number]) =>
      within(
        within(stage.bySource, dimension, () => dictionary()),
        value,
        () => ({ entered: 0, movedOn: 0 }),
      );
    const into = entry(to);
    if (dimension === 'channel') into.entered += count;
    split(into).entered += count;
    if (from === 'new') continue;
    const out = entry(from);
    if (dimension === 'channel') add(out.movedOn, to, count);
    split(out).movedOn += count;
  }
  const conversion = [...byStage.values()].map((stage) => {
    const movedOn = Object.values(stage.movedOn).reduce((sum, n) => sum + n, 0);
    return { ...stage, rate: stage.entered > 0 ? Math.round((movedOn / stage.entered) * 1000) / 1000 : 0 };
  });
  return { period, stages, stagesBySource, conversion };
};
