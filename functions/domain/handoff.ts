import { offerPhrase } from './offers.js';
import type { QualificationRules } from './qualification.js';

/**
 * Why a contact went to sales: it said it is ready to talk, it asked for something only sales can
 * give (a demo, a consultation, pricing: the rules' `handoffOffers`), or its score passed the
 * sales threshold. Sales reads it in the stage history, the queue, the contact page and the
 * handoff email.
 */
export type HandoffCause =
  | { kind: 'asked_to_talk' }
  | { kind: 'requested'; offerType: string }
  | { kind: 'score'; score: number; threshold: number };

/** What a submission (or a preferences change) asked for, as far as a handoff is concerned. */
export interface HandRaise {
  buyingStage?: string | undefined;
  offerType?: string | undefined;
}

/**
 * A raised hand: "ready to talk", or a request for one of the rules' `handoffOffers`. Decided from
 * the request and the rules alone, so the intake can tell an anonymous visitor what will happen
 * without reading (or revealing) anything about a contact the address may belong to.
 */
export const raisedHand = (
  request: HandRaise,
  rules: Pick<QualificationRules, 'handoffOffers'>,
): HandoffCause | undefined => {
  if (request.buyingStage === 'ready_to_talk') return { kind: 'asked_to_talk' };
  if (request.offerType && rules.handoffOffers.includes(request.offerType)) {
    return { kind: 'requested', offerType: request.offerType };
  }
  return undefined;
};

/** The cause as sales reads it: "asked to talk to sales", "requested a demo", "reached a score of 72 …". */
export const handoffReason = (cause: HandoffCause): string => {
  switch (cause.kind) {
    case 'asked_to_talk':
      return 'asked to talk to sales';
    case 'requested':
      return `requested ${offerPhrase(cause.offerType)}`;
    case 'score':
      return `reached a score of ${cause.score} (sales threshold ${cause.threshold})`;
  }
};

/**
 * Why the contact was last handed to sales, from its stage history: the reason of its latest move
 * into `sales_lead`; undefined for one never handed over (or handed over before reasons were kept).
 */
export const lastHandoffReason = (
  stageHistory: readonly { to: string; reason: string }[] | undefined,
): string | undefined => stageHistory?.findLast((change) => change.to === 'sales_lead')?.reason;
