import { CfnOutput, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { functionMemoryMb } from '../function-memory.js';
import { handlerEntry, LeadflowFunction } from './leadflow-function.js';

export interface MailerProps {
  readonly table: ITable;
  /** The From of every email: `Leadflow Demo <hello@example.com>` or a bare address. */
  readonly senderAddress: string;
  /**
   * What SES verifies: a domain (recommended: DKIM-signed mail, any address under it) or an
   * address (SES emails it a verification link). @default the sender's address
   */
  readonly identity?: string;
  /**
   * The identity is already verified in this account and region (the company's own domain, or
   * another stage's): use it instead of creating it. An SES identity exists once per account and
   * region, so a second stage beside the first, or an account that already sends from the domain,
   * cannot create it again. Nothing changes for sending: every send names the configuration set.
   * @default false: the stack creates (and on deletion removes) the identity
   */
  readonly existingIdentity?: boolean;
  /** Printed in every email's footer (CAN-SPAM requires a valid physical postal address). */
  readonly postalAddress: string;
  /** The public unsubscribe endpoint, e.g. `${httpApi.apiEndpoint}/v1/unsubscribe`. */
  readonly unsubscribeUrl: string;
  /** A mailbox that also unsubscribes, offered in `List-Unsubscribe` beside the link. */
  readonly unsubscribeMailto?: string;
  /** The company's website; the emails' calls to action link to pages under it. @default https://<sender's domain> */
  readonly siteUrl?: string;
}

const bareAddress = (address: string) => /<([^>]+)>/.exec(address)?.[1] ?? address.trim();

/**
 * Everything about sending: the SES identity, a configuration set whose delivery, bounce,
 * complaint, open and click events go to an encrypted SNS topic, and the function that turns
 * those events into engagement and suppression on the contact. Functions that send get exactly
 * `ses:SendEmail` on this identity and configuration set through `grantSend`.
 */
export class Mailer extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly identity: ses.IEmailIdentity;
  readonly eventsTopic: sns.Topic;
  /**
   * Handles the SES events. It wakes journeys, so the stack lets it signal them:
   * `journey.grantSignal(mailer.eventsFunction)`.
   */
  readonly eventsFunction: lambda.Function;
  readonly eventsHandler: LeadflowFunction;
  /** SES events the events function still failed on after Lambda's retries. */
  readonly eventsDeadLetters: sqs.Queue;
  /** Fires when an SES event lands in the dead-letter queue: a bounce or complaint went unrecorded. */
  readonly eventsDeadLettersAlarm: cloudwatch.Alarm;
  /**
   * Answers the signed links in emails, `GET|POST /v1/confirm`, `/v1/unsubscribe` and `/v1/preferences`
   * (functions/signed-links/); it wakes journeys too (`journey.grantSignal`).
   */
  readonly signedLinks: LeadflowFunction;
  private readonly props: MailerProps;
  /** The identity's name as given: a domain or an address (the construct's own is a token). */
  private readonly identityName: string;

  constructor(scope: Construct, id: string, props: MailerProps) {
    super(scope, id);
    // Checked here rather than at the first send, which would fail every journey step instead.
    const sender = bareAddress(props.senderAddress);
    if (!Token.isUnresolved(sender) && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(sender)) {
      throw new Error(
        `The sender address must be an email address, got ${JSON.stringify(props.senderAddress)}`,
      );
    }
    this.props = props;

    // Bounces and complaints also reach the account-level suppression list, left as configured.
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      sendingEnabled: true,
    });

    const identityName = props.identity ?? sender;
    this.identityName = identityName;
    const senderDomain = sender.split('@')[1]?.toLowerCase() ?? '';
    const name = identityName.toLowerCase();
    const covers = name.includes('@')
      ? name === sender.toLowerCase()
      : senderDomain === name || senderDomain.endsWith(`.${name}`);
    if (!Token.isUnresolved(sender) && !Token.isUnresolved(identityName) && !covers) {
      throw new Error(`The SES identity ${identityName} does not cover the sender address ${sender}`);
    }
    if (props.existingIdentity) {
      this.identity = ses.EmailIdentity.fromEmailIdentityName(this, 'Identity', identityName);
    } else {
      const identity = new ses.EmailIdentity(this, 'Identity', {
        identity: identityName.includes('@')
          ? ses.Identity.email(identityName)
          : ses.Identity.domain(identityName),
        // The default set for the identity: even a send that names none publishes its events.
        configurationSet: this.configurationSet,
      });
      if (!identityName.includes('@')) {
        identity.dkimRecords.forEach((record, index) => {
          new CfnOutput(this, `DkimRecord${index + 1}`, {
            description: `Add to ${identityName}'s DNS so SES can verify and DKIM-sign its mail`,
            value: `${record.name} CNAME ${record.value}`,
          });
        });
      }
      this.identity = identity;
    }

    // SES can publish to an encrypted topic only with a customer managed key it may use; the
    // AWS managed SNS key's policy cannot grant that.
    const key = new kms.Key(this, 'EventsKey', {
      description: 'Encrypts the SES event topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const { account } = Stack.of(this);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'aws:SourceAccount': account,
            'aws:SourceArn': this.configurationSetArn(),
          },
        },
      }),
    );
    this.eventsTopic = new sns.Topic(this, 'Events', { masterKey: key, enforceSSL: true });
    this.configurationSet.addEventDestination('ToTopic', {
      destination: ses.EventDestination.snsTopic(this.eventsTopic),
      events: [
        ses.EmailSendingEvent.BOUNCE,
        ses.EmailSendingEvent.COMPLAINT,
        ses.EmailSendingEvent.DELIVERY,
        ses.EmailSendingEvent.OPEN,
        ses.EmailSendingEvent.CLICK,
      ],
    });

    // Lambda retries a failed asynchronous invocation twice; what still fails is kept here
    // rather than dropped, so no bounce or complaint goes unrecorded.
    const deadLetters = new sqs.Queue(this, 'EventsDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.eventsDeadLetters = deadLetters;
    // Kept is not handled: someone has to look (and redrive) within the 14 days.
    this.eventsDeadLettersAlarm = new cloudwatch.Alarm(this, 'EventsDeadLettersAlarm', {
      alarmDescription:
        'An SES event (bounce, complaint, delivery, open or click) could not be recorded; it waits in the dead-letter queue for 14 days',
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.eventsHandler = new LeadflowFunction(this, 'EventsHandler', {
      entry: handlerEntry('mail-events/handler.ts'),
      serviceName: 'mail-events',
      description: 'Turns SES bounces, complaints and clicks into suppression and engagement',
      memorySize: functionMemoryMb['mail-events'],
      timeout: Duration.seconds(30),
      deadLetterQueue: deadLetters,
    });
    this.eventsHandler.bindTable(props.table, 'readWrite');
    this.eventsFunction = this.eventsHandler.function;
    this.eventsTopic.addSubscription(new LambdaSubscription(this.eventsFunction));

    // Its id predates the double opt-in and preferences links; kept so the function is not replaced.
    this.signedLinks = new LeadflowFunction(this, 'UnsubscribeHandler', {
      entry: handlerEntry('signed-links/handler.ts'),
      serviceName: 'unsubscribe',
      memorySize: functionMemoryMb.signedLinks,
      description: 'Signed links in emails (confirm, unsubscribe, preferences): GET shows a page, POST acts',
    });
    // Writes consent and the contact's event; reads (or first creates) the link-signing key.
    this.signedLinks.bindTable(props.table, 'readWrite');
  }

  /**
   * Lets the function send marketing email through this identity and configuration set only,
   * and gives it the settings `sendMarketingEmail` (functions/adapters/mailer.ts) reads. The
   * function also needs the table (for the unsubscribe-link key) and `TABLE_NAME`, which it has as
   * a journey function.
   */
  grantSend(fn: lambda.Function): void {
    // SES v2 `SendEmail` (raw content included) is authorized as `ses:SendEmail` alone, against
    // the sending identity and the configuration set the call names.
    const identities = [this.identity.emailIdentityArn];
    const sender = bareAddress(this.props.senderAddress);
    if (sender.toLowerCase() !== this.identityName.toLowerCase()) {
      // Sending from an address under a domain identity: should that address also be verified
      // on its own (in an account that already sends mail, say), SES authorizes the send against
      // the address identity, so name it too. Still this one sender and nothing else.
      identities.push(
        Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: sender }),
      );
    }
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [...identities, this.configurationSetArn()],
      }),
    );
    const environment: Record<string, string | undefined> = {
      SENDER_ADDRESS: this.props.senderAddress,
      SES_CONFIGURATION_SET: this.configurationSet.configurationSetName,
      POSTAL_ADDRESS: this.props.postalAddress,
      UNSUBSCRIBE_URL: this.props.unsubscribeUrl,
      UNSUBSCRIBE_MAILTO: this.props.unsubscribeMailto,
      SITE_URL: this.props.siteUrl,
    };
    for (const [name, value] of Object.entries(environment)) if (value) fn.addEnvironment(name, value);
  }

  private configurationSetArn(): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
  }
}
