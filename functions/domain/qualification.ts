import freeMailDomains from 'email-providers/all.json' with { type: 'json' };
import type { Publication } from './publication.js';
import type { Stage } from './stages.js';

/** A condition on one profile field: `company`, `jobTitle`, `email`, `fields.industry`, … */
export type FitCondition =
  | { field: string; test: 'present' | 'absent' }
  | { field: string; test: 'equals'; value: string }
  | { field: string; test: 'containsAny'; values: string[] }
  /** On `email`: whether its domain is a free-mail provider's (gmail.com, web.de, …). */
  | { field: 'email'; test: 'freeMail' | 'notFreeMail' };

/** A named fit rule: when every condition holds, the contact is a `target` (fits) or is `disqualified`. */
export interface FitRule {
  name: string;
  mark: 'target' | 'disqualified';
  when: FitCondition[];
}

/**
 * Transition criteria that marketing and sales agree on: points, decay, thresholds, fit rules and
 * the sales answer time. Versioned data, published and rolled back like schedules.
 */
export interface QualificationRules extends Publication {
  version: number;
  updatedAt?: string;
  points: {
    /** Engagement: what the contact did since it came (clicked, came back with another form). Decays. */
    events: { engaged: number; submitted: number };
    /** Where: the touch's channel; an unlisted one weighs as `other`. */
    channels: Record<string, number>;
    /** What: a form by its name (`landing-demo`), else by its kind (`form`, `webinar`, `event`, …). */
    forms: Record<string, number>;
    /** Why: the offer asked for; an unlisted one weighs as `other`. */
    offers: Record<string, number>;
  };
  /** Engagement points halve every `halfLifeDays` (0: they never fade). */
  decay: { halfLifeDays: number };
  /** Marketing-qualified at this score (lead), sales-ready at that one (sales_lead). */
  thresholds: { lead: number; salesLead: number };
  /** Read in order: the first `disqualified` rule that matches wins, else the first `target` one. */
  fit: FitRule[];
  /** Sales must accept or reject a sales lead within this many days, or it is recycled. */
  salesAnswerWithinDays: number;
  /**
   * Offer types that are a raised hand (`demo`, `consultation`, `pricing`): asking for one goes to
   * sales at once, as saying "ready to talk" does, whatever the score.
   */
  handoffOffers: string[];
}

/**
 * Believable defaults: a demo or pricing request from a named company on a work address is a
 * lead at once and a sales lead with a little more engagement; a white paper alone is not.
 */
