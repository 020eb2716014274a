import { ArnFormat, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, LogGroup, MetricFilter, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { functionMemoryMb } from '../function-memory.js';
import { buildJourney } from '../workflows/journey.js';
import { handlerEntry, LeadflowFunction } from './leadflow-function.js';
import { acknowledgeStateMachineRole } from './state-machine-findings.js';

export interface JourneyProps {
  /** Contacts, their events and the send ledger. */
  readonly table: ITable;
}

/**
 * Each contact's journey through the funnel: a Standard state machine (long waits, exactly-once
 * steps) built by `buildJourney`, and its two functions. Intake starts journeys with `grantStart`;
 * whatever delivers events to a waiting journey gets `grantSignal`.
 */
export class Journey extends Construct {
  public readonly stateMachine: StateMachine;
  public readonly advance: LeadflowFunction;
  public readonly await: LeadflowFunction;
  public readonly logGroup: LogGroup;
  /** A journey failed (a step still failing after its retries): its contact is stuck. */
  public readonly failedAlarm: Alarm;
  /** A journey stalled: a step still failing after its retries. It retries, but something is down. */
  public readonly stalledAlarm: Alarm;
  /** A journey ran into Standard workflows' one-year limit: its contact is stuck. */
  public readonly timedOutAlarm: Alarm;
  /** The state machine's ARN built from its name: grants to its own task functions cannot use its Ref. */
  private readonly arnByName: string;
  /** Its executions' ARNs, for DescribeExecution. */
  private readonly executionsArn: string;
  private readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: JourneyProps) {
    super(scope, id);

    this.advance = new LeadflowFunction(this, 'Advance', {
      entry: handlerEntry('journey/advance-handler.ts'),
      serviceName: 'journey',
      memorySize: functionMemoryMb.advance,
      description: 'A journey step: applies events and time, sends the email that fell due',
      timeout: Duration.seconds(30),
    });
    this.advance.bindTable(props.table, 'readWrite');
    this.await = new LeadflowFunction(this, 'Await', {
      entry: handlerEntry('journey/await-handler.ts'),
      serviceName: 'journey',
      memorySize: functionMemoryMb.await,
      description: 'Parks a waiting journey’s task token on the contact',
    });
    this.await.bindTable(props.table, 'readWrite');

    // Vended-logs prefix: Step Functions delivers to it without a resource policy per group.
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200 })}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // A generated name, so the role can be granted StartExecution on the machine's own ARN (the
    // customer journey continues as a new execution) without a reference to itself.
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80 });
    this.stateMachineName = stateMachineName;
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(
        buildJourney(this, { advance: this.advance.function, await: this.await.function }),
      ),
      tracingEnabled: true,
      // ALL: every state's events, which is what tells why a contact's journey did what it did (and
      // what cdk-nag AwsSolutions-SF1 asks for; ERROR would log failures only). Without their data:
      // inputs and outputs carry contact ids and task tokens only, yet the logs should never become
      // a second copy of anyone's journey, and events without data stay small at this volume.
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    this.arnByName = Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.executionsArn = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [this.arnByName] }),
    );
    acknowledgeStateMachineRole(this.stateMachine, [this.advance, this.await]);
    // The await task wakes its own journey when events arrived before its token was parked.
    this.grantSignal(this.await.function);

    // No actions here: the stack sends every alarm to one topic (AlarmNotifications).
    const whenAny = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    };
    this.failedAlarm = new Alarm(this, 'ExecutionsFailed', {
      alarmDescription: 'A contact journey failed: its contact is stuck until the journey is restarted',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5) }),
      ...whenAny,
    });
    // A step that kept failing past its retries parks its journey as stalled and logs it (see the
    // await handler); the journey retries on its own, but someone should look at why.
    const stalls = new MetricFilter(this, 'StalledJourneys', {
      logGroup: this.await.logGroup,
      filterPattern: FilterPattern.stringValue('$.message', '=', 'Journey stalled'),
      metricNamespace: 'Leadflow',
      metricName: 'JourneysStalled',
      metricValue: '1',
    });
    this.stalledAlarm = new Alarm(this, 'JourneysStalled', {
      alarmDescription:
        'A contact journey stalled: a step failed past its retries (an outage?). It retries hourly and on the next event.',
      metric: stalls.metric({ period: Duration.minutes(5), statistic: 'Sum' }),
      ...whenAny,
    });
    // The definition sets no execution timeout, so only Standard's one-year maximum ends a journey
    // this way; a quiet contact's journey must continue as a new execution before then.
    this.timedOutAlarm = new Alarm(this, 'ExecutionsTimedOut', {
      alarmDescription:
        'A contact journey reached the one-year execution limit: its contact is stuck until the journey is restarted',
      metric: this.stateMachine.metricTimedOut({ period: Duration.minutes(5) }),
      ...whenAny,
    });
  }

  /** Lets `fn` start journeys, and tells it which state machine through `JOURNEY_STATE_MACHINE_ARN`. */
  public grantStart(fn: IFunction & { addEnvironment(key: string, value: string): unknown }): void {
    fn.addEnvironment('JOURNEY_STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    this.stateMachine.grantStartExecution(fn);
  }

  /**
   * Lets `fn` resume a waiting journey with its task token: what `stateMachine.grantTaskResponse`
   * grants (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat), but on the ARN built from the
   * name, so the await function, which the definition itself references, gets it without a cycle.
   */
  public grantSignal(fn: IFunction): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: [this.arnByName],
      }),
    );
  }

  /**
   * Lets `fn` deliver events to journeys: resume a waiting one, and restart one that is not
   * running (an error ended it) as a fresh generation, which needs its status and a start.
   */
  public grantDeliver(fn: IFunction & { addEnvironment(key: string, value: string): unknown }): void {
    this.grantSignal(fn);
    this.grantStart(fn);
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['states:DescribeExecution'], resources: [this.executionsArn] }),
    );
    if (!fn.role) throw new Error('A function delivering events needs its own role');
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${this.stateMachineName}:*]`,
      reason:
        'Executions are named per contact and generation: the wildcard is this state machine’s executions only.',
    });
  }
}
