/**
 * The single-table design: one definition read by the CDK construct and by the local runtime,
 * so the table DynamoDB Local serves is the table the stack deploys.
 *
 * | item            | pk                      | sk                                    | notes                                 |
 * | --------------- | ----------------------- | ------------------------------------- | ------------------------------------- |
 * | contact         | CONTACT#<contactId>     | PROFILE                               | stage, consent, journey, task token   |
 * | contact months  | CONTACTS#MONTHS         | <yyyy-mm>                             | months with contacts: gsi2's shards   |
 * | email claim     | EMAIL#<normalisedEmail> | EMAIL                                 | contactId; the dedupe lock            |
 * | touch           | CONTACT#<contactId>     | TOUCH#<receivedAt>#<id>               | where / what / why of a submission    |
 * | event           | CONTACT#<contactId>     | EVENT#<at>#<eventId>                  | waits for the journey's next step     |
 * | event id claim  | CONTACT#<contactId>     | EVENTID#<eventId>                     | a caller's event id, 30 days (TTL)    |
 * | send ledger     | CONTACT#<contactId>     | SEND#<track>#<round>#<stepId>         | an email goes out at most once        |
 * | reply ledger    | CONTACT#<contactId>     | REPLY#<touchId> / REPLYDAY#<day>      | one reply per request, caps per day   |
 * | consent record  | CONTACT#<contactId>     | CONSENT#<at>#<recordId>               | append-only proof of consent          |
 * | erasure record  | ERASED#<addressHash>    | ERASURE#<erasedAt>#<id>               | an erasure happened; expires (TTL)    |
 * | kept consent    | ERASED#<addressHash>    | CONSENT#<at>#<recordId>               | anonymised proof kept past erasure    |
 * | schedule        | SCHEDULE#<track>        | VERSION#<n> / CURRENT                 | nurture, recycle, customer            |
 * | stage counts    | REPORT#FUNNEL           | STAGE#<stage>#<source>#<shard>        | contacts per stage now, by source     |
 * | daily moves     | REPORT#FUNNEL#<day>     | MOVE#<from>#<to>#<source>#<shard>     | stage moves of the day, by source     |
 * | source counts   | REPORT#SOURCES#<yyyy-mm>| <dimension>#<value>#<shard>           | contacts of the month, stages reached |
 * | signing key     | CONFIG#SECRETS          | UNSUBSCRIBE                           | signs unsubscribe links               |
 * | intake counter  | RATE#<clientHash>       | <window start, ISO 8601>              | submissions per client and minute     |
 *
 * A source is `channel:<where>`, `form:<what>` or `offer:<why>` of the contact's first touch.
 * Counters change only in the transaction that moves the stage, spread over 8 shards. The source
 * report's counters go by the contact's creation month and first-touch channel, utm_source,
 * utm_campaign, form or offer (values cut to 100 characters); the profile's `reachedMilestone`
 * says how far they have counted it (`functions/domain/source-report.ts`).
 *
 * GSI1 (gsi1pk / gsi1sk): contacts by stage (`STAGE#<stage>`, time of the last stage move).
 * GSI2 (gsi2pk / gsi2sk): all contacts by creation (`CONTACTS#<yyyy-mm>`, `<createdAt>#<contactId>`),
 * one partition per creation month so a campaign's intake burst does not heat one partition for
 * ever; a listing walks the months `CONTACTS#MONTHS` names. Profiles also carry `searchText`
 * (names, company and email, lower-cased) for the list's `q` (`functions/adapters/contact-lister.ts`).
 * Both project ALL: a journey step writes stage and score, which any list shows, so a narrower
 * projection would save storage (a profile is a few KB) but no index writes, and the admin list
 * could not show another field without rebuilding the index.
 * `expiresAt` (epoch seconds) is the TTL attribute for items that should age out: intake counters
 * carry their window's end, erasure records their retention's. A client hash is an HMAC of the
 * caller's address with the signing key, so the table holds no IP addresses; an address hash is the
 * same for an erased contact's email address (`functions/domain/erasure.ts`).
 *
 * An erasure in progress marks the email claim and the profile `erasing`: every write under
 * `CONTACT#<id>` is conditioned on the profile existing unmarked (`functions/adapters/live-contact.ts`).
 */
export const tableDesign = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
} as const;
