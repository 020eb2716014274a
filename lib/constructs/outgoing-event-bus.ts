import { Duration, Names } from 'aws-cdk-lib';
import { type Archive, EventBus } from 'aws-cdk-lib/aws-events';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { eventSource } from '../../functions/domain/bus-events.js';

export interface OutgoingEventBusProps {
  /**
   * How long the archive keeps the events, for replaying them to a consumer added later.
   * @default Duration.days(30)
   */
  readonly archiveRetention?: Duration;
}

/**
 * Events out: a custom EventBridge bus that stage changes, sales handoffs and erasures are put on
 * (`functions/domain/bus-events.ts`, docs/events.md), so a company routes them to its CRM or chat
 * with rules of its own. Functions that emit get `events:PutEvents` on this bus, and its name, through
 * `grantPut`. The archive is safe to keep: the events carry ids, stages, scores and companies, no
 * person's name or address, so an erasure leaves nothing personal behind in it.
 */
export class OutgoingEventBus extends Construct {
  public readonly bus: EventBus;
  public readonly archive: Archive;

  constructor(scope: Construct, id: string, props: OutgoingEventBusProps = {}) {
    super(scope, id);
    // Generated from the stack's path, so two stages deploy side by side in one account.
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: Names.uniqueResourceName(this, { maxLength: 256 }),
      description: 'Leadflow contact events: stage changes, sales handoffs, erasures',
    });
    this.archive = this.bus.archive('Archive', {
      description: 'Leadflow contact events, for replay',
      eventPattern: { source: [eventSource] },
      retention: props.archiveRetention ?? Duration.days(30),
    });
  }

  /** Lets `fn` put events on the bus, named to it in `EVENT_BUS_NAME` (functions/adapters/event-bus.ts). */
  public grantPut(fn: LambdaFunction): void {
    this.bus.grantPutEventsTo(fn);
    fn.addEnvironment('EVENT_BUS_NAME', this.bus.eventBusName);
  }
}
