import type { Channel } from './attribution.js';
import type { ContactEventType } from './contact-event.js';
import type { Stage } from './stages.js';

/**
 * Transition criteria that marketing and sales agree on: score weights, thresholds, fit rules.
 * Data, not code, so they can be changed like schedules.
 */
export interface QualificationRules {
  /** Points for what the contact did. */
  eventWeights: Partial<Record<ContactEventType, number>>;
  /** Points for the offer it asked for: high-value content scores high, giveaways low. */
  offerWeights: Record<string, number>;
  /** Points for where it came from: inbound scores high, bought lists low. */
  channelWeights: Partial<Record<Channel, number>>;
  /** Marketing-qualified at this score (lead), sales-ready at that one (sales_lead). */
  thresholds: { lead: number; salesLead: number };
  /** The ideal-customer fit: which profile fields must be known. */
  fit: { requireCompany: boolean; requireJobTitle: boolean };
  /** Sales must accept or reject a sales lead within this many days, or it is recycled. */
  salesAnswerWithinDays: number;
}

export const defaultRules: QualificationRules = {
  eventWeights: { engaged: 10, submitted: 5 },
  offerWeights: {
    demo: 30,
    consultation: 30,
    pricing: 25,
    trial: 25,
    webinar: 15,
    event: 15,
    case_study: 10,
    white_paper: 10,
    ebook: 8,
    newsletter: 2,
    other: 2,
    giveaway: 0,
  },
  channelWeights: {
    organic_search: 10,
    referral: 8,
    paid_search: 8,
    news: 8,
    blog: 8,
    organic_social: 6,
    paid_social: 4,
    event: 6,
    partner: 6,
    email: 4,
    direct: 4,
    other: 2,
    import: 0,
    third_party_list: -5,
  },
  thresholds: { lead: 40, salesLead: 70 },
  fit: { requireCompany: true, requireJobTitle: true },
  salesAnswerWithinDays: 5,
};

export interface TouchFacts {
  channel: string;
  offerType?: string | undefined;
}

/**
 * A label's weight: an unlisted one (a channel or offer type a page named on its own) weighs as
 * `other`. Own properties only, so a label such as `constructor` never reads the prototype.
 */
const weightOf = (weights: Partial<Record<string, number>>, label: string): number =>
  (Object.hasOwn(weights, label) ? weights[label] : weights.other) ?? 0;

export const touchScore = (touch: TouchFacts, rules: QualificationRules): number =>
  weightOf(rules.channelWeights, touch.channel) +
  (touch.offerType ? weightOf(rules.offerWeights, touch.offerType) : 0);

export interface QualificationFacts {
  stage: Stage;
  score: number;
  engaged: boolean;
  company?: string | undefined;
  jobTitle?: string | undefined;
  readyToTalk: boolean;
}

const nurtureOrder: Stage[] = ['name', 'engagement', 'target', 'lead'];

const isFit = (facts: QualificationFacts, rules: QualificationRules) =>
  (!rules.fit.requireCompany || Boolean(facts.company)) &&
  (!rules.fit.requireJobTitle || Boolean(facts.jobTitle));

/**
 * Where a contact in the nurture part of the funnel (or recycled) stands, moving forward only:
 * engagement, then fit (target), then the marketing threshold (lead), then the sales threshold
 * (sales_lead). A contact that says it is ready to talk goes to sales at once: the prospect is in
 * control. Stages past the nurture part move only on sales events, never on score.
 */
export const qualify = (facts: QualificationFacts, rules: QualificationRules): Stage => {
  const from = facts.stage === 'recycled' && facts.engaged ? 'engagement' : facts.stage;
  if (!nurtureOrder.includes(from)) return facts.stage;
  if (facts.readyToTalk) return 'sales_lead';
  let stage = from;
  if (stage === 'name' && facts.engaged) stage = 'engagement';
  if (stage === 'engagement' && isFit(facts, rules)) stage = 'target';
  if (stage === 'target' && facts.score >= rules.thresholds.lead) stage = 'lead';
  if (stage === 'lead' && facts.score >= rules.thresholds.salesLead) stage = 'sales_lead';
  return stage;
};
