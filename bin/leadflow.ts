/**
 * The CDK app: one Leadflow stack.
 *
 * Context keys (cdk.json, or `-c key=value` on the command line):
 * - `leadflow:stage`: name of the deployment (`dev`, `prod`); the stack is `Leadflow-<stage>`, so
 *   stages deploy side by side in one account. Default: none, the stack is `Leadflow`.
 * - `leadflow:allowedOrigins`: origins whose pages may call the API from a browser (CORS), as a JSON
 *   array or comma-separated. Default: `["http://localhost:3000"]`.
 * - `leadflow:senderAddress`: the From of every email, e.g. `Acme <hello@acme.com>`; its domain
 *   (or the address) must be a verified SES identity. Default: `Leadflow <hello@example.com>`.
 * - `leadflow:postalAddress`: the sender's postal address, printed in every marketing email (the
 *   law asks for a real one). Default: an example address.
 * - `leadflow:siteUrl`: the website the emails link into. Default: https://<the sender's domain>.
 * - `leadflow:sesIdentity`: the SES identity to send through, a domain (recommended: DKIM-signed mail;
 *   the stack outputs the DNS records) or an address. Default: the sender's address.
 * - `leadflow:existingSesIdentity`: `true` when that identity is already verified in the account and
 *   region (the company already sends from the domain, or another stage created it): the stack uses
 *   it instead of creating it, which would fail. Default: false.
 * - `leadflow:intakeRatePerMinute`: submissions the public intake accepts per client (source IP)
 *   per minute; past it, 429 with `Retry-After`. `0` for no limit (e.g. behind CloudFront, where
 *   every request comes from an edge address; use AWS WAF there). Default: 10.
 * - `leadflow:singleOptInForms`: form ids (a JSON list, or comma-separated) whose consent counts at
 *   once, without a confirmation email; `["*"]` for every form. Default: none (double opt-in).
 * - `leadflow:landingPage`: `false` to deploy only the admin page to the site, not the demo landing
 *   page. Default: true.
 * - `leadflow:adminDomain` and `leadflow:adminCertificateArn`: a domain for the admin site (CloudFront)
 *   and the ARN of its ACM certificate, which must be in us-east-1. Both or neither; point the domain
 *   at the output `AdminDomainTarget`. Default: the distribution's `*.cloudfront.net` name.
 * - `leadflow:apiDomain` and `leadflow:apiCertificateArn`: a domain for the API and the ARN of its ACM
 *   certificate in the stack's region. Both or neither; the links in emails (unsubscribe, confirm,
 *   preferences) then use it; point it at the output `ApiDomainTarget`. Default: the `execute-api` URL.
 * - `leadflow:cognitoDomainPrefix`: the admin sign-in's hosted domain,
 *   `<prefix>.auth.<region>.amazoncognito.com` (unique per region across AWS; no `aws`, `amazon` or
 *   `cognito` in it). Default: `<stack name, lowercase>-<account id>`.
 * - `leadflow:alarmEmail`: an address subscribed to the topic every alarm notifies (AWS emails it a
 *   confirmation link first). Default: none; subscribe to the output `AlarmTopicArn` yourself.
 * - `leadflow:salesInbox`: the address the sales handoff email goes to when a contact becomes a
 *   sales lead. Default: sales@example.com.
 * - `leadflow:testSendDomains`: staff domains (a JSON list, or comma-separated) whose addresses may
 *   receive template test sends; anyone signed in may always test-send to their own address.
 *   Default: none.
 *
 * The stack is environment-agnostic (account and region come from the CLI's credentials at deploy
 * time) and makes no lookups, so `cdk synth` works offline without credentials.
 */
import { App } from 'aws-cdk-lib';
import { LeadflowStack } from '../lib/leadflow-stack.js';

const app = new App();

const stage: unknown = app.node.tryGetContext('leadflow:stage');
if (stage !== undefined && (typeof stage !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,30}$/.test(stage))) {
  throw new Error(`Context leadflow:stage must be letters, digits and dashes, got ${JSON.stringify(stage)}`);
}

new LeadflowStack(app, stage ? `Leadflow-${stage}` : 'Leadflow', {
  description: 'Leadflow: serverless marketing automation',
});
