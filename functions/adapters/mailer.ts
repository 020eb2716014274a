import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { requireEnv } from '../config/env.js';
import {
  type LeadInput,
  type PublishedTemplate,
  type RenderedEmail,
  renderTemplate,
  type ScopeInput,
  type SenderSettings,
  sampleScope,
  templateScope,
} from '../domain/email-template.js';
import {
  linkWithToken,
  signConfirmToken,
  signPreferencesToken,
  signUnsubscribeToken,
} from '../domain/link-token.js';
import type { TemplateScope } from '../domain/template-engine.js';
import { clock } from './clock.js';
import { deploymentSecret } from './secrets.js';
import { TemplateRepository } from './template-repository.js';

/**
 * One client per module load; the endpoint comes from AWS_ENDPOINT_URL_SESV2 when set (locally).
 * No retries of its own: a throttled or paused SES fails the call at once, and the caller's
 * retries (the journey's back-off over hours) are the ones that ride it out, rather than a
 * Lambda held waiting.
 */
const client = new SESv2Client({ maxAttempts: 1 });

/** Who an email is for, as the contact record has it: names go through `safeMergeField`. */
export interface Recipient {
  /** Absent for a test send, which is addressed to no contact. */
  contactId?: string | undefined;
  to: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
  company?: string | undefined;
  jobTitle?: string | undefined;
  /** The offer the contact asked for (the touch's "why"). */
  offer?: { type: string; id?: string | undefined } | undefined;
}

/** One marketing email for one contact: which template, for which step of which track. */
export interface MarketingEmail extends Recipient {
  contactId: string;
  track: string;
  /** The schedule step (its id or number), recorded as an SES tag and in the outbox. */
  step: string | number;
  /** The pass through the track: with track and step, the send ledger's key, so SES events find it. */
  round: number;
  templateId: string;
  /** The schedule's subject override for this step, in Liquid. */
  subject?: string | undefined;
}

/** One transactional email: what the contact asked for, or a link it must click (confirmation). */
export interface TransactionalEmail extends Recipient {
  contactId: string;
  template: string;
  /** Recorded as the SES `step` tag and in the outbox: the request it answers. */
  reference: string;
  /** The signed double opt-in link, for `confirm-subscription`. */
  confirmUrl?: string | undefined;
  /** The rules hand the request to sales: the reply may say someone will be in touch. */
  salesFollowUp?: boolean | undefined;
}

/** What went out: the ledger keeps the template version. */
export interface SentEmail {
  messageId: string;
  template: { name: string; version: number };
}

interface MailSettings {
  from: string;
  senderName: string;
  configurationSet: string;
  postalAddress: string;
  unsubscribeEndpoint: string;
  unsubscribeMailto: string | undefined;
  siteUrl: string;
}

let settings: MailSettings | undefined;

/**
 * Read at the first send rather than at import, so the pure helpers here can be used (and tested)
 * without a mail configuration; a missing variable still fails that first send loudly.
 */
const mailSettings = (): MailSettings => {
  if (settings) return settings;
  const from = requireEnv('SENDER_ADDRESS');
  const [sender] = addressparser(from, { flatten: true });
  const domain = sender?.address.split('@')[1];
  if (!sender || !domain) throw new Error(`SENDER_ADDRESS is not an email address: ${from}`);
  settings = {
    from,
    senderName: sender.name || domain,
    configurationSet: requireEnv('SES_CONFIGURATION_SET'),
    postalAddress: requireEnv('POSTAL_ADDRESS'),
    unsubscribeEndpoint: requireEnv('UNSUBSCRIBE_URL'),
    unsubscribeMailto: process.env.UNSUBSCRIBE_MAILTO || undefined,
    // Calls to action need somewhere to point: the sender's own domain unless told otherwise.
    siteUrl: process.env.SITE_URL || `https://${domain}`,
  };
  return settings;
};

/**
 * The RFC 2369 `List-Unsubscribe` and RFC 8058 one-click `List-Unsubscribe-Post` headers that
 * Gmail and Yahoo require of bulk senders; `mailto` is an address that also unsubscribes
 * (mailbox providers show both options).
 */
export const unsubscribeHeaders = (url: string, mailto: string | undefined): Record<string, string> => {
  const targets = [`<${url}>`];
  if (mailto) targets.push(`<mailto:${mailto.replace(/^mailto:/i, '')}?subject=unsubscribe>`);
  return { 'List-Unsubscribe': targets.join(', '), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
};

/** SES tag values allow only letters, digits, `_` and `-`. */
const tagValue = (value: string | number) =>
  String(value)
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 256) || '_';

let templates: TemplateRepository | undefined;
const templateRepository = () => {
  templates ??= new TemplateRepository(requireEnv('TABLE_NAME'));
  return templates;
};

/** The template in force now: a send always renders the version current at send time. */
export const currentTemplate = async (name: string): Promise<PublishedTemplate> => {
  const template = await templateRepository().current(name);
  if (!template) throw new Error(`Unknown email template: ${name}`);
  return template;
};

/** The signed-link routes beside the unsubscribe endpoint (`/v1/confirm`, `/v1/preferences`). */
const signedRoute = (route: 'confirm' | 'preferences') =>
  mailSettings().unsubscribeEndpoint.replace(/unsubscribe$/, route);

/** The double opt-in link for the request the contact made with submission `touchId`. */
export const confirmLink = async (contactId: string, touchId: string): Promise<string> =>
  linkWithToken(signedRoute('confirm'), signConfirmToken({ contactId, touchId }, await deploymentSecret()));

