import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes, roles, routeKey } from '../../lib/api-routes.js';
import { contextKeys, LeadflowStack } from '../../lib/leadflow-stack.js';
import { webVendorFiles } from '../../lib/web-vendor.js';

type Resources = Record<string, { Properties: Record<string, unknown> }>;
type Statement = { Effect: string; Principal?: unknown; Condition?: unknown };

/** The context `cdk synth` reads from cdk.json: the feature flags and the example deployment settings. */
const { context: cdkJsonContext } = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
) as { context: Record<string, unknown> };

/**
 * A synthesis without bundling (the handlers' code is not what these tests look at), with cdk-nag,
 * whose findings make it throw. The app's assembly holds the staged web files and config.json.
 */
const synth = (context: Record<string, unknown> = {}) => {
  const app = new App({ context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context } });
  const nag = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(nag);
  const stack = new LeadflowStack(app, 'Leadflow');
  const template = Template.fromStack(stack);
  return { app, nag, template, assemblyDir: app.synth().directory };
};

const customDomains = {
  [contextKeys.adminDomain]: 'admin.acme.example',
  [contextKeys.adminCertificateArn]: 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333',
  [contextKeys.apiDomain]: 'api.acme.example',
  [contextKeys.apiCertificateArn]: 'arn:aws:acm:eu-west-1:123456789012:certificate/44444444-5555-6666',
};

const onlyId = (template: Template, type: string): string => {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0] ?? '';
};

/** The staged files of the web/ asset (the one holding admin.html) and of config.json. */
const stagedAssets = (assemblyDir: string) => {
  const dirs = readdirSync(assemblyDir)
    .filter((name) => name.startsWith('asset.'))
    .map((name) => join(assemblyDir, name));
  const web = dirs.filter((dir) => existsSync(join(dir, 'admin.html')));
  const config = dirs.filter((dir) => existsSync(join(dir, 'config.json')));
  expect(web).toHaveLength(1);
  expect(config).toHaveLength(1);
  return { webFiles: readdirSync(web[0] ?? ''), configFile: join(config[0] ?? '', 'config.json') };
};

let template: Template;
let assemblyDir: string;

beforeAll(() => {
  ({ template, assemblyDir } = synth());
}, 120_000);

describe('admin sign-in (Cognito)', () => {
  it('is a retained user pool that only admins fill, with optional TOTP, a strong password policy and threat protection', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      Properties: Match.objectLike({
        AdminCreateUserConfig: Match.objectLike({
          AllowAdminCreateUserOnly: true,
          InviteMessageTemplate: Match.objectLike({ EmailMessage: Match.stringLikeRegexp('\\{####\\}') }),
        }),
        MfaConfiguration: 'OPTIONAL',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: 12,
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolRiskConfigurationAttachment', {
      ClientId: 'ALL',
      CompromisedCredentialsRiskConfiguration: { Actions: { EventAction: 'BLOCK' } },
    });
  });

  it('has one group per role: marketing, sales, admin', () => {
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup') as Resources).map(
      (group) => group.Properties.GroupName,
    );
    expect(groups.sort()).toEqual([...roles].sort());
    expect(roles).toEqual(['marketing', 'sales', 'admin']);
  });

  it('gives the admin page a public client on the code grant, returning to the site’s /admin', () => {
    const distributionId = onlyId(template, 'AWS::CloudFront::Distribution');
    const adminPage = {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/admin']],
    };
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      // No secret: a browser cannot keep one; the page proves itself with PKCE instead.
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: Match.arrayWith(['openid', 'email']),
      CallbackURLs: [adminPage],
      LogoutURLs: [adminPage],
      SupportedIdentityProviders: ['COGNITO'],
    });
  });

  it('has a hosted domain named after the stack and account, or the context’s prefix', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: { 'Fn::Join': ['', ['leadflow-', { Ref: 'AWS::AccountId' }]] },
    });
    const { template: named } = synth({ [contextKeys.cognitoDomainPrefix]: 'acme-leadflow' });
    named.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'acme-leadflow' });
  });
});

describe('admin routes', () => {
  it('take the pool’s JWTs, for the admin page’s client', () => {
    const poolId = onlyId(template, 'AWS::Cognito::UserPool');
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: {
          'Fn::Join': [
            '',
            ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: poolId }],
          ],
        },
        Audience: [{ Ref: onlyId(template, 'AWS::Cognito::UserPoolClient') }],
      },
    });
  });

  it('every admin route of apiRoutes has the JWT authorizer, and no public one', () => {
    const authorizerId = onlyId(template, 'AWS::ApiGatewayV2::Authorizer');
    const deployed = new Map(
      Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Resources).map((route) => [
        route.Properties.RouteKey,
        route.Properties,
      ]),
    );
    expect(deployed.size).toBe(apiRoutes.length);
    for (const route of apiRoutes) {
      const properties = deployed.get(routeKey(route));
      if (route.auth === 'admin') {
        expect(properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      } else {
        expect(properties).toMatchObject({ AuthorizationType: 'NONE' });
        expect(properties).not.toHaveProperty('AuthorizerId');
      }
    }
  });
});

