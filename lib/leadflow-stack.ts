import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parseRateLimit } from '../functions/domain/intake-rate.js';
import { AdminApi } from './constructs/admin-api.js';
import { AdminSignIn, hostedDomain } from './constructs/admin-sign-in.js';
import { AdminSite } from './constructs/admin-site.js';
import { AlarmNotifications } from './constructs/alarm-notifications.js';
import { ContactStore } from './constructs/contact-store.js';
import { FanOutJobs } from './constructs/fan-out-jobs.js';
import { LeadflowHttpApi, type RouteTargets } from './constructs/http-api.js';
import { Journey } from './constructs/journey.js';
import { Mailer } from './constructs/mailer.js';
import { OutgoingEventBus } from './constructs/outgoing-event-bus.js';

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
  landingPage: 'leadflow:landingPage',
  adminDomain: 'leadflow:adminDomain',
  adminCertificateArn: 'leadflow:adminCertificateArn',
  apiDomain: 'leadflow:apiDomain',
  apiCertificateArn: 'leadflow:apiCertificateArn',
  cognitoDomainPrefix: 'leadflow:cognitoDomainPrefix',
  alarmEmail: 'leadflow:alarmEmail',
  salesInbox: 'leadflow:salesInbox',
  testSendDomains: 'leadflow:testSendDomains',
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
   * Domains whose addresses may receive template test sends, besides the signed-in user's own.
   * @default - context `leadflow:testSendDomains`, else none
   */
  readonly testSendDomains?: readonly string[];
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
 * Leadflow in one stack: state, intake, admin (its sign-in and its page), journey, mail and alarms,
 * one construct per capability. Environment-agnostic, so it synthesizes offline. The only physical
 * names (the journey's state machine and its log group, the sign-in's domain prefix) are generated
 * from the stack's name, so two stages deploy side by side; the SES identity is once per account
 * and region, so a second stage uses the first one's (`existingSesIdentity`). The deployment
 * settings that are not props come from context (`contextKeys`, documented in bin/leadflow.ts).
 */
export class LeadflowStack extends Stack {
  public readonly store: ContactStore;
  public readonly api: LeadflowHttpApi;
  public readonly admin: AdminApi;
  public readonly journey: Journey;
  public readonly jobs: FanOutJobs;
  public readonly mailer: Mailer;
  public readonly signIn: AdminSignIn;
  public readonly site: AdminSite;
  public readonly alarms: AlarmNotifications;
  public readonly events: OutgoingEventBus;

