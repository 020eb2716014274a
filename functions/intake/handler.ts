import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../adapters/clock.js';
import { ConsentLedger } from '../adapters/consent-ledger.js';
import { ContactRepository } from '../adapters/contact-repository.js';
import { JourneyRepository } from '../adapters/journey-repository.js';
import { loggableError, logger } from '../adapters/logger.js';
import { confirmLink, sendTransactionalEmail } from '../adapters/mailer.js';
import { RulesRepository } from '../adapters/rules-repository.js';
import { deploymentSecret } from '../adapters/secrets.js';
import { SendLedger } from '../adapters/send-ledger.js';
import { SubmissionCounter } from '../adapters/submission-counter.js';
import { intakeRatePerMinute, requireEnv } from '../config/env.js';
import { hashClientAddress } from '../domain/client-address.js';
import { singleOptInForms } from '../domain/consent.js';
import { maskEmail } from '../domain/email-address.js';
import { isOverLimit, rateWindow } from '../domain/intake-rate.js';
import type { QualificationRules } from '../domain/qualification.js';
import { isHoneypotFilled, parseSubmission } from '../domain/submission.js';
import { type PromisedFor, submissionPromise } from '../domain/submission-promise.js';
import { readBody } from '../http/request-body.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';
import { startJourney } from '../journey/lifecycle.js';
import { recordSubmission } from './record-submission.js';
import { replyToSubmission } from './reply-to-submission.js';

const tableName = requireEnv('TABLE_NAME');
const stateMachineArn = requireEnv('JOURNEY_STATE_MACHINE_ARN');
const rules = new RulesRepository(tableName);
const dependencies = {
  contacts: new ContactRepository(tableName),
  journeys: new JourneyRepository(tableName),
  consents: new ConsentLedger(tableName),
  rules: () => rules.current(),
  // Double opt-in unless the deployment lists the form (`*` for all) as single opt-in.
  singleOptIn: singleOptInForms(process.env.SINGLE_OPT_IN_FORMS),
  startJourney: (contactId: string) => startJourney(stateMachineArn, contactId),
};

const replies = { ledger: new SendLedger(tableName), send: sendTransactionalEmail, confirmUrl: confirmLink };

const ratePerMinute = intakeRatePerMinute();
const submissions = new SubmissionCounter(tableName);

/** POST /v1/contacts: a landing page's form, as JSON or form-encoded. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
  const now = clock.now();
  // One salted hash of the client's address, for its rate counter and its consent records; made
  // only when one needs it, so a refused body with the limit off reads and writes nothing.
  let hashed: string | undefined;
  const clientHash = async () => {
    hashed ??= hashClientAddress(event.requestContext.http.sourceIp, await deploymentSecret());
    return hashed;
  };
  // First, before the body is even read: a client past its limit costs one write and gets nothing
  // else, whatever it sent (the honeypot and refused bodies count too).
  if (ratePerMinute > 0) {
    const window = rateWindow(now);
    const count = await submissions.add(await clientHash(), window);
    if (isOverLimit(count, ratePerMinute)) {
      logger.info('Submission refused: client past its limit', { count });
      return errorResponse(
        429,
        'rate_limited',
        `Too many submissions from this client; try again in ${window.retryAfterSeconds} s`,
        [],
        { 'retry-after': String(window.retryAfterSeconds) },
      );
    }
  }

  const body = readBody(event);
  if (!body.ok) return body.response;

  // The same answer for a new address, a known one and a bot: what will happen is worked out from
  // the submission and the rules alone, so an anonymous caller learns nothing about who is on our lists.
  const parsed = parseSubmission(body.input);
  const accepted = (submission: PromisedFor, rulesInForce: QualificationRules) =>
    json(202, {
      submissionId: randomUUID(),
      next: submissionPromise(submission, rulesInForce, dependencies.singleOptIn),
    });

  // Looks accepted to the bot that filled the hidden field; nothing is stored.
  if (isHoneypotFilled(body.input)) {
    logger.info('Honeypot filled; submission dropped');
    return accepted(parsed.ok ? parsed.value : {}, await rules.current());
  }

  if (!parsed.ok) {
    return errorResponse(400, 'validation_failed', 'The submission has invalid fields', parsed.issues);
  }
  // Read once: the contact is scored, the reply worded and the visitor answered by the same rules.
  const rulesInForce = await rules.current();
  if (parsed.ignored.length > 0) logger.info('Submission fields ignored', { fields: parsed.ignored });

  const { contact, touch, created, confirm } = await recordSubmission(
    parsed.value,
    { ...dependencies, rules: async () => rulesInForce },
    now,
    await clientHash(),
  );
  try {
    const { salesFollowUp } = submissionPromise(parsed.value, rulesInForce, dependencies.singleOptIn);
    await replyToSubmission(contact, touch, { confirm, salesFollowUp }, replies, now);
  } catch (error) {
    // The lead is kept whatever SES says; the reply's claim was freed, so a resubmission sends it.
    logger.error('Reply to a submission not sent', {
      contactId: contact.contactId,
      error: loggableError(error),
    });
  }
  logger.info('Submission recorded', {
    contactId: contact.contactId,
    email: maskEmail(contact.email),
    created,
  });
  return accepted(parsed.value, rulesInForce);
};
