import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolRiskConfigurationAttachment,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { roles } from '../api-routes.js';

export interface AdminSignInProps {
  /**
   * Prefix of the Cognito hosted domain, `<prefix>.auth.<region>.amazoncognito.com`: unique per
   * region across all AWS accounts; lowercase letters, digits and hyphens, without `aws`,
   * `amazon` or `cognito`.
   */
  readonly domainPrefix: string;
  /** Where the admin page lives (`https://…/admin`): Cognito returns there after sign-in and sign-out. */
  readonly adminPageUrls: readonly string[];
}

/** The hosted sign-in domain for a prefix, known before the domain exists (the site's CSP needs it). */
export const hostedDomain = (scope: Construct, domainPrefix: string): string =>
  `${domainPrefix}.auth.${Stack.of(scope).region}.amazoncognito.com`;

/**
 * Who may use the admin page: a Cognito user pool that only admins fill (no self sign-up; users are
 * invited), one group per role of `roles` (the groups reach the handlers as `cognito:groups`), and
 * the admin page's app client: a public client (a browser keeps no secret) on the authorization code
 * grant, which Cognito completes with PKCE when the page sends a code challenge.
 */
export class AdminSignIn extends Construct {
  public readonly userPool: UserPool;
  public readonly client: UserPoolClient;
  public readonly domain: UserPoolDomain;
  /** The hosted sign-in's host name, `<prefix>.auth.<region>.amazoncognito.com`. */
  public readonly domainName: string;

  constructor(scope: Construct, id: string, props: AdminSignInProps) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      userInvitation: {
        emailSubject: 'You are invited to Leadflow',
        emailBody:
          'You can now sign in to Leadflow, where marketing and sales run the lead funnel. ' +
          'Your user name is {username} and your temporary password is {####}. ' +
          'Open the admin page, sign in and choose your own password. Set up an authenticator app ' +
          'for a second factor under your account once you are in.',
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Plus: threat protection (compromised-credential checks, adaptive authentication) for the few
      // accounts that can read every contact and email the lists; billed per active user, so a
      // marketing team's handful costs cents a month.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      // The users are the company's staff: a redeploy or a torn-down stage must not lock them out.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is optional by product choice (TOTP offered to every user); threat protection asks for the ' +
        'second factor on risky sign-ins, blocks high-risk ones and refuses breached passwords.',
    });

    for (const role of roles) {
      this.userPool.addGroup(`Group-${role}`, {
        groupName: role,
        description: `Leadflow role ${role}: the admin routes allow it by apiRoutes' roles`,
      });
    }

    const adminPageUrls = [...props.adminPageUrls];
    this.client = this.userPool.addClient('AdminPage', {
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: adminPageUrls,
        logoutUrls: adminPageUrls,
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      // A working day's session at most; the page renews the hour-long tokens silently.
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    this.domain = this.userPool.addDomain('Domain', { cognitoDomain: { domainPrefix: props.domainPrefix } });
    this.domainName = hostedDomain(this, props.domainPrefix);

    // Without a risk configuration threat protection only scores sign-ins; this makes it act. With
    // MFA optional, a risky sign-in asks for the second factor when the user has one and is blocked
    // when the risk is high; a password found in a breach is refused.
    new CfnUserPoolRiskConfigurationAttachment(this, 'RiskConfiguration', {
      userPoolId: this.userPool.userPoolId,
      clientId: 'ALL',
      accountTakeoverRiskConfiguration: {
        actions: {
          lowAction: { eventAction: 'NO_ACTION', notify: false },
          mediumAction: { eventAction: 'MFA_IF_CONFIGURED', notify: false },
          highAction: { eventAction: 'BLOCK', notify: false },
        },
      },
      compromisedCredentialsRiskConfiguration: { actions: { eventAction: 'BLOCK' } },
    });
  }
}
