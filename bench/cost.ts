/**
 * `npm run bench` section `cost`: what 10k contacts cost for a month at a weekly email, counted by
 * the local runtime's usage meter from what the handlers really did, beside the SES-only floor.
 *
 * `BENCH_COST_CONTACTS` contacts (default 50) sign up with consent, then the manual clock runs four
 * weeks. The month's usage is that of the four weeks (the sign-ups' own cost is shown apart, once
 * per contact), divided by the emails sent in it: a cost per email, all services in, scaled to
 * 10,000 contacts × 52/12 emails a month. The floor is SES's price of the same emails alone.
 */
import { type Cost, costOf, prices, type Usage, usageBetween } from '../local/usage-meter.js';
import { startBenchRuntime } from './support/runtime.js';

const contacts = Number(process.env.BENCH_COST_CONTACTS ?? 50);
const emailsPerMonth = 10_000 * (52 / 12);

const dollars = (value: number) => `$${value.toFixed(2)}`.padStart(10);

const describe = (usage: Usage) => {
  const calls = Object.entries(usage.dynamodb.calls)
    .filter(([, count]) => count > 0)
    .map(([operation, count]) => `${operation} ${count}`)
    .join(', ');
  const lambda = Object.entries(usage.lambda)
    .filter(([, fn]) => fn.invocations > 0)
    .map(([name, fn]) => `${name} ${fn.invocations}× ${(fn.billedMs / fn.invocations).toFixed(0)} ms`)
    .join(', ');
  return (
    `  DynamoDB ${usage.dynamodb.readUnits.toFixed(1)} RRU, ${usage.dynamodb.writeUnits.toFixed(1)} WRU (${calls})\n` +
    `  Step Functions ${usage.stepFunctions.stateTransitions} transitions; Lambda ${lambda}; SES ${usage.ses.messages} emails`
  );
};

const perEmail = (cost: Cost, emails: number): Cost => ({
  dynamodb: cost.dynamodb / emails,
  stepFunctions: cost.stepFunctions / emails,
  lambda: cost.lambda / emails,
  ses: cost.ses / emails,
  total: cost.total / emails,
});

export const run = async (): Promise<void> => {
  // Single opt-in, so every contact is on the nurture track from its sign-up, as a month in steady state is.
  process.env.LEADFLOW_SINGLE_OPT_IN_FORMS = '*';
  const runtime = await startBenchRuntime('cost');
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${runtime.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const started = runtime.usage();
    for (let i = 0; i < contacts; i++) {
      const answer = await post('/v1/contacts', {
        email: `cost-${i}@example.com`,
        firstName: 'Cost',
        consent: true,
        form: 'bench',
        source: { utm_source: 'bench', utm_medium: 'email' },
      });
      if (answer.status !== 202) throw new Error(`intake answered ${answer.status}`);
    }
    await post('/_local/settle', {});
    const signedUp = runtime.usage();
    for (let week = 0; week < 4; week++) {
      const advanced = await post('/_local/clock/advance', { by: '7d' });
      if (!advanced.ok) throw new Error(`clock advance answered ${advanced.status}`);
    }
    const month = usageBetween(signedUp, runtime.usage());
    const signUps = usageBetween(started, signedUp);
    const emails = month.ses.messages;
    if (emails === 0) throw new Error('no email went out in the four weeks: nothing to price');

    const each = perEmail(costOf(month), emails);
    const floor = prices.sesMessage;
    console.log(
      `\n${contacts} contacts, 4 weeks on the manual clock: ${emails} emails (${(emails / contacts).toFixed(2)} per contact)`,
    );
    console.log(`usage in the 4 weeks:\n${describe(month)}`);
    console.log(`usage of the ${contacts} sign-ups:\n${describe(signUps)}`);
    console.log(
      `\n10,000 contacts for a month at a weekly email (${emailsPerMonth.toFixed(0)} emails), us-east-1 list prices:`,
    );
    for (const service of ['dynamodb', 'stepFunctions', 'lambda', 'ses', 'total'] as const) {
      console.log(`  ${service.padEnd(14)}${dollars(each[service] * emailsPerMonth)}`);
    }
    console.log(`  ${'SES floor'.padEnd(14)}${dollars(floor * emailsPerMonth)}`);
    console.log(
      `all-in / SES floor: ${(each.total / floor).toFixed(2)}x; sign-ups: ${dollars(
        costOf(signUps).total / contacts,
      ).trim()} per contact, once (${dollars((costOf(signUps).total / contacts) * 10_000).trim()} for 10,000)`,
    );
  } finally {
    await runtime.stop();
  }
};
