import { dictionary } from './dictionary.js';
import { reportLabel } from './labels.js';
import { funnelStages, type Stage, sideStates } from './stages.js';

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

/**
 * What a move out of a stage is. Only `converted` is a conversion: a move forward through
 * name → engagement → target → lead → sales_lead → opportunity → customer, or from `recycled` or
 * `disqualified` back into that funnel (their only way forward). A move to a side state
 * (unsubscribed, suppressed, disqualified) is an exit; to `recycled`, a recycle (sales rejected,
 * lost, or no answer in time); to an earlier stage otherwise, a move back.
 */
export type MoveKind = 'converted' | 'exited' | 'recycled' | 'movedBack';

const forwardOrder: readonly string[] = funnelStages.filter((stage) => stage !== 'recycled');
const outOfFunnel: ReadonlySet<string> = new Set<string>(['recycled', 'disqualified']);

export const moveKind = (from: string, to: string): MoveKind => {
  if ((sideStates as readonly string[]).includes(to)) return 'exited';
  if (to === 'recycled') return 'recycled';
  if (outOfFunnel.has(from)) return 'converted';
  return forwardOrder.indexOf(to) > forwardOrder.indexOf(from) ? 'converted' : 'movedBack';
};

/** One stage, one source value: what entered it and what became of the moves out. */
export interface SourceConversion {
  entered: number;
  movedOn: number;
  exited: number;
  recycled: number;
  movedBack: number;
}

/** A stage entered in the period (`GET /v1/reports/funnel`, `conversion[]`). */
export interface StageConversion {
  stage: string;
  /** Contacts that entered the stage in the period (new contacts enter their first stage). */
  entered: number;
  /** Conversions only (see `MoveKind`), by the stage moved to. */
  movedOn: Record<string, number>;
  /** Conversions over entries, 3 decimals. */
  rate: number;
  /** Exits from the funnel, by side state: never conversions. */
  exited: Record<string, number>;
  /** Contacts passed back to `recycled` from this stage: never conversions. */
  recycled: number;
  /** Moves to an earlier stage other than `recycled`, by the stage moved to. */
  movedBack: Record<string, number>;
  /** The same by the first touch's channel, form and offer: dimension → value → counts. */
  bySource: Record<string, Record<string, SourceConversion>>;
}

/** The period's moves, each counted once (by the channel split), by what they were. */
export interface PeriodOutcomes {
  converted: number;
  exited: Record<string, number>;
  recycled: number;
  movedBack: number;
}

/**
 * `GET /v1/reports/funnel[?from=YYYY-MM-DD&to=YYYY-MM-DD]`: the admin page imports this type.
 * `period`, `stages`, `stagesBySource` and `conversion[].{stage, entered, movedOn, rate, bySource}`
 * keep their earlier shape; `movedOn` and `rate` now count conversions only, and exits and
 * recycles have fields of their own, per stage and for the period (`outcomes`).
 */
export interface FunnelReport {
  period: { from: string; to: string };
  /** Contacts per stage now, every stage in funnel order. */
  stages: Record<string, number>;
  /** The same by the first touch's channel (where), form (what) and offer (why). */
  stagesBySource: Record<string, Record<string, Record<string, number>>>;
  /** For each stage entered or left in the period: how many entered, and where they went next. */
  conversion: StageConversion[];
  outcomes: PeriodOutcomes;
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
  const byStage = new Map<string, StageConversion>();
  const entry = (stage: string) => {
    const found = byStage.get(stage) ?? {
      stage,
      entered: 0,
      movedOn: dictionary<number>(),
      rate: 0,
      exited: dictionary<number>(),
      recycled: 0,
      movedBack: dictionary<number>(),
      bySource: dictionary<Record<string, SourceConversion>>(),
    };
    byStage.set(stage, found);
    return found;
  };
  const outcomes: PeriodOutcomes = { converted: 0, exited: dictionary(), recycled: 0, movedBack: 0 };
  for (const { from, to, source, count } of moves) {
    const { dimension, value } = splitSource(source);
    const once = dimension === 'channel';
    const split = (stage: StageConversion) =>
      within(
        within(stage.bySource, dimension, () => dictionary()),
        value,
        () => ({ entered: 0, movedOn: 0, exited: 0, recycled: 0, movedBack: 0 }),
      );
    const into = entry(to);
    if (once) into.entered += count;
    split(into).entered += count;
    if (from === 'new') continue;
    const out = entry(from);
    const kind = moveKind(from, to);
    split(out)[kind === 'converted' ? 'movedOn' : kind] += count;
    if (!once) continue;
    if (kind === 'recycled') {
      out.recycled += count;
      outcomes.recycled += count;
    } else if (kind === 'exited') {
      add(out.exited, to, count);
      add(outcomes.exited, to, count);
    } else {
      add(kind === 'converted' ? out.movedOn : out.movedBack, to, count);
      outcomes[kind] += count;
    }
  }
  const conversion = [...byStage.values()].map((stage) => {
    const converted = Object.values(stage.movedOn).reduce((sum, n) => sum + n, 0);
    return { ...stage, rate: stage.entered > 0 ? Math.round((converted / stage.entered) * 1000) / 1000 : 0 };
  });
  return { period, stages, stagesBySource, conversion, outcomes };
};
