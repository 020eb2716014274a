import type { LocalRuntime } from './runtime.js';

/** Real time as a person reads it: `25 s`, `12.5 min`, `2 h 30 min`. */
const realTime = (ms: number): string => {
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 6_000) / 10} min`;
  const minutes = Math.round((ms % 3_600_000) / 60_000);
  return `${Math.floor(ms / 3_600_000)} h${minutes > 0 ? ` ${minutes} min` : ''}`;
};

export interface BannerFacts {
  url: string;
  adminToken: string;
  users: LocalRuntime['users'];
  clock: { mode: 'manual' } | { mode: 'scaled'; realDayMs: number };
  /** The rules in force: how many days sales has to answer a handoff. */
  salesAnswerWithinDays: number;
  verbose: boolean;
}

/**
 * What `npm start` prints once it is running: where everything is, whom to sign in as, and what
 * the local clock does to the deadlines a person sees (a sales lead expires in seconds).
 */
export const startBanner = ({
  url,
  adminToken,
  users,
  clock,
  salesAnswerWithinDays,
  verbose,
}: BannerFacts) => {
  const pad = ' '.repeat(17);
  const sla = `a sales lead's ${salesAnswerWithinDays}-day answer time`;
  const clockLine =
    clock.mode === 'manual'
      ? `manual: POST /_local/clock/advance {"by":"3d"}; ${sla} passes only as you advance it`
      : `a day lasts ${realTime(clock.realDayMs)}: ${sla} is ${realTime(clock.realDayMs * salesAnswerWithinDays)} (--day-every to change)`;
  const passwords = users.issued
    ? users.issued.map(
        ({ username, password }) => `${pad}${username.padEnd(10)} password ${password}  (shown once)`,
      )
    : [`${pad}passwords were shown when they were set; new ones: npm start -- --reset-passwords`];
  return [
    'Leadflow is running locally.',
    `  Landing page   ${url}/`,
    `  Intake         POST ${url}/v1/contacts`,
    `  Admin page     ${url}/admin`,
    `  Sign in as     ${users.names.join(', ')}  (users in ${users.file})`,
    ...passwords,
    `  Admin API      ${url}/v1/...  (Authorization: Bearer ${adminToken})`,
    `  Emulated AWS   ${url}/_local/endpoints`,
    `  Outbox         ${url}/_local/outbox`,
    `  Clock          ${clockLine}`,
    `  Logs           ${verbose ? 'every line (--verbose)' : 'warnings and errors only; npm start -- --verbose for all'}`,
    'Stop with Ctrl+C.',
  ].join('\n');
};
