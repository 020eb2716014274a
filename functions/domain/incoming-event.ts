/**
 * Things that happen to a contact and move it along the funnel. Every event is stored on the
 * contact before the journey is woken, and consumed at the journey's next step: an event that
 * races a timeout, or arrives while no task waits, is late at worst, never lost.
 */
export const adminEventTypes = [
  'sales_accepted',
  'sales_rejected',
  'won',
  'lost',
  'engaged',
  'unsubscribed',
] as const;

export const incomingEventTypes = [
  ...adminEventTypes,
  /** A further form submission from a known contact (may carry a declared buying stage). */
  'submitted',
  /** SES told us the address hard-bounced or the recipient complained. */
  'bounced',
  'complained',
  /**
   * The contact's track got a new schedule version: the journey plans its next touch again. Not a
   * touch, scores nothing and moves no stage.
   */
  'schedule_changed',
  /** The contact confirmed its subscription: marketing email may begin. Plans again, like the above. */
  'consent_confirmed',
  /** A new version of the qualification rules: the journey weighs the contact again under it. */
  'rules_changed',
  /**
   * The contact changed its choices on its preferences page (a pause, a track, its buying stage):
   * the journey plans again. Not a touch and scores nothing; one that declares a buying stage
   * (`detail.buyingStage`) is weighed as the declaration, so `ready_to_talk` hands over to sales.
   */
  'preferences_changed',
] as const;

export type IncomingEventType = (typeof incomingEventTypes)[number];

export interface IncomingEvent {
  eventId: string;
  type: IncomingEventType;
  at: string;
  /** e.g. the buying stage a submission declared, or the link a click followed. */
  detail?: Record<string, string>;
}
