import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmNotificationsProps {
  /**
   * Who gets the alarms by email (AWS asks them to confirm the subscription first).
   * @default - nobody: subscribe chat, paging or email to the topic yourself
   */
  readonly email?: string;
}

/**
 * Where Leadflow's alarms go: one encrypted SNS topic that every alarm in the stack notifies when it
 * fires and when it clears (`notifyFrom`), with an optional email subscription.
 */
export class AlarmNotifications extends Construct {
  public readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlarmNotificationsProps = {}) {
    super(scope, id);

    // CloudWatch can publish to an encrypted topic only with a customer managed key it may use; the
    // AWS managed SNS key's policy cannot grant that.
    const key = new Key(this, 'Key', {
      description: 'Encrypts the Leadflow alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new Topic(this, 'Topic', {
      displayName: 'Leadflow alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
  }

  /** Makes every alarm under `scope` notify the topic when it fires and when it clears. */
  public notifyFrom(scope: Construct): void {
    const action = new SnsAction(this.topic);
    for (const alarm of scope.node.findAll().filter((node) => node instanceof Alarm)) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}
