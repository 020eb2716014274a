import type { IncomingEvent } from './incoming-event.js';
import { slugOf } from './labels.js';
import { type FitFacts, type FitResult, fitOf, type QualificationRules } from './qualification.js';
import type { Touch } from './touch.js';

/**
 * What a contact did that counts toward its score, kept on the contact so the score can be worked
 * out again under any version of the rules (a preview, a publish) and explained cause by cause.
 * A touch (the first one, or a further submission) scores where, what and why; engagement (a
 * further submission, a click) scores as an event and fades with time.
 */
export interface ScoreSignal {
  at: string;
  kind: 'touch' | 'engaged';
  /** For a touch: whether it was a further submission (engagement too) rather than the first one. */
  repeat?: boolean;
  channel?: string;
  utmSource?: string;
  utmCampaign?: string;
  formKind?: string;
  form?: string;
  offer?: string;
}

export type ScoreCause = 'where' | 'what' | 'why' | 'engagement' | 'decay';

export interface ScoreLine {
  cause: ScoreCause;
  label: string;
  points: number;
  at?: string;
}

export interface ScoreExplanation {
  score: number;
  asOf: string;
  thresholds: QualificationRules['thresholds'];
  causes: ScoreLine[];
  fit: FitResult;
  rulesVersion: number;
}

/** Enough history to explain a score; older clicks have faded to nothing by the time they drop off. */
export const maxSignals = 100;

export const touchSignal = (touch: Touch, repeat: boolean): ScoreSignal => ({
  at: touch.receivedAt,
  kind: 'touch',
  ...(repeat ? { repeat } : {}),
  channel: touch.where.channel,
  ...(touch.where.utm_source ? { utmSource: touch.where.utm_source } : {}),
  ...(touch.where.utm_campaign ? { utmCampaign: touch.where.utm_campaign } : {}),
  formKind: touch.what.kind,
  ...(touch.what.form ? { form: touch.what.form } : {}),
  ...(touch.why.offer ? { offer: touch.why.offer.type } : {}),
});

/** The signal an event adds, if it is one that scores. */
export const eventSignal = (event: IncomingEvent): ScoreSignal | undefined => {
  if (event.type === 'engaged') return { at: event.at, kind: 'engaged' };
  if (event.type !== 'submitted') return undefined;
  const detail = event.detail ?? {};
  const pick = (name: string) => (typeof detail[name] === 'string' ? { [name]: detail[name] } : {});
  return {
    at: event.at,
    kind: 'touch',
    repeat: true,
    channel: detail.channel ?? 'other',
    ...pick('utmSource'),
    ...pick('utmCampaign'),
    formKind: detail.formKind ?? 'form',
    ...pick('form'),
    ...(detail.offerType ? { offer: detail.offerType } : {}),
  };
};

/** The signals with one more, the oldest engagement dropped past the bound (touches are few). */
export const withSignal = (signals: readonly ScoreSignal[], signal: ScoreSignal): ScoreSignal[] => {
  const next = [...signals, signal].sort((a, b) => a.at.localeCompare(b.at));
  while (next.length > maxSignals) {
    const oldest = next.findIndex((candidate) => candidate.kind === 'engaged');
    next.splice(oldest === -1 ? 0 : oldest, 1);
  }
  return next;
};

/** Each table's weights by the slug of their labels, worked out once per table. */
const bySlug = new WeakMap<Record<string, number>, Map<string, number>>();
const slugTable = (weights: Record<string, number>): Map<string, number> => {
  let table = bySlug.get(weights);
  if (!table) {
    table = new Map();
    for (const [label, weight] of Object.entries(weights)) {
      const slug = slugOf(label);
      if (slug !== undefined && !table.has(slug)) table.set(slug, weight);
    }
    bySlug.set(weights, table);
  }
  return table;
};

/**
 * A label's own weight: the very label, else the one that names it as intake folds labels (a form
 * posted as `Contact-Us` is `contact-us` in the table, an offer `white-paper` is `white_paper`).
 * Own properties only (`constructor` is a label); a Map, never the table's keys, for the rest.
 */
const ownWeight = (weights: Record<string, number>, label: string | undefined): number | undefined => {
  if (label === undefined) return undefined;
  if (Object.hasOwn(weights, label)) return weights[label];
  const slug = slugOf(label);
  return slug === undefined ? undefined : slugTable(weights).get(slug);
};

/** A label's weight: an unlisted one weighs as `other`. */
const weightOf = (weights: Record<string, number>, label: string): number =>
  ownWeight(weights, label) ?? ownWeight(weights, 'other') ?? 0;

const dayMs = 86_400_000;

/** How much of an engagement's points are left after `ageMs`: halved every half-life. */
const remaining = (ageMs: number, halfLifeDays: number): number =>
  halfLifeDays <= 0 ? 1 : 0.5 ** (Math.max(0, ageMs) / (halfLifeDays * dayMs));

const whereLabel = (signal: ScoreSignal) => {
  const utm = [signal.utmSource, signal.utmCampaign].filter(Boolean).join(' / ');
  return utm ? `${signal.channel} (${utm})` : `${signal.channel}`;
};

/**
 * The score under `rules` at `now`, with every point accounted for: where, what and why of each
 * touch, each kind of engagement, and what decay took off. The same function the journey scores by.
 */
export const explainScore = (
  signals: readonly ScoreSignal[],
  profile: FitFacts,
  rules: QualificationRules,
  now: Date,
): ScoreExplanation => {
  const { points } = rules;
  const causes: ScoreLine[] = [];
  const engagement = new Map<string, { count: number; points: number; decayed: number }>();
  const engage = (label: string, weight: number, at: string) => {
    const line = engagement.get(label) ?? { count: 0, points: 0, decayed: 0 };
    line.count += 1;
    line.points += weight;
    line.decayed += weight * remaining(now.getTime() - Date.parse(at), rules.decay.halfLifeDays);
    engagement.set(label, line);
  };
  for (const signal of signals) {
    if (signal.kind === 'engaged') {
      engage('clicked a link in an email', points.events.engaged, signal.at);
      continue;
    }
    if (signal.repeat) engage('came back with another form', points.events.submitted, signal.at);
    causes.push({
      cause: 'where',
      label: whereLabel(signal),
      points: weightOf(points.channels, signal.channel ?? 'other'),
      at: signal.at,
    });
    const formLabel = signal.form ?? signal.formKind ?? 'form';
    causes.push({
      cause: 'what',
      label: signal.form ? `form ${signal.form}` : `${formLabel}`,
      points: ownWeight(points.forms, signal.form) ?? ownWeight(points.forms, signal.formKind) ?? 0,
      at: signal.at,
    });
    if (signal.offer) {
      causes.push({
        cause: 'why',
        label: signal.offer,
        points: weightOf(points.offers, signal.offer),
        at: signal.at,
      });
    }
  }
  let lost = 0;
  for (const [label, line] of engagement) {
    causes.push({ cause: 'engagement', label: `${label} ×${line.count}`, points: line.points });
    lost += line.points - line.decayed;
  }
  const decay = -Math.round(lost);
  if (decay !== 0) {
    causes.push({
      cause: 'decay',
      label: `engagement halves every ${rules.decay.halfLifeDays} days`,
      points: decay,
    });
  }
  return {
    score: causes.reduce((sum, line) => sum + line.points, 0),
    asOf: now.toISOString(),
    thresholds: rules.thresholds,
    causes,
    fit: fitOf(profile, rules),
    rulesVersion: rules.version,
  };
};
