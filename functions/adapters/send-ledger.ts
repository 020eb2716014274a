import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Track } from '../domain/schedule.js';
import { type LedgerEntry, type MailOutcome, mailOutcomes } from '../domain/sent-email.js';
import { documentClient, queryAll } from './dynamodb.js';
import { liveContactCheck } from './live-contact.js';
import { contactPk, handoffPrefix, ledgerPrefix, replyDayPrefix, replyPrefix } from './table-keys.js';

/** Where an email sits in the ledger: a schedule step's, or the reply to a submission's. */
export type LedgerKey = { track: Track; round: number; stepId: string } | { replyTo: string };

const ledgerSortKey = (key: LedgerKey) =>
  'replyTo' in key ? `${replyPrefix}${key.replyTo}` : `${ledgerPrefix(key.track, key.round)}${key.stepId}`;

export interface UnconfirmedSend {
  track: Track;
  round: number;
  stepId: string;
  claimedAt: string;
  resentAt?: string | undefined;
}

/** What a sent email used: recorded on its ledger entry. */
export interface SentRecord {
  messageId: string;
  template: { name: string; version: number };
}

/**
 * Each (contact, track, pass, step) email, and each reply to a request (by its touch), is claimed
 * here with a conditional write before it is handed to SES, so a retried step finds the claim and
 * sends nothing a second time. A send SES refused is released for the retry; a step that died
 * between SES accepting and the ledger recording it stays claimed: at most once beats twice.
 * A sent entry names the template and the version the email was rendered from. Nothing is claimed
 * for a contact that is gone or being erased, and marking or releasing an entry the erasure took
 * never writes it back.
 */
export class SendLedger {
  constructor(private readonly tableName: string) {}

