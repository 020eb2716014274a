import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
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
  readonly identity: ses.EmailIdentity;
  readonly eventsTopic: sns.Topic;
  /**
   * Handles the SES events. It wakes journeys, so the stack grants it the journey's task
   * responses: `stateMachine.grantTaskResponse(mailer.eventsFunction)`.
   */
  readonly eventsFunction: lambda.IFunction;
  readonly eventsHandler: LeadflowFunction;
  /** Behind the public `GET|POST /v1/unsubscribe` routes; it wakes journeys too (`grantTaskResponse`). */
  readonly unsubscribeHandler: LeadflowFunction;
  private readonly props: MailerProps;

  constructor(scope: Construct, id: string, props: MailerProps) {
    super(scope, id);
    this.props = props;

    // Bounces and complaints also reach the account-level suppression list, left as configured.
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      sendingEnabled: true,
    });

    const identityName = props.identity ?? bareAddress(props.senderAddress);
    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity: identityName.includes('@')
        ? ses.Identity.email(identityName)
        : ses.Identity.domain(identityName),
      // The default set for the identity: even a send that names none publishes its events.
      configurationSet: this.configurationSet,
    });
    if (!identityName.includes('@')) {
      this.identity.dkimRecords.forEach((record, index) => {
        new CfnOutput(this, `DkimRecord${index + 1}`, {
          description: `Add to ${identityName}'s DNS so SES can verify and DKIM-sign its mail`,
          value: `${record.name} CNAME ${record.value}`,
        });
      });
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
    this.eventsHandler = new LeadflowFunction(this, 'EventsHandler', {
      entry: handlerEntry('mail-events/handler.ts'),
      serviceName: 'mail-events',
      description: 'Turns SES bounces, complaints and clicks into suppression and engagement',
      memorySize: 256,
      timeout: Duration.seconds(30),
      deadLetterQueue: deadLetters,
    });
    this.eventsHandler.bindTable(props.table, 'readWrite');
    this.eventsFunction = this.eventsHandler.function;
    this.eventsTopic.addSubscription(new LambdaSubscription(this.eventsFunction));

    this.unsubscribeHandler = new LeadflowFunction(this, 'UnsubscribeHandler', {
      entry: handlerEntry('unsubscribe/handler.ts'),
      serviceName: 'unsubscribe',
      description: 'GET shows the unsubscribe page; POST (RFC 8058 one-click) unsubscribes',
    });
    // Writes consent and the contact's event; reads (or first creates) the link-signing key.
    this.unsubscribeHandler.bindTable(props.table, 'readWrite');
  }

  /**
   * Lets the function send marketing email through this identity and configuration set only,
   * and gives it the settings `sendMarketingEmail` reads. The function also needs the table
   * (for the unsubscribe-link key) and `TABLE_NAME`, which it has as a journey function.
   */
  grantSend(fn: lambda.Function): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [this.identity.emailIdentityArn, this.configurationSetArn()],
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
