/**
 * What the bundles use in place of the SDK's default credential chain (`esbuild --alias`, see
 * `lib/constructs/leadflow-function.ts`). Lambda hands a function its role's credentials in the
 * environment, and the local runtime hands the handlers dummy ones the same way; the rest of the
 * chain (profiles, SSO, web identity, the instance metadata service, and the STS and SSO clients
 * they call) is 110 KB that no Leadflow function ever reaches.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
