import type { ConsentRecord } from '../domain/consent.js';
import { type Contact, type Touch, wantsTrack } from '../domain/contact.js';
import type { ScoreExplanation } from '../domain/lead-score.js';
import { tracks } from '../domain/schedule.js';

/**
 * What an admin sees of a contact: its record, where it first and last came from, its touches,
 * the consent records that prove what it agreed to, and why it scores what it does. Its own
 * choices show as they are stored (`pausedUntil`, `tracksOff`) and as the tracks it gets
 * (`emailTracks`).
 */
export const contactView = (
  contact: Contact,
  touches: Touch[],
  consentRecords: ConsentRecord[],
  scoreExplanation: ScoreExplanation,
) => {
  const {
    firstTouch,
    latestTouch,
    emailNormalised: _dedupeKey,
    taskToken: _internal,
    scoreSignals: _explained,
    ...record
  } = contact;
  const attributionOf = (touch: Touch) => ({
    at: touch.receivedAt,
    where: touch.where,
    what: touch.what,
    why: touch.why,
  });
  return {
    ...record,
    attribution: { first: attributionOf(firstTouch), latest: attributionOf(latestTouch) },
    emailTracks: Object.fromEntries(tracks.map((track) => [track, wantsTrack(contact, track)])),
    touches,
    consentRecords,
    scoreExplanation,
  };
};
