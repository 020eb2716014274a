import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  CachePolicy,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { webVendorFiles } from '../web-vendor.js';

/** What the admin page reads from `/config.json` at load: where the API and the sign-in are. */
export interface AdminPageConfig {
  /** Base URL of the API, ending in `/`. */
  readonly apiUrl: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
  /** Host name of the hosted sign-in, `<prefix>.auth.<region>.amazoncognito.com`. */
  readonly cognitoDomain: string;
}

/** A custom domain for the site: its name and an ACM certificate for it in us-east-1 (CloudFront's). */
export interface SiteDomain {
  readonly name: string;
  readonly certificateArn: string;
}

export interface AdminSiteProps {
  /**
   * Origins the pages call besides their own (the API's custom domain, the hosted sign-in): the
   * CSP's `connect-src` lists them after `https://*.amazonaws.com`, which covers the API's
   * `execute-api` endpoint and Cognito's.
   */
  readonly connectOrigins: readonly string[];
  /** @default - the distribution's `*.cloudfront.net` name only */
  readonly domain?: SiteDomain;
  /**
   * Deploy the demo landing page (`/`) beside the admin page.
   * @default true
   */
  readonly landingPage?: boolean;
}

const webDir = fileURLToPath(new URL('../../web', import.meta.url));

/**
 * The web pages in AWS: `web/` in a private bucket that only CloudFront reads (origin access
 * control), served over HTTPS with a strict CSP. The admin page is `/admin` (the sign-in's
 * callback); the demo landing page, when deployed, is `/`. `deploy` uploads the files with the
 * `config.json` that tells the admin page where the API and the sign-in are.
 */
export class AdminSite extends Construct {
  public readonly bucket: Bucket;
  public readonly distribution: Distribution;
  /** `https://<the site's host>` for each name it answers on: the API's CORS allows them. */
  public readonly origins: readonly string[];
  /** The admin page's URL on each of those names: the sign-in returns there. */
  public readonly adminPageUrls: readonly string[];
  /** The admin page's URL to give people: on the custom domain when there is one. */
  public readonly adminPageUrl: string;
  private readonly landingPage: boolean;

