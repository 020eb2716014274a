import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { submitLead } from './leads.js';
import type { OutboxItem, RunningRuntime } from './local-runtime.js';

/** The local sales inbox. */
export const salesInbox = 'sales@leadflow.example';

export const mailTo = async (runtime: RunningRuntime, contactId: string): Promise<OutboxItem[]> =>
  (await runtime.outbox()).filter((mail) => mail.contactId === contactId);

export const parseMail = async (mail: OutboxItem) => simpleParser(await readFile(mail.path));

/** An email's signed link to `/v1/<purpose>`, absolute, as the recipient's client shows it. */
export const signedLinkIn = async (mail: OutboxItem, purpose: 'confirm' | 'preferences'): Promise<string> => {
  const html = String((await parseMail(mail)).html);
  const link = new RegExp(`href="([^"]*/v1/${purpose}\\?t=[^"]+)"`).exec(html)?.[1];
  if (!link) throw new Error(`no ${purpose} link in ${mail.subject}`);
  return link.replaceAll('&amp;', '&');
};

/** The preferences link as the recipient's client shows it, relative to the runtime. */
export const preferencesLinkIn = async (mail: OutboxItem): Promise<string> => {
  const url = new URL(await signedLinkIn(mail, 'preferences'));
  return `${url.pathname}${url.search}`;
};

/** A consenting lead (single opt-in in these suites), its emails so far, and its welcome's preferences link. */
export const signUpWithLink = async (
  runtime: RunningRuntime,
  email: string,
  fields: Record<string, unknown>,
) => {
  const contactId = await submitLead(runtime, { email, firstName: 'Pat', consent: true, ...fields });
  const mails = await mailTo(runtime, contactId);
  const [welcome] = mails;
  if (!welcome) throw new Error('no welcome email');
  return { email, contactId, mails, welcome, link: await preferencesLinkIn(welcome) };
};

/** The bus events of one type about one contact, as `GET /_local/events` lists them. */
export const busEventsOf = async (runtime: RunningRuntime, contactId: string, detailType: string) => {
  const events = (await (await runtime.call('/_local/events')).json()) as {
    detailType: string;
    detail: { contactId: string };
  }[];
  return events.filter((event) => event.detailType === detailType && event.detail.contactId === contactId);
};

/** The sales inbox's handoff emails about one contact, parsed. */
export const handoffMailsFor = async (runtime: RunningRuntime, contactId: string) => {
  const mails = (await runtime.outbox()).filter((mail) => mail.to === salesInbox);
  const parsed = await Promise.all(mails.map(parseMail));
  return parsed.filter((mail) => String(mail.html).includes(`/admin#contact/${contactId}`));
};