  private async claimKey(contactId: string, sk: string, attributes: Record<string, unknown>, now: Date) {
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            liveContactCheck(this.tableName, contactId),
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  pk: contactPk(contactId),
                  sk,
                  ...attributes,
                  status: 'sending',
                  claimedAt: now.toISOString(),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      const codes = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
      if (codes?.some((reason) => reason.Code === 'ConditionalCheckFailed')) return false;
      throw error;
    }
  }

  private async markKey(contactId: string, sk: string, sent: SentRecord, now: Date) {
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: contactPk(contactId), sk },
          UpdateExpression:
            'SET #status = :sent, messageId = :messageId, sentAt = :now, template = :template, templateVersion = :version',
          // An update creates what is missing: the entry must still be there.
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sent': 'sent',
            ':messageId': sent.messageId,
            ':now': now.toISOString(),
            ':template': sent.template.name,
            ':version': sent.template.version,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async releaseKey(contactId: string, sk: string) {
    await documentClient.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: contactPk(contactId), sk },
        // Already gone with an erasure: nothing to release.
        ConditionExpression: 'attribute_not_exists(pk) OR #status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sending': 'sending' },
      }),
    );
  }

  claim(contactId: string, track: Track, round: number, stepId: string, now: Date): Promise<boolean> {
    return this.claimKey(contactId, `${ledgerPrefix(track, round)}${stepId}`, { track, round, stepId }, now);
  }

  markSent(contactId: string, track: Track, round: number, stepId: string, sent: SentRecord, now: Date) {
    return this.markKey(contactId, `${ledgerPrefix(track, round)}${stepId}`, sent, now);
  }

  release(contactId: string, track: Track, round: number, stepId: string): Promise<void> {
    return this.releaseKey(contactId, `${ledgerPrefix(track, round)}${stepId}`);
  }

  /** The reply to the request the contact made with touch `touchId`: at most one per touch. */
  claimReply(contactId: string, touchId: string, template: string, now: Date): Promise<boolean> {
    return this.claimKey(contactId, `${replyPrefix}${touchId}`, { touchId, template }, now);
  }

  markReplySent(contactId: string, touchId: string, sent: SentRecord, now: Date) {
    return this.markKey(contactId, `${replyPrefix}${touchId}`, sent, now);
  }

  releaseReply(contactId: string, touchId: string): Promise<void> {
    return this.releaseKey(contactId, `${replyPrefix}${touchId}`);
  }

  /** The sales inbox's email about handoff `eventId`: at most one per handoff, however often it is retried. */
  claimHandoff(contactId: string, eventId: string, now: Date): Promise<boolean> {
    return this.claimKey(contactId, `${handoffPrefix}${eventId}`, { eventId }, now);
  }

  markHandoffSent(contactId: string, eventId: string, sent: SentRecord, now: Date) {
    return this.markKey(contactId, `${handoffPrefix}${eventId}`, sent, now);
  }

  releaseHandoff(contactId: string, eventId: string): Promise<void> {
    return this.releaseKey(contactId, `${handoffPrefix}${eventId}`);
  }

  /**
   * The one reply a contact that has not confirmed may get on a UTC day: the conditional write
   * lets one of several concurrent submissions through.
   */
  claimReplyDay(contactId: string, day: string, now: Date): Promise<boolean> {
    return this.claimKey(contactId, `${replyDayPrefix}${day}`, {}, now);
  }

  releaseReplyDay(contactId: string, day: string): Promise<void> {
    return this.releaseKey(contactId, `${replyDayPrefix}${day}`);
  }

  /** When the contact's replies to requests since `since` were claimed. */
  replyTimes(contactId: string, since: Date): Promise<string[]> {
    return this.claimTimes(contactId, replyPrefix, since);
  }

  async stepIds(contactId: string, track: Track, round: number): Promise<Set<string>> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': contactPk(contactId), ':prefix': ledgerPrefix(track, round) },
        ProjectionExpression: 'stepId',
        ConsistentRead: true,
      }),
    );
    return new Set(Items.map((item) => item.stepId as string));
  }

  /**
   * One conditional update of an entry (`#status` names its status). False when the condition
   * did not hold: the entry moved on, or is not there.
   */
  private async updateEntry(
    contactId: string,
    key: LedgerKey,
    update: string,
    condition: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: contactPk(contactId), sk: ledgerSortKey(key) },
          UpdateExpression: update,
          ConditionExpression: condition,
          // DynamoDB refuses a name no expression uses.
          ExpressionAttributeNames: `${update} ${condition}`.includes('#status')
            ? { '#status': 'status' }
            : undefined,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * SES's `Send` event for a message the ledger claimed: SES has it, so the entry is sent, whatever
   * became of the step that sent it. Found by the tags the message carries. False when there is
   * no such entry (erased, or a test send).
   */
  confirmSent(contactId: string, key: LedgerKey, messageId: string, at: Date): Promise<boolean> {
    return this.updateEntry(
      contactId,
      key,
      'SET #status = :sent, messageId = if_not_exists(messageId, :messageId), sentAt = if_not_exists(sentAt, :at), sesSendEventAt = :at',
      'attribute_exists(pk)',
      { ':sent': 'sent', ':messageId': messageId, ':at': at.toISOString() },
    );
  }

  /**
   * What SES reported of a message the ledger sent (delivered, opened, ...), as `<outcome>At` on
   * its entry. The first report's time stays, so a redelivered or repeated SES event changes
   * nothing; an entry that is gone (erased) is not written back. False when there is no entry.
   */
  recordOutcome(contactId: string, key: LedgerKey, outcome: MailOutcome, at: Date): Promise<boolean> {
    return this.updateEntry(
      contactId,
      key,
      `SET ${outcome}At = if_not_exists(${outcome}At, :at)`,
      'attribute_exists(pk)',
      { ':at': at.toISOString() },
    );
  }

  /** The emails the contact was sent: its step emails on every track and its replies to requests. */
  async entries(contactId: string): Promise<LedgerEntry[]> {
    const pages = await Promise.all(
      ['SEND#', replyPrefix].map((prefix) =>
        queryAll({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': contactPk(contactId), ':prefix': prefix },
        }),
      ),
    );
    return pages.flat().map((item) => ({
      status: String(item.status),
      claimedAt: String(item.claimedAt),
      ...(typeof item.sentAt === 'string' ? { sentAt: item.sentAt } : {}),
      ...(typeof item.track === 'string' ? { track: item.track } : {}),
      ...(typeof item.round === 'number' ? { round: item.round } : {}),
      ...(typeof item.stepId === 'string' ? { stepId: item.stepId } : {}),
      ...(typeof item.touchId === 'string' ? { touchId: item.touchId } : {}),
      ...(typeof item.template === 'string' ? { template: item.template } : {}),
      ...(typeof item.templateVersion === 'number' ? { templateVersion: item.templateVersion } : {}),
      outcomes: Object.fromEntries(
        mailOutcomes.flatMap((outcome) => {
          const at = item[`${outcome}At`];
          return typeof at === 'string' ? [[outcome, at]] : [];
        }),
      ),
    }));
  }

  /** The contact's step emails still `sending`: claimed, but neither marked sent nor confirmed by SES. */
  async unconfirmed(contactId: string): Promise<UnconfirmedSend[]> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pk': contactPk(contactId),
          ':prefix': 'SEND#',
          ':sending': 'sending',
        },
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => ({
      track: item.track as Track,
      round: item.round as number,
      stepId: item.stepId as string,
      claimedAt: item.claimedAt as string,
      resentAt: item.resentAt as string | undefined,
    }));
  }

  /**
   * Takes a stale claim for its one resend: only while it is still `sending` and was never
   * resent, so two steps cannot both resend it. `claimedAt` moves on, so the resend has its own
   * timeout before anyone looks at it again.
   */
  claimResend(contactId: string, key: LedgerKey, now: Date): Promise<boolean> {
    return this.updateEntry(
      contactId,
      key,
      'SET resentAt = :now, claimedAt = :now',
      '#status = :sending AND attribute_not_exists(resentAt)',
      { ':sending': 'sending', ':now': now.toISOString() },
    );
  }

  /**
   * A resend that was never confirmed either: out of `sending`, so no step looks at it again. (If
   * its Send event came after all, it stays sent.)
   */
  async markUnconfirmed(contactId: string, key: LedgerKey): Promise<void> {
    await this.updateEntry(contactId, key, 'SET #status = :unconfirmed', '#status = :sending', {
      ':sending': 'sending',
      ':unconfirmed': 'unconfirmed',
    });
  }

  /** SES refused the resend: nothing went out, so the claim may be resent again later. */
  async releaseResend(contactId: string, key: LedgerKey): Promise<void> {
    await this.updateEntry(contactId, key, 'REMOVE resentAt', '#status = :sending', {
      ':sending': 'sending',
    });
  }

  /** When the contact's marketing emails since `since` were handed to SES, on every track. */
  sendTimes(contactId: string, since: Date): Promise<string[]> {
    return this.claimTimes(contactId, 'SEND#', since);
  }

  private async claimTimes(contactId: string, prefix: string, since: Date): Promise<string[]> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: 'claimedAt >= :since',
        ExpressionAttributeValues: {
          ':pk': contactPk(contactId),
          ':prefix': prefix,
          ':since': since.toISOString(),
        },
        ProjectionExpression: 'claimedAt',
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => item.claimedAt as string);
  }
}
