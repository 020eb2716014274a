import { contactKey } from './table-keys.js';

/**
 * What every write under `CONTACT#<id>` holds on: the profile exists and no erasure has begun.
 * An erasure marks the profile `erasing` before it sweeps the contact's items, so a write that
 * loses the race fails instead of leaving an item behind the sweep (transactions are serialised
 * against the mark).
 */
export const liveContact = 'attribute_exists(pk) AND attribute_not_exists(erasing)';

/** The same condition, for a transaction that writes an item beside the profile. */
export const liveContactCheck = (tableName: string, contactId: string) => ({
  ConditionCheck: { TableName: tableName, Key: contactKey(contactId), ConditionExpression: liveContact },
});