  constructor(scope: Construct, id: string, props: LeadflowStackProps = {}) {
    super(scope, id, props);
    const context = (key: string): string | undefined => {
      const value: unknown = this.node.tryGetContext(key);
      return typeof value === 'string' && value.trim() !== '' ? value : undefined;
    };
    const apiDomain = readDomain(context, contextKeys.apiDomain, contextKeys.apiCertificateArn);
    const siteDomain = readDomain(context, contextKeys.adminDomain, contextKeys.adminCertificateArn);

    this.store = new ContactStore(this, 'ContactStore');

    // The site first: the sign-in returns to its URLs and the API's CORS allows its origins. Its CSP
    // needs only names known now (the sign-in's domain, the API's custom domain), not resources
    // that depend on the site, which would make a cycle.
    const domainPrefix =
      context(contextKeys.cognitoDomainPrefix) ??
      `${this.stackName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${this.account}`;
    const signInDomain = hostedDomain(this, domainPrefix);
    this.site = new AdminSite(this, 'AdminSite', {
      connectOrigins: [...(apiDomain ? [`https://${apiDomain.name}`] : []), `https://${signInDomain}`],
      ...(siteDomain ? { domain: siteDomain } : {}),
      landingPage: readBoolean(this, contextKeys.landingPage) ?? true,
    });
    this.signIn = new AdminSignIn(this, 'AdminSignIn', {
      domainPrefix,
      adminPageUrls: this.site.adminPageUrls,
    });

    // Construct ids predate the classes' names; kept so a deployed stack updates in place.
    this.api = new LeadflowHttpApi(this, 'IntakeApi', {
      table: this.store.table,
      allowedOrigins: [
        ...(props.allowedOrigins ??
          readStringList(this, contextKeys.allowedOrigins) ?? ['http://localhost:3000']),
        ...this.site.origins,
      ],
      ratePerMinute: props.intakeRatePerMinute ?? readRateLimit(this, contextKeys.intakeRatePerMinute),
      ...(apiDomain ? { domain: apiDomain } : {}),
    });
    this.admin = new AdminApi(this, 'AdminApi', { table: this.store.table });

    this.journey = new Journey(this, 'Journey', { table: this.store.table });
    // Publishes (schedules, rules) wake their contacts through a job, not inside the request.
    this.jobs = new FanOutJobs(this, 'FanOutJobs', { table: this.store.table, journey: this.journey });
    this.jobs.grantStart(this.admin.handler.function);
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
    // The journey sends the schedules' steps; intake answers requests (an e-book's link); the
    // templates function sends template tests.
    for (const fn of [
      this.journey.advance.function,
      this.api.intake.function,
      this.admin.templates.function,
    ]) {
      this.mailer.grantSend(fn);
    }

    // The journey step announces stage changes and hands leads to sales; admin announces erasures.
    this.events = new OutgoingEventBus(this, 'ContactEvents'); // id kept, see IntakeApi above
    this.events.grantPut(this.journey.advance.function);
    this.events.grantPut(this.admin.handler.function);
    // The handoff email and the bus events link sales to the contact's page, not to the API.
    this.journey.advance.function.addEnvironment('ADMIN_PAGE_URL', this.site.adminPageUrl);
    this.journey.advance.function.addEnvironment(
      'SALES_INBOX',
      props.salesInbox ?? context(contextKeys.salesInbox) ?? 'sales@example.com',
    );

    // A template test send goes to the signed-in user's own address, or to these staff domains.
    const testSendDomains = props.testSendDomains ?? readStringList(this, contextKeys.testSendDomains) ?? [];
    if (testSendDomains.length > 0) {
      this.admin.handler.function.addEnvironment('TEST_SEND_DOMAINS', testSendDomains.join(','));
    }

    const singleOptIn = props.singleOptInForms ?? readStringList(this, contextKeys.singleOptInForms) ?? [];
    if (singleOptIn.length > 0) {
      this.api.intake.function.addEnvironment('SINGLE_OPT_IN_FORMS', singleOptIn.join(','));
    }

    // Intake starts journeys and hands new touches of known contacts to them; admin (sales
    // decisions, erasure, schedule edits), unsubscribe and SES events resume them.
    for (const fn of [
      this.api.intake.function,
      this.admin.handler.function,
      this.mailer.signedLinks.function,
      this.mailer.eventsFunction,
    ]) {
      this.journey.grantDeliver(fn);
    }

    const routeTargets: RouteTargets = {
      intake: this.api.intake.function,
      admin: this.admin.handler.function,
      templates: this.admin.templates.function,
      signedLinks: this.mailer.signedLinks.function,
    };
    this.api.addRoutes(routeTargets, this.signIn);

    this.site.deploy({
      apiUrl: this.api.url,
      region: this.region,
      userPoolId: this.signIn.userPool.userPoolId,
      clientId: this.signIn.client.userPoolClientId,
      cognitoDomain: this.signIn.domainName,
    });

    const alarmEmail = context(contextKeys.alarmEmail);
    this.alarms = new AlarmNotifications(this, 'Alarms', alarmEmail ? { email: alarmEmail } : {});
    this.alarms.notifyFrom(this);

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the Leadflow API' });
    new CfnOutput(this, 'AdminUrl', {
      value: this.site.adminPageUrl,
      description: 'The admin page (sign in with a user invited to the user pool)',
    });
    new CfnOutput(this, 'UserPoolId', {
      value: this.signIn.userPool.userPoolId,
      description: 'Invite admin users here (aws cognito-idp admin-create-user)',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarms.topic.topicArn,
      description: 'Every alarm notifies this topic: subscribe chat, paging or email to it',
    });
    if (apiDomain && this.api.domain) {
      new CfnOutput(this, 'ApiDomainTarget', {
        value: this.api.domain.regionalDomainName,
        description: `Point ${apiDomain.name} here (CNAME or alias record)`,
      });
    }
    if (siteDomain) {
      new CfnOutput(this, 'AdminDomainTarget', {
        value: this.site.distribution.distributionDomainName,
        description: `Point ${siteDomain.name} here (CNAME or alias record)`,
      });
    }
    new CfnOutput(this, 'TableName', { value: this.store.table.tableName });
  }
}

/** A custom domain from context: its name and its certificate's ARN, both or neither. */
const readDomain = (
  context: (key: string) => string | undefined,
  nameKey: string,
  certificateKey: string,
): { name: string; certificateArn: string } | undefined => {
  const name = context(nameKey);
  const certificateArn = context(certificateKey);
  if (name === undefined && certificateArn === undefined) return undefined;
  if (name === undefined || certificateArn === undefined) {
    throw new Error(`Context ${nameKey} and ${certificateKey} go together: give both or neither`);
  }
  return { name: name.trim().toLowerCase(), certificateArn: certificateArn.trim() };
};

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
