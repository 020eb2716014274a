/** The lead funnel's stages, in order, and the side states a contact can leave it for. */
export const funnelStages = [
  'awareness',
  'name',
  'engagement',
  'target',
  'lead',
  'sales_lead',
  'opportunity',
  'customer',
  'recycled',
] as const;
export const sideStates = ['unsubscribed', 'suppressed', 'disqualified'] as const;

export type FunnelStage = (typeof funnelStages)[number];
export type SideState = (typeof sideStates)[number];
export type Stage = FunnelStage | SideState;

export const buyingStages = ['researching', 'comparing', 'ready_to_talk'] as const;
export type BuyingStage = (typeof buyingStages)[number];

/** A name and an email make a contact, not a lead: every new contact starts at `name`. */
export const stageOfNewContact: Stage = 'name';
