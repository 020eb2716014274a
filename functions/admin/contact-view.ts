import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../adapters/clock.js';
import type { ConsentLedger } from '../adapters/consent-ledger.js';
import type { ContactRepository } from '../adapters/contact-repository.js';
import type { SendLedger } from '../adapters/send-ledger.js';
import type { ConsentRecord } from '../domain/consent.js';
import { type Contact, wantsTrack } from '../domain/contact.js';
import { lastHandoffReason } from '../domain/handoff.js';
import { decisionsFitting, salesAnswerDueAt, signalsOf } from '../domain/journey.js';
import { explainScore, type ScoreExplanation } from '../domain/lead-score.js';
import type { QualificationRules } from '../domain/qualification.js';
import { tracks } from '../domain/schedule.js';
import { type SentEmail, sentEmails } from '../domain/sent-email.js';
import type { Touch } from '../domain/touch.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';

export interface ContactViewExtras {
  /** The emails it was sent, with what SES reported of each. */
  emails: SentEmail[];
  /** For a sales lead: when the sales SLA runs out. */
  salesAnswerDueAt?: string | undefined;
  /** The score by cause under the rules in force now. */
  scoreExplanation: ScoreExplanation;
}

/**
 * What an admin sees of a contact: its record (stage history, journey state and any stall
 * included), where it first and last came from, its touches, the consent records that prove what
 * it agreed to, the emails it was sent, the sales decisions that fit its stage, and a sales
 * lead's answer deadline, and why it scores what it does. Its own choices show as they are
 * stored (`pausedUntil`, `tracksOff`) and as the tracks it gets (`emailTracks`).
 */
export const contactView = (
  contact: Contact,
  touches: Touch[],
  consentRecords: ConsentRecord[],
  extras: ContactViewExtras,
) => {
  const {
    firstTouch,
    latestTouch,
    emailNormalised: _dedupeKey,
    taskToken: _internal,
    scoreSignals: _explained,
    ...record
  } = contact;
  // Why it went to sales, as the queue row says it.
  const handoffReason = lastHandoffReason(contact.stageHistory);
  const attributionOf = (touch: Touch) => ({
    at: touch.receivedAt,
    where: touch.where,
    what: touch.what,
    why: touch.why,
  });
  return {
    ...record,
    attribution: { first: attributionOf(firstTouch), latest: attributionOf(latestTouch) },
    emailTracks: Object.fromEntries(tracks.map((track) => [track, wantsTrack(contact, track)])),
    touches,
    consentRecords,
    emails: extras.emails,
    /** The sales decisions `POST /v1/contacts/{id}/events` takes at this stage. */
    decisions: decisionsFitting(contact.stage),
    ...(extras.salesAnswerDueAt ? { salesAnswerDueAt: extras.salesAnswerDueAt } : {}),
    ...(handoffReason ? { handoffReason } : {}),
    scoreExplanation: extras.scoreExplanation,
  };
};

export interface ContactViewDeps {
  contacts: ContactRepository;
  consents: ConsentLedger;
  ledger: SendLedger;
  /** The qualification rules in force: they set the sales SLA. */
  rules: () => Promise<QualificationRules>;
}

/** `GET /v1/contacts/{id}`. */
export const contactViewRoutes = (deps: ContactViewDeps) => ({
  'GET /v1/contacts/{id}': async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const contactId = event.pathParameters?.id ?? '';
    const contact = await deps.contacts.getContact(contactId);
    if (!contact) return errorResponse(404, 'not_found', `No contact ${contactId}`);
    const [touches, consentRecords, ledgerEntries, rules] = await Promise.all([
      deps.contacts.listTouches(contactId),
      deps.consents.records(contactId),
      deps.ledger.entries(contactId),
      deps.rules(),
    ]);
    return json(
      200,
      contactView(contact, touches, consentRecords, {
        emails: sentEmails(ledgerEntries),
        salesAnswerDueAt: salesAnswerDueAt(contact, rules),
        scoreExplanation: explainScore(signalsOf(contact), contact, rules, clock.now()),
      }),
    );
  },
});