  constructor(scope: Construct, id: string, props: AdminSiteProps) {
    super(scope, id);
    this.landingPage = props.landingPage ?? true;

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      // Only copies of web/: the deployment removes them when it goes, so the bucket can go too.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only copies of the public web/ files, written by the deployment and read by ' +
        'CloudFront alone (origin access control); a log of those reads records nothing worth keeping.',
    });

    const csp = [
      "default-src 'self'",
      "script-src 'self'",
      // The admin page previews emails in a sandboxed srcdoc iframe; their styles are inline.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: https:",
      ['connect-src', "'self'", 'https://*.amazonaws.com', ...props.connectOrigins].join(' '),
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "object-src 'none'",
      "form-action 'self'",
    ].join('; ');
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Leadflow pages: CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        // The sign-in returns to the page with its code in the query: never hand that URL on.
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    // The pages' addresses have no extension, as the local runtime serves them: `/admin` (the
    // sign-in's callback URL) is admin.html, `/thanks` (after the landing form) thanks.html.
    const pagePaths = new EdgeFunction(this, 'PagePaths', {
      comment: 'Serves /admin from admin.html, /thanks from thanks.html',
      code: FunctionCode.fromInline(
        "function handler(event) { var r = event.request; if (r.uri !== '/' && r.uri.indexOf('.', r.uri.lastIndexOf('/')) === -1) r.uri += '.html'; return r; }",
      ),
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Leadflow admin page and landing page',
      defaultRootObject: this.landingPage ? 'index.html' : 'admin.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: pagePaths, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      ...(props.domain
        ? {
            domainNames: [props.domain.name],
            certificate: Certificate.fromCertificateArn(
              this,
              'Certificate',
              usEast1Certificate(props.domain.certificateArn),
            ),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    const acknowledge = (id: string, reason: string) =>
      Validations.of(this.distribution).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-CFR1',
      'Marketing and sales sign in from wherever they work, and the landing page is for every visitor; ' +
        'the pages hold no data, and the API answers admin calls from signed-in users only.',
    );
    acknowledge(
      'AwsSolutions-CFR2',
      'The distribution serves static files only; the data is behind the API (JWT authorizer, ' +
        'throttling). A web ACL for CloudFront lives in us-east-1 and bills monthly: a company attaches its own.',
    );
    acknowledge(
      'AwsSolutions-CFR3',
      'Static files only; every data request goes to the API, whose access log records it with the ' +
        'caller. CloudFront standard logs need an ACL-enabled bucket, which S3 now disables by default.',
    );
    if (!props.domain) {
      acknowledge(
        'AwsSolutions-CFR4',
        'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose ' +
          'minimum TLS version cannot be set; with leadflow:adminDomain the site requires TLS 1.2.',
      );
    }

    const hosts = [this.distribution.distributionDomainName, ...(props.domain ? [props.domain.name] : [])];
    this.origins = hosts.map((host) => `https://${host}`);
    this.adminPageUrls = this.origins.map((origin) => `${origin}/admin`);
    this.adminPageUrl = `https://${props.domain?.name ?? this.distribution.distributionDomainName}/admin`;
  }

  /**
   * Uploads web/ (without the landing page if it is off), the browser libraries it loads from
   * node_modules and `config.json`, then invalidates the cache.
   */
  public deploy(config: AdminPageConfig): BucketDeployment {
    const deployment = new BucketDeployment(this, 'Deployment', {
      destinationBucket: this.bucket,
      sources: [
        Source.asset(webDir, this.landingPage ? {} : { exclude: ['*', '!admin*'] }),
        Source.jsonData('config.json', config),
        ...webVendorFiles.map(({ urlPath, file }) =>
          Source.data(urlPath.slice(1), readFileSync(file, 'utf8')),
        ),
      ],
      // Files removed from web/ go from the bucket; on stack deletion the files go, then the bucket.
      prune: true,
      retainOnDelete: false,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      // Instead of the handler's default group, kept two years and left behind with the stack.
      logGroup: new LogGroup(this, 'DeploymentLogs', {
        retention: RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    this.acknowledgeDeploymentHandler(deployment);
    return deployment;
  }

  /**
   * The deployment runs in a function (one per stack) whose runtime and role aws-s3-deployment
   * fixes; what cdk-nag finds there is named exactly, so nothing else is acknowledged with it.
   */
  private acknowledgeDeploymentHandler(deployment: BucketDeployment): void {
    const stack = Stack.of(this);
    const handler = deployment.handlerRole.node.scope;
    if (!handler) throw new Error('The deployment handler’s role has no function around it');
    const bucketId = String(stack.resolve(stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket)));
    const qualifier: unknown =
      this.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') ??
      DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const construct = 'aws-s3-deployment’s handler, whose role and runtime the construct fixes';
    const acknowledge = (id: string, reason: string) => Validations.of(handler).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      `Only writes its own logs; ${construct}.`,
    );
    const copying = `Copies the web/ files from the CDK asset bucket into this site's bucket and prunes old ones; ${construct}.`;
    for (const action of ['GetBucket*', 'GetObject*', 'List*', 'Abort*', 'DeleteObject*']) {
      acknowledge(`AwsSolutions-IAM5[Action::s3:${action}]`, copying);
    }
    acknowledge(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-${String(qualifier)}-assets-<AWS::AccountId>-<AWS::Region>/*]`,
      copying,
    );
    acknowledge(`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`, copying);
    acknowledge(
      'AwsSolutions-IAM5[Resource::*]',
      `cloudfront:CreateInvalidation and GetInvalidation, so a deploy shows the new files at once; ${construct}.`,
    );
    acknowledge('AwsSolutions-L1', `The Python runtime is ${construct}; it runs at deploy time only.`);
  }
}

/** CloudFront takes certificates from us-east-1 only: say so at synth rather than at deploy. */
const usEast1Certificate = (arn: string): string => {
  if (!Token.isUnresolved(arn) && !/^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(arn)) {
    throw new Error(`The admin site's certificate must be an ACM certificate in us-east-1, got ${arn}`);
  }
  return arn;
};
