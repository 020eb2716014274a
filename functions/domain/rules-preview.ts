import type { Contact } from './contact.js';
import { standingAfter } from './journey.js';
import type { QualificationRules } from './qualification.js';
import type { Stage } from './stages.js';

/**
 * The stages a change of the rules alone can move a contact out of: fit and thresholds move the
 * engaged ones (and bring a disqualified one back), the answer time moves sales leads. A contact at
 * `name` or `recycled` moves only when it engages again, so a publish need not wake those.
 */
export const stagesRulesMove: readonly Stage[] = [
  'engagement',
  'target',
  'lead',
  'disqualified',
  'sales_lead',
];

export interface RulesPreviewExample {
  contactId: string;
  name?: string;
  company?: string;
  stage: { now: Stage; current: Stage; draft: Stage };
  score: { now: number; current: number; draft: number };
}

export interface RulesPreview {
  /** The contacts examined: every one the rules can move, or a sample of them (`sampled`). */
  contacts: number;
  /** True when there were more than the preview reads: every count is then of the sample. */
  sampled: boolean;
  examined: number;
  /** How many contacts the rules can move, all told (the funnel's stage counts). */
  total: number;
  /** What publishing the draft does at each contact's next step: from its stage now to the draft's. */
  moves: { from: Stage; to: Stage; count: number }[];
  /** How many contacts would be at each stage under the rules in force and under the draft. */
  stages: { current: Record<string, number>; draft: Record<string, number> };
  /** How many the draft moves differently from the rules in force (those with no change of their own). */
  changedByDraft: number;
  /**
   * How many publishing hands to sales at once: each is a handoff email to the sales inbox and a
   * `Sales Lead Ready` event, and must be answered within the draft's `salesAnswerWithinDays`.
   */
  salesHandoffs: number;
  examples: RulesPreviewExample[];
}

const maxExamples = 5;

const count = (tally: Map<string, number>, key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
const record = (tally: Map<string, number>): Record<string, number> =>
  Object.assign(Object.create(null), Object.fromEntries([...tally].sort(([a], [b]) => a.localeCompare(b))));

/**
 * What publishing `draft` would do to these contacts now, by the very function their journeys run
 * (`standingAfter` with no new events): each contact's stage and score under the rules in force
 * and under the draft. Publishing wakes each of them, so its next step does exactly this.
 */
export const previewRules = (
  contacts: readonly Contact[],
  current: QualificationRules,
  draft: QualificationRules,
  now: Date,
  total: number = contacts.length,
): RulesPreview => {
  const moves = new Map<string, number>();
  const currentStages = new Map<string, number>();
  const draftStages = new Map<string, number>();
  const examples: (RulesPreviewExample & { weight: number })[] = [];
  let changedByDraft = 0;
  let salesHandoffs = 0;
  for (const contact of contacts) {
    const underCurrent = standingAfter(contact, [], now, current);
    const underDraft = standingAfter(contact, [], now, draft);
    if (underDraft.stage === 'sales_lead' && contact.stage !== 'sales_lead') salesHandoffs += 1;
    count(currentStages, underCurrent.stage);
    count(draftStages, underDraft.stage);
    if (underDraft.stage !== contact.stage) count(moves, `${contact.stage}>${underDraft.stage}`);
    const differs = underDraft.stage !== underCurrent.stage || underDraft.score !== underCurrent.score;
    if (!differs) continue;
    changedByDraft += 1;
    examples.push({
      contactId: contact.contactId,
      ...(contact.firstName || contact.lastName
        ? { name: [contact.firstName, contact.lastName].filter(Boolean).join(' ') }
        : {}),
      ...(contact.company ? { company: contact.company } : {}),
      stage: { now: contact.stage, current: underCurrent.stage, draft: underDraft.stage },
      score: { now: contact.score, current: underCurrent.score, draft: underDraft.score },
      // Stage moves first, then the largest score changes.
      weight:
        (underDraft.stage !== underCurrent.stage ? 10_000 : 0) +
        Math.abs(underDraft.score - underCurrent.score),
    });
  }
  return {
    contacts: contacts.length,
    sampled: total > contacts.length,
    examined: contacts.length,
    total: Math.max(total, contacts.length),
    moves: [...moves]
      .map(([key, n]) => {
        const [from, to] = key.split('>') as [Stage, Stage];
        return { from, to, count: n };
      })
      .sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to)),
    stages: { current: record(currentStages), draft: record(draftStages) },
    changedByDraft,
    salesHandoffs,
    examples: examples
      .sort((a, b) => b.weight - a.weight || a.contactId.localeCompare(b.contactId))
      .slice(0, maxExamples)
      .map(({ weight: _weight, ...example }) => example),
  };
};