export const defaultRules: QualificationRules = {
  version: 0,
  points: {
    events: { engaged: 10, submitted: 5 },
    channels: {
      organic_search: 10,
      referral: 8,
      paid_search: 8,
      news: 8,
      blog: 8,
      organic_social: 6,
      paid_social: 4,
      paid_other: 4,
      affiliate: 4,
      display: 2,
      event: 6,
      partner: 6,
      email: 4,
      direct: 4,
      other: 2,
      import: 0,
      third_party_list: -5,
    },
    forms: { form: 0, webinar: 10, event: 10, import: 0, third_party_list: 0 },
    offers: {
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
  },
  decay: { halfLifeDays: 90 },
  thresholds: { lead: 40, salesLead: 70 },
  fit: [
    {
      name: 'Student or job seeker',
      mark: 'disqualified',
      when: [{ field: 'jobTitle', test: 'containsAny', values: ['student', 'intern', 'job seeker'] }],
    },
    {
      name: 'Named company on a work address',
      mark: 'target',
      when: [
        { field: 'company', test: 'present' },
        { field: 'email', test: 'notFreeMail' },
      ],
    },
  ],
  salesAnswerWithinDays: 5,
  handoffOffers: ['demo', 'consultation', 'pricing'],
};

/** What fit rules read: the profile, the address and the custom fields a form gave. */
export interface FitFacts {
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  company?: string | undefined;
  jobTitle?: string | undefined;
  phone?: string | undefined;
  fields?: Record<string, unknown> | undefined;
}

export type FitResult = { result: 'target' | 'disqualified'; rule: string } | { result: 'none' };

const freeMail: ReadonlySet<string> = new Set(freeMailDomains);

export const isFreeMail = (email: string): boolean =>
  freeMail.has(email.slice(email.lastIndexOf('@') + 1).toLowerCase());

const profileFields = ['email', 'firstName', 'lastName', 'company', 'jobTitle', 'phone'] as const;

/** The fields a fit condition may name besides `fields.<custom>`. */
export const fitFields: readonly string[] = profileFields;

const fieldValue = (facts: FitFacts, field: string): string | undefined => {
  if (field.startsWith('fields.')) {
    const name = field.slice('fields.'.length);
    const value = facts.fields && Object.hasOwn(facts.fields, name) ? facts.fields[name] : undefined;
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  }
  const known = (profileFields as readonly string[]).includes(field)
    ? facts[field as (typeof profileFields)[number]]
    : undefined;
  return known?.trim() ? known.trim() : undefined;
};

const holds = (condition: FitCondition, facts: FitFacts): boolean => {
  const value = fieldValue(facts, condition.field);
  switch (condition.test) {
    case 'present':
      return value !== undefined;
    case 'absent':
      return value === undefined;
    case 'equals':
      return value?.toLowerCase() === condition.value.toLowerCase();
    case 'containsAny': {
      const text = value?.toLowerCase() ?? '';
      return text !== '' && condition.values.some((word) => text.includes(word.toLowerCase()));
    }
    case 'freeMail':
      return isFreeMail(facts.email);
    case 'notFreeMail':
      return !isFreeMail(facts.email);
  }
};

/** The first matching disqualifying rule, else the first matching target rule, else none. */
export const fitOf = (facts: FitFacts, rules: QualificationRules): FitResult => {
  const matches = (rule: FitRule) => rule.when.every((condition) => holds(condition, facts));
  const disqualifying = rules.fit.find((rule) => rule.mark === 'disqualified' && matches(rule));
  if (disqualifying) return { result: 'disqualified', rule: disqualifying.name };
  const fitting = rules.fit.find((rule) => rule.mark === 'target' && matches(rule));
  return fitting ? { result: 'target', rule: fitting.name } : { result: 'none' };
};

export interface QualificationFacts {
  stage: Stage;
  score: number;
  /** Whether the contact has engaged (come back, clicked) since it was created. */
  engaged: boolean;
  fit: FitResult['result'];
  /** It said it is ready to talk, or asked for one of the rules' `handoffOffers`. */
  raisedHand: boolean;
}

const nurtureOrder: Stage[] = ['name', 'engagement', 'target', 'lead'];

/**
 * Where a contact in the nurture part of the funnel (or recycled, or disqualified) stands:
 * engagement, then fit (target), then the marketing threshold (lead), then the sales threshold
 * (sales_lead), forward only; a disqualifying fit rule takes it out of the funnel before sales,
 * and back when the rule no longer holds. A contact that says it is ready to talk goes to sales at
 * once, as does one asking for a demo, a consultation or pricing (the rules' `handoffOffers`): the
 * prospect is in control. Stages past lead move only on sales events, never on score.
 */
export const qualify = (facts: QualificationFacts, rules: QualificationRules): Stage => {
  let from = facts.stage;
  // Back from recycling by engaging again, or by raising its hand (a form or its preferences).
  if (from === 'recycled' && (facts.engaged || facts.raisedHand)) from = 'engagement';
  if (from === 'disqualified') from = 'engagement';
  if (!nurtureOrder.includes(from)) return facts.stage;
  if (facts.raisedHand) return 'sales_lead';
  let stage = from;
  if (stage === 'name' && facts.engaged) stage = 'engagement';
  // Not a fit is a verdict on an engaged contact: a name alone is not judged yet.
  if (stage === 'name') return stage;
  if (facts.fit === 'disqualified') return 'disqualified';
  if (stage === 'engagement' && facts.fit === 'target') stage = 'target';
  if (stage === 'target' && facts.score >= rules.thresholds.lead) stage = 'lead';
  if (stage === 'lead' && facts.score >= rules.thresholds.salesLead) stage = 'sales_lead';
  return stage;
};
