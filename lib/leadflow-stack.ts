import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parseRateLimit } from '../functions/domain/intake-rate.js';
import { AdminApi } from './constructs/admin-api.js';
import { ContactEvents } from './constructs/contact-events.js';
import { ContactStore } from './constructs/contact-store.js';
import { IntakeApi, type RouteTargets } from './constructs/intake-api.js';
import { Journey } from './constructs/journey.js';
import { Mailer } from './constructs/mailer.js';

/** Context keys the stack reads; documented in bin/leadflow.ts. */
export const contextKeys = {
  allowedOrigins: 'leadflow:allowedOrigins',
  senderAddress: 'leadflow:senderAddress',
  postalAddress: 'leadflow:postalAddress',
  siteUrl: 'leadflow:siteUrl',
  sesIdentity: 'leadflow:sesIdentity',
  existingSesIdentity: 'leadflow:existingSesIdentity',
  singleOptInForms: 'leadflow:singleOptInForms',
  intakeRatePerMinute: 'leadflow:intakeRatePerMinute',
  salesInbox: 'leadflow:salesInbox',
} as const;

export interface LeadflowStackProps extends StackProps {
  /**
   * Origins allowed to call the API from a browser (CORS).
   * @default - context `leadflow:allowedOrigins`, else `['http://localhost:3000']`
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * The From of every email, a verified SES identity.
   * @default - context `leadflow:senderAddress`, else `Leadflow <hello@example.com>`
   */
  readonly senderAddress?: string;
  /**
   * The sender's postal address, printed in every marketing email.
   * @default - context `leadflow:postalAddress`, else an example address
   */
  readonly postalAddress?: string;
  /**
   * The website the emails' links point into.
   * @default - context `leadflow:siteUrl`, else https://<the sender's domain>
   */
  readonly siteUrl?: string;
  /**
   * The SES identity mail is sent through: a domain (DKIM-signed, any address under it) or the
   * sender's address.
   * @default - context `leadflow:sesIdentity`, else the sender's address
   */
  readonly sesIdentity?: string;
  /**
   * The SES identity is already verified in the account and region (the company's domain, or
   * another stage's): use it rather than create it.
   * @default - context `leadflow:existingSesIdentity` (`true`), else false
   */
  readonly existingSesIdentity?: boolean;
  /**
   * Forms whose consent counts without a confirmation email (single opt-in): form ids, or `*`.
   * @default - context `leadflow:singleOptInForms`, else none: double opt-in on every form
   */
  readonly singleOptInForms?: readonly string[];
  /**
   * Public submissions per client per minute, `0` for no limit.
   * @default - context `leadflow:intakeRatePerMinute`, else 10
   */
  readonly intakeRatePerMinute?: number;
  /**
   * Where the sales handoff email goes when a contact becomes a sales lead: the sales team's inbox.
   * @default - context `leadflow:salesInbox`, else `sales@example.com`
   */
  readonly salesInbox?: string;
}

/**
 * Leadflow in one stack: state, intake, admin, journey and mail, one construct per capability.
 * Environment-agnostic, so it synthesizes offline. The only physical names (the journey's state
 * machine and its log group) are generated from the stack's name, so two stages deploy side by
 * side; the SES identity is once per account and region, so a second stage uses the first one's
 * (`existingSesIdentity`).
 */
export class LeadflowStack extends Stack {
  public readonly store: ContactStore;
  public readonly api: IntakeApi;
  public readonly admin: AdminApi;
  public readonly journey: Journey;
  public readonly mailer: Mailer;
  public readonly events: ContactEvents;