describe('admin site (S3 + CloudFront)', () => {
  it('is a private, encrypted, TLS-only bucket that only the distribution may read', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    const distributionId = onlyId(template, 'AWS::CloudFront::Distribution');
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy') as Resources);
    const statements = policies.flatMap(
      (policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(0);
    for (const allow of allows) {
      expect(allow.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
      expect(JSON.stringify(allow.Condition)).toContain(`"Ref":"${distributionId}"`);
    }
  });

  it('is served over HTTPS by CloudFront through origin access control, with the security headers', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const headersId = onlyId(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          ResponseHeadersPolicyId: { Ref: headersId },
          FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })],
        }),
        Origins: [
          Match.objectLike({
            OriginAccessControlId: { 'Fn::GetAtt': [Match.stringLikeRegexp('OriginAccessControl'), 'Id'] },
          }),
        ],
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: {
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.anyValue(), Override: true },
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31_536_000, Override: true }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentTypeOptions: { Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
        },
      }),
    });
  });

  it('sends a CSP that allows scripts from itself only and calls to the API and the sign-in', () => {
    const [policy] = Object.values(
      template.findResources('AWS::CloudFront::ResponseHeadersPolicy') as Resources,
    );
    const config = policy?.Properties.ResponseHeadersPolicyConfig as {
      SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: unknown } };
    };
    // Tokens (account, region) resolved to placeholders, to read the header as one string.
    const csp = JSON.stringify(config.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy)
      .replace(/"\},"|",\{"Ref":"AWS::(\w+)"\},"/g, (_, name: string) => `<${name}>`)
      .replace(/^\{"Fn::Join":\["",\["|"\]\]\}$/g, '');
    const directives = csp.split('; ');
    expect(directives).toEqual([
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: https:",
      "connect-src 'self' https://*.amazonaws.com https://leadflow-<AccountId>.auth.<Region>.amazoncognito.com",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
      "form-action 'self'",
    ]);
  });

  it('serves /admin from admin.html and /thanks from thanks.html, as the local runtime does', () => {
    const [fn] = Object.values(template.findResources('AWS::CloudFront::Function') as Resources);
    const handler = new Function(`${String(fn?.Properties.FunctionCode)}; return handler;`)() as (event: {
      request: { uri: string };
    }) => { uri: string };
    const served = (uri: string) => handler({ request: { uri } }).uri;
    expect(served('/admin')).toBe('/admin.html');
    expect(served('/thanks')).toBe('/thanks.html');
    expect(served('/admin.js')).toBe('/admin.js');
    expect(served('/config.json')).toBe('/config.json');
    expect(served('/')).toBe('/');
  });

  it('deploys web/ and a config.json that tells the page where the API and the sign-in are', () => {
    const deploymentId = onlyId(template, 'Custom::CDKBucketDeployment');
    const deployment = template.toJSON().Resources[deploymentId].Properties as {
      DestinationBucketName: unknown;
      SourceMarkers: Record<string, unknown>[];
      Prune: boolean;
      DistributionPaths: string[];
    };
    expect(deployment.DestinationBucketName).toEqual({ Ref: onlyId(template, 'AWS::S3::Bucket') });
    expect(deployment.DistributionPaths).toEqual(['/*']);

    const { webFiles, configFile } = stagedAssets(assemblyDir);
    expect(webFiles).toEqual(expect.arrayContaining(['admin.html', 'admin.js', 'index.html', 'landing.js']));
    // config.json's values are deploy-time tokens: markers the deployment replaces with these.
    const markers = Object.assign({}, ...deployment.SourceMarkers) as Record<string, unknown>;
    const config = JSON.parse(readFileSync(configFile, 'utf8'), (_, value: unknown) =>
      typeof value === 'string'
        ? value.replace(/<<marker:0xbaba:\d+>>/g, (marker) => JSON.stringify(markers[marker]))
        : value,
    ) as Record<string, string>;
    expect(Object.keys(config).sort()).toEqual([
      'apiUrl',
      'clientId',
      'cognitoDomain',
      'region',
      'userPoolId',
    ]);
    expect(config.apiUrl).toContain(`{"Ref":"${onlyId(template, 'AWS::ApiGatewayV2::Api')}"}`);
    expect(config.userPoolId).toBe(`{"Ref":"${onlyId(template, 'AWS::Cognito::UserPool')}"}`);
    expect(config.clientId).toBe(`{"Ref":"${onlyId(template, 'AWS::Cognito::UserPoolClient')}"}`);
    expect(config.region).toBe('{"Ref":"AWS::Region"}');
    expect(config.cognitoDomain).toMatch(/^leadflow-.*\.auth\..*\.amazoncognito\.com$/);
  });

  it('leaves the landing page out with leadflow:landingPage=false, and opens on the admin page', () => {
    const { template: adminOnly, assemblyDir: dir } = synth({ [contextKeys.landingPage]: 'false' });
    adminOnly.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({ DefaultRootObject: 'admin.html' }),
    });
    expect(stagedAssets(dir).webFiles.sort()).toEqual([
      'admin-contacts.js',
      'admin-rules.js',
      'admin-sources.js',
      'admin.css',
      'admin.html',
      'admin.js',
    ]);
  });

  it('uploads the browser libraries the admin page loads, from node_modules, at the paths it loads them from', () => {
    const html = readFileSync(new URL('../../web/admin.html', import.meta.url), 'utf8');
    const staged = readdirSync(assemblyDir)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(assemblyDir, name));
    for (const { urlPath, file } of webVendorFiles) {
      expect(html).toContain(`<script src="${urlPath}"></script>`);
      const copy = staged.map((dir) => join(dir, urlPath)).find((path) => existsSync(path));
      expect(copy && readFileSync(copy, 'utf8')).toBe(readFileSync(file, 'utf8'));
    }
  });

  it('outputs the admin page’s URL', () => {
    template.hasOutput('AdminUrl', {});
  });
});

