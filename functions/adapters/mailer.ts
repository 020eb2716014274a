import { randomUUID } from 'node:crypto';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { requireEnv } from '../config/env.js';
import { type EmailContext, isTemplateId, renderEmail } from '../domain/templates.js';
import { signUnsubscribeToken, unsubscribeLink } from '../domain/unsubscribe-token.js';
import { clock } from './clock.js';
import { unsubscribeSecret } from './secrets.js';

/** One client per module load; the endpoint comes from AWS_ENDPOINT_URL_SESV2 when set (locally). */
const client = new SESv2Client({});

/** One marketing email for one contact: which template, for which step of which track. */
export interface MarketingEmail {
  contactId: string;
  to: string;
  track: string;
  /** The schedule step (its id or number), recorded as an SES tag and in the outbox. */
  step: string | number;
  templateId: string;
  firstName?: string | undefined;
  company?: string | undefined;
  offer?: EmailContext['offer'];
  /** The schedule's subject override for this step. */
  subject?: string | undefined;
}

interface MailSettings {
  from: string;
  senderName: string;
  senderDomain: string;
  configurationSet: string;
  postalAddress: string;
  unsubscribeEndpoint: string;
  unsubscribeMailto: string | undefined;
  siteUrl: string;
}

let settings: MailSettings | undefined;

/**
 * Read at the first send rather than at import, so the MIME builder below can be used (and
 * tested) without a mail configuration; a missing variable still fails that first send loudly.
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
    senderDomain: domain,
    configurationSet: requireEnv('SES_CONFIGURATION_SET'),
    postalAddress: requireEnv('POSTAL_ADDRESS'),
    unsubscribeEndpoint: requireEnv('UNSUBSCRIBE_URL'),
    unsubscribeMailto: process.env.UNSUBSCRIBE_MAILTO || undefined,
    // Calls to action need somewhere to point: the sender's own domain unless told otherwise.
    siteUrl: process.env.SITE_URL || `https://${domain}`,
  };
  return settings;
};

/** A rendered email ready to be put on the wire. */
export interface OutgoingMessage {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  unsubscribeUrl: string;
  /** An address that also unsubscribes (mailbox providers show both options). */
  unsubscribeMailto?: string | undefined;
  messageId: string;
  date: Date;
}

/**
 * The MIME message, with the RFC 2369 `List-Unsubscribe` and RFC 8058 one-click
 * `List-Unsubscribe-Post` headers that Gmail and Yahoo require of bulk senders.
 */
export const buildMimeMessage = (message: OutgoingMessage): Promise<Buffer> => {
  const targets = [`<${message.unsubscribeUrl}>`];
  if (message.unsubscribeMailto) {
    targets.push(`<mailto:${message.unsubscribeMailto.replace(/^mailto:/i, '')}?subject=unsubscribe>`);
  }
  return new MailComposer({
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    date: message.date,
    headers: {
      'List-Unsubscribe': targets.join(', '),
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  })
    .compile()
    .build();
};

/** SES tag values allow only letters, digits, `_` and `-`. */
const tagValue = (value: string | number) =>
  String(value)
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 256) || '_';

/**
 * Renders the template for the contact, signs its unsubscribe link and sends it through SES with
 * the configuration set (whose events come back as engagement and suppression) and tags that
 * tie those events to the contact, the track and the step.
 */
export const sendMarketingEmail = async (email: MarketingEmail): Promise<{ messageId: string }> => {
  if (!isTemplateId(email.templateId)) throw new Error(`Unknown email template: ${email.templateId}`);
  const config = mailSettings();
  const token = signUnsubscribeToken(email.contactId, await unsubscribeSecret());
  const unsubscribeUrl = unsubscribeLink(config.unsubscribeEndpoint, token);
  const rendered = renderEmail(email.templateId, {
    firstName: email.firstName,
    company: email.company,
    offer: email.offer,
    subject: email.subject,
    unsubscribeUrl,
    postalAddress: config.postalAddress,
    senderName: config.senderName,
    siteUrl: config.siteUrl,
  });
  const raw = await buildMimeMessage({
    ...rendered,
    from: config.from,
    to: email.to,
    unsubscribeUrl,
    unsubscribeMailto: config.unsubscribeMailto,
    messageId: `<${randomUUID()}@${config.senderDomain}>`,
    date: clock.now(),
  });
  const { MessageId } = await client.send(
    new SendEmailCommand({
      FromEmailAddress: config.from,
      Destination: { ToAddresses: [email.to] },
      Content: { Raw: { Data: raw } },
      ConfigurationSetName: config.configurationSet,
      EmailTags: [
        { Name: 'contactId', Value: tagValue(email.contactId) },
        { Name: 'track', Value: tagValue(email.track) },
        { Name: 'step', Value: tagValue(email.step) },
        { Name: 'template', Value: tagValue(email.templateId) },
      ],
    }),
  );
  if (!MessageId) throw new Error('SES accepted the email but returned no message id');
  return { messageId: MessageId };
};