  constructor(scope: Construct, id: string, props: LeadflowStackProps = {}) {
    super(scope, id, props);

    this.store = new ContactStore(this, 'ContactStore');
    this.api = new IntakeApi(this, 'IntakeApi', {
      table: this.store.table,
      allowedOrigins: props.allowedOrigins ??
        readStringList(this, contextKeys.allowedOrigins) ?? ['http://localhost:3000'],
      ratePerMinute: props.intakeRatePerMinute ?? readRateLimit(this, contextKeys.intakeRatePerMinute),
    });
    this.admin = new AdminApi(this, 'AdminApi', { table: this.store.table });

    this.journey = new Journey(this, 'Journey', { table: this.store.table });
    const context = (key: string): string | undefined => {
      const value: unknown = this.node.tryGetContext(key);
      return typeof value === 'string' && value.trim() !== '' ? value : undefined;
    };
    const siteUrl = props.siteUrl ?? context(contextKeys.siteUrl);
    const identity = props.sesIdentity ?? context(contextKeys.sesIdentity);
    this.mailer = new Mailer(this, 'Mailer', {
      table: this.store.table,
      senderAddress:
        props.senderAddress ?? context(contextKeys.senderAddress) ?? 'Leadflow <hello@example.com>',
      ...(identity ? { identity } : {}),
      existingIdentity:
        props.existingSesIdentity ?? readBoolean(this, contextKeys.existingSesIdentity) ?? false,
      postalAddress:
        props.postalAddress ??
        context(contextKeys.postalAddress) ??
        'Leadflow Example Inc., 100 Main Street, Springfield, OR 97477, USA',
      unsubscribeUrl: `${this.api.url}v1/unsubscribe`,
      ...(siteUrl ? { siteUrl } : {}),
    });
    // The journey sends the schedules' steps; intake answers requests (an e-book's link); admin
    // sends template tests.
    for (const fn of [
      this.journey.advance.function,
      this.api.handler.function,
      this.admin.handler.function,
    ]) {
      this.mailer.grantSend(fn);
    }

    // The journey step announces stage changes and hands leads to sales; admin announces erasures.
    this.events = new ContactEvents(this, 'ContactEvents');
    this.events.grantPut(this.journey.advance.function);
    this.events.grantPut(this.admin.handler.function);
    this.journey.advance.function.addEnvironment('CONTACTS_URL', `${this.api.url}v1/contacts`);
    this.journey.advance.function.addEnvironment(
      'SALES_INBOX',
      props.salesInbox ?? context(contextKeys.salesInbox) ?? 'sales@example.com',
    );

    const singleOptIn = props.singleOptInForms ?? readStringList(this, contextKeys.singleOptInForms) ?? [];
    if (singleOptIn.length > 0) {
      this.api.handler.function.addEnvironment('SINGLE_OPT_IN_FORMS', singleOptIn.join(','));
    }

    // Intake starts journeys and hands new touches of known contacts to them; admin (sales
    // decisions, erasure, schedule edits), unsubscribe and SES events resume them.
    for (const fn of [
      this.api.handler.function,
      this.admin.handler.function,
      this.mailer.unsubscribeHandler.function,
      this.mailer.eventsFunction,
    ]) {
      this.journey.grantDeliver(fn);
    }

    const routeTargets: RouteTargets = {
      intake: this.api.handler.function,
      admin: this.admin.handler.function,
      unsubscribe: this.mailer.unsubscribeHandler.function,
    };
    this.api.addRoutes(routeTargets);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Leadflow API' });
    new CfnOutput(this, 'TableName', { value: this.store.table.tableName });
  }
}

/**
 * A list from context: a JSON array in cdk.json, or from the command line (`-c key=a,b` or a JSON
 * array string).
 */
const readStringList = (scope: Construct, key: string): string[] | undefined => {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return undefined;
  const list: unknown = typeof value === 'string' && value.trim().startsWith('[') ? JSON.parse(value) : value;
  const items = typeof list === 'string' ? list.split(',') : list;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw new Error(`Context ${key} must be a list of strings, got ${JSON.stringify(value)}`);
  }
  return items.map((item) => item.trim()).filter((item) => item !== '');
};

/** A flag from context: `true`/`false` in cdk.json, or the strings from the command line. */
const readBoolean = (scope: Construct, key: string): boolean | undefined => {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new Error(`Context ${key} must be true or false, got ${JSON.stringify(value)}`);
};

/** A per-minute limit from context: a whole number, `0` for none, in cdk.json or from the command line. */
const readRateLimit = (scope: Construct, key: string): number | undefined => {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined) return undefined;
  const limit = parseRateLimit(value);
  if (limit === undefined) {
    throw new Error(`Context ${key} must be a whole number (0: no limit), got ${JSON.stringify(value)}`);
  }
  return limit;
};