describe('alarms', () => {
  it('every alarm notifies one encrypted, TLS-only topic when it fires and when it clears', () => {
    const alarmTopicId = Object.keys(template.findResources('AWS::SNS::Topic')).find((id) =>
      id.startsWith('Alarms'),
    );
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmsKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: alarmTopicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm') as Resources);
    // Journey failed, timed out and stalled; an SES event in the dead-letter queue; a job failed.
    expect(alarms).toHaveLength(5);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: alarmTopicId }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: alarmTopicId }]);
    }
    template.resourceCountIs('AWS::SNS::Subscription', 1);
  });

  it('emails leadflow:alarmEmail', () => {
    const { template: subscribed } = synth({ [contextKeys.alarmEmail]: 'ops@acme.example' });
    subscribed.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@acme.example',
      TopicArn: { Ref: Match.stringLikeRegexp('^AlarmsTopic') },
    });
  });
});

describe('custom domains from context', () => {
  let domains: ReturnType<typeof synth>;
  beforeAll(() => {
    domains = synth(customDomains);
  }, 120_000);

  it('serve the API on its domain, and the emails’ links use it', () => {
    const { template: t } = domains;
    t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'api.acme.example',
      DomainNameConfigurations: [
        Match.objectLike({ CertificateArn: customDomains[contextKeys.apiCertificateArn] }),
      ],
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      DomainName: { Ref: onlyId(t, 'AWS::ApiGatewayV2::DomainName') },
      ApiId: { Ref: onlyId(t, 'AWS::ApiGatewayV2::Api') },
    });
    const advance = Object.entries(t.findResources('AWS::Lambda::Function') as Resources).find(([id]) =>
      id.startsWith('JourneyAdvanceFunction'),
    )?.[1];
    expect(advance?.Properties.Environment).toMatchObject({
      Variables: { UNSUBSCRIBE_URL: 'https://api.acme.example/v1/unsubscribe' },
    });
    t.hasOutput('ApiDomainTarget', {});
  });

  it('serve the site on its domain with TLS 1.2 at least, and sign-in and CORS accept it', () => {
    const { template: t } = domains;
    t.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['admin.acme.example'],
        ViewerCertificate: {
          AcmCertificateArn: customDomains[contextKeys.adminCertificateArn],
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    });
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: Match.arrayWith(['https://admin.acme.example/admin']),
    });
    t.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: Match.arrayWith(['https://admin.acme.example']) }),
    });
    const csp = JSON.stringify(t.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
    expect(csp).toContain("connect-src 'self' https://*.amazonaws.com https://api.acme.example https://");
    t.hasOutput('AdminDomainTarget', {});
  });

  it('need their certificate, and the site’s from us-east-1', () => {
    expect(() => synth({ [contextKeys.apiDomain]: 'api.acme.example' })).toThrow(/give both or neither/);
    expect(() =>
      synth({
        ...customDomains,
        [contextKeys.adminCertificateArn]: 'arn:aws:acm:eu-west-1:123456789012:certificate/1111',
      }),
    ).toThrow(/us-east-1/);
  });

  it('leave cdk-nag nothing unacknowledged (TLS 1.2 needs no acknowledgement here)', () => {
    const { app, nag } = domains;
    const findings = nag
      .validateScope(app)
      .violations.flatMap((violation) =>
        violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
      );
    expect(findings).toEqual([]);
    const acknowledgedTls = app.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .some((entry) => JSON.stringify(entry.data).includes('AwsSolutions-CFR4'));
    expect(acknowledgedTls).toBe(false);
  });
});
