/**
 * The keys of the all-contacts index (gsi2) and of its month registry, apart from any client: the
 * local runtime's backfill of an older table writes them before any handler's client exists.
 */

/** A contact's creation month (`2026-11`): the shard of the all-contacts index. */
export const creationMonth = (createdAt: string) => createdAt.slice(0, 7);

/** The all-contacts index's keys for a contact: ordered by creation within its creation month. */
export const byCreationKeys = (contact: { contactId: string; createdAt: string }) => ({
  gsi2pk: `CONTACTS#${creationMonth(contact.createdAt)}`,
  gsi2sk: `${contact.createdAt}#${contact.contactId}`,
});

/** The months that have contacts, one item each: the shards a listing walks. */
export const monthsPk = 'CONTACTS#MONTHS';

export const monthItem = (createdAt: string) => ({ pk: monthsPk, sk: creationMonth(createdAt) });
