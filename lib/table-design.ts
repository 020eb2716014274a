/**
 * The single-table design: one definition read by the CDK construct and by the local runtime,
 * so the table DynamoDB Local serves is the table the stack deploys.
 *
 * | item            | pk                      | sk                         | notes                              |
 * | --------------- | ----------------------- | -------------------------- | ---------------------------------- |
 * | contact         | CONTACT#<contactId>     | PROFILE                    | stage, consent, first/latest touch |
 * | email claim     | EMAIL#<normalisedEmail> | EMAIL                      | contactId; the dedupe lock         |
 * | touch           | CONTACT#<contactId>     | TOUCH#<receivedAt>#<id>    | where / what / why of a submission |
 * | send ledger     | CONTACT#<contactId>     | SEND#<track>#<step>        | an email goes out at most once     |
 * | schedule        | SCHEDULE#<track>        | VERSION#<n> / CURRENT      | nurture, recycle, customer         |
 * | funnel counters | REPORT#FUNNEL           | STAGE#<stage>              | kept cheap: no scans per request   |
 *
 * GSI1 (gsi1pk / gsi1sk) lists items by a secondary grouping (contacts by stage, by track).
 * `expiresAt` (epoch seconds) is the TTL attribute for items that should age out.
 */
export const tableDesign = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [{ indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
} as const;