/** Links signed for the recipient: each carries a token of its own purpose for the contact. */
const signedLinks = async (recipient: Recipient, confirmUrl?: string) => {
  const config = mailSettings();
  const links: ScopeInput['links'] = confirmUrl ? { confirm: confirmUrl } : {};
  if (recipient.contactId) {
    const secret = await deploymentSecret();
    const unsubscribe = signUnsubscribeToken(recipient.contactId, secret);
    links.unsubscribe = linkWithToken(config.unsubscribeEndpoint, unsubscribe);
    const preferences = signPreferencesToken(recipient.contactId, clock.now(), secret);
    links.preferences = linkWithToken(signedRoute('preferences'), preferences);
  }
  return links;
};

const senderSettings = (): SenderSettings => {
  const { senderName, postalAddress, siteUrl } = mailSettings();
  return { senderName, postalAddress, siteUrl };
};

/** A test send or a preview without a contact: a sample contact, links that act on nobody. */
export const sampleVariables = (): TemplateScope => sampleScope(senderSettings());

/**
 * The variables a send to `recipient` renders with: what `preview` shows for a contact is what
 * its real send carries.
 */
export const variablesFor = async (
  recipient: Recipient,
  confirmUrl?: string,
  salesFollowUp?: boolean,
): Promise<TemplateScope> =>
  templateScope({
    contact: recipient,
    offer: recipient.offer,
    salesFollowUp,
    settings: senderSettings(),
    links: await signedLinks(recipient, confirmUrl),
  });

interface Delivery {
  to: string;
  email: RenderedEmail;
  unsubscribeUrl?: string | null | undefined;
  tags: Record<string, string | number>;
  headers?: Record<string, string>;
}

/**
 * Sends through SES with the configuration set (whose events come back as engagement and
 * suppression) and tags that tie those events to the contact, the track and the step.
 */
const deliver = async ({ to, email, unsubscribeUrl, tags, headers }: Delivery): Promise<string> => {
  const config = mailSettings();
  const allHeaders = {
    ...headers,
    ...(unsubscribeUrl ? unsubscribeHeaders(unsubscribeUrl, config.unsubscribeMailto) : {}),
  };
  // Simple content: SES builds the MIME message (and its Message-ID and Date) from the parts and
  // headers, so no MIME library ships in every function that sends.
  const { MessageId } = await client.send(
    new SendEmailCommand({
      FromEmailAddress: config.from,
      Destination: { ToAddresses: [to] },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: {
            Html: { Data: email.html, Charset: 'UTF-8' },
            Text: { Data: email.text, Charset: 'UTF-8' },
          },
          Headers: Object.entries(allHeaders).map(([Name, Value]) => ({ Name, Value })),
        },
      },
      ConfigurationSetName: config.configurationSet,
      EmailTags: Object.entries(tags).map(([Name, value]) => ({ Name, Value: tagValue(value) })),
    }),
  );
  if (!MessageId) throw new Error('SES accepted the email but returned no message id');
  return MessageId;
};

/** A marketing step: the template's current version, rendered for the contact, with one-click unsubscribe. */
export const sendMarketingEmail = async (email: MarketingEmail): Promise<SentEmail> => {
  const template = await currentTemplate(email.templateId);
  if (template.kind !== 'marketing') {
    throw new Error(`Template ${template.name} is ${template.kind}; a schedule step sends marketing email`);
  }
  const scope = await variablesFor(email);
  const messageId = await deliver({
    to: email.to,
    email: renderTemplate(template, scope, email.subject),
    unsubscribeUrl: scope.unsubscribe_url,
    tags: {
      contactId: email.contactId,
      track: email.track,
      round: email.round,
      step: email.step,
      template: template.name,
    },
  });
  return { messageId, template: { name: template.name, version: template.version } };
};

/** A transactional email: no List-Unsubscribe, since it answers the contact's own request. */
export const sendTransactionalEmail = async (email: TransactionalEmail): Promise<SentEmail> => {
  const template = await currentTemplate(email.template);
  const messageId = await deliver({
    to: email.to,
    email: renderTemplate(template, await variablesFor(email, email.confirmUrl, email.salesFollowUp)),
    tags: {
      contactId: email.contactId,
      track: 'transactional',
      step: email.reference,
      template: template.name,
    },
  });
  return { messageId, template: { name: template.name, version: template.version } };
};

/**
 * The sales handoff: the lead described to the sales inbox with the `sales-lead-ready` template.
 * Tagged with the lead, never as its `contactId`: the inbox's opens, clicks and bounces are sales'
 * doing, not the lead's engagement or suppression.
 */
export const sendSalesHandoffEmail = async (
  to: string,
  lead: LeadInput,
  contactId: string,
): Promise<SentEmail> => {
  const template = await currentTemplate('sales-lead-ready');
  const scope = templateScope({ lead, settings: senderSettings(), links: {} });
  const messageId = await deliver({
    to,
    email: renderTemplate(template, scope),
    tags: { track: 'handoff', step: template.name, lead: contactId, template: template.name },
  });
  return { messageId, template: { name: template.name, version: template.version } };
};

export const testSubjectPrefix = '[Test] ';

/**
 * A test send from the editor: the draft rendered as `variables` say, marked as a test in its
 * subject, an `X-Leadflow-Test` header and a `test` tag. It names no contact, so no ledger, cap or
 * engagement ever counts it.
 */
export const sendTestEmail = (to: string, email: RenderedEmail, template: string): Promise<string> =>
  deliver({
    to,
    email: { ...email, subject: `${testSubjectPrefix}${email.subject}` },
    tags: { track: 'test', step: template, test: 'true' },
    headers: { 'X-Leadflow-Test': 'true' },
  });
