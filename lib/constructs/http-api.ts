import { Annotations, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import type { HttpRoute, HttpStage, ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  CorsHttpMethod,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { defaultIntakeRatePerMinute } from '../../functions/domain/intake-rate.js';
import { type ApiRoute, apiRoutes, type RouteTarget, routeKey } from '../api-routes.js';
import { functionMemoryMb } from '../function-memory.js';
import { handlerEntry, LeadflowFunction } from './leadflow-function.js';

/**
 * The function behind each route target of `apiRoutes`. `undefined` marks a target whose function is
 * not deployed yet: its routes are left out (and reported at synth). A `Record`, so a target added to
 * `RouteTarget` does not compile until the stack says where it goes.
 */
export type RouteTargets = Readonly<Record<RouteTarget, IFunction | undefined>>;

/** Who may call the `admin` routes: users of this pool, with tokens issued to this client. */
export interface AdminSignInRef {
  readonly userPool: IUserPool;
  readonly client: IUserPoolClient;
}

/** A custom domain for the API: its name and a certificate for it in the stack's region (ACM). */
export interface ApiDomain {
  readonly name: string;
  readonly certificateArn: string;
}

export interface LeadflowHttpApiProps {
  /** The contact store: intake reads and writes contacts, claims and touches. */
  readonly table: ITable;
  /** Origins whose pages may call the API from a browser (CORS), e.g. the landing pages' site. */
  readonly allowedOrigins: readonly string[];
  /**
   * Steady-state and burst request limits for every route of the stage.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Submissions per client (source IP) per minute the intake accepts, `0` for no limit; the
   * function counts them in the table and answers 429 past it. Unlike `throttle`, which guards the
   * whole stage, this stops one client from filling the lists.
   * @default 10
   */
  readonly ratePerMinute?: number;
  /**
   * How long access log events are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: RetentionDays;
  /**
   * Serve the API on this domain too, and make `url` (what the emails' links use) point at it.
   * @default - only the `execute-api` endpoint
   */
  readonly domain?: ApiDomain;
}

/** One JSON object per request. HTTP APIs support a subset of REST's variables, so no standard-fields preset. */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    ip: '$context.identity.sourceIp',
    userAgent: '$context.identity.userAgent',
    caller: '$context.authorizer.claims.sub',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    error: '$context.error.message',
    integrationError: '$context.integrationErrorMessage',
  }),
);

/**
 * The public face of Leadflow: the one HTTP API (one base URL for intake, unsubscribe and admin) and
 * the intake function behind `POST /v1/contacts`. Routes come from `apiRoutes` through `addRoutes`,
 * so the deployed API and the local router serve the same contract: `public` routes take anonymous
 * calls, `admin` routes a Cognito JWT (the admin page's sign-in), checked by an HTTP API JWT
 * authorizer; the handler checks the token's groups against the route's roles.
 */
export class LeadflowHttpApi extends Construct {
  public readonly httpApi: HttpApi;
  public readonly stage: HttpStage;
  public readonly accessLogs: LogGroup;
  /** The custom domain, when configured: point its DNS at `domain.regionalDomainName`. */
  public readonly domain?: DomainName;
  /** The intake function; wire more into it with `intake.function.addEnvironment` and grants. */
  public readonly intake: LeadflowFunction;
  /** Base URL of the API, ending in `/`: the custom domain's when there is one. */
  public readonly url: string;
  /** The deployed routes by route key (`POST /v1/contacts`). */
  public readonly routes = new Map<string, HttpRoute>();

  constructor(scope: Construct, id: string, props: LeadflowHttpApiProps) {
    super(scope, id);

    this.intake = new LeadflowFunction(this, 'Handler', {
      entry: handlerEntry('intake/handler.ts'),
      serviceName: 'intake',
      memorySize: functionMemoryMb.intake,
      description: 'Validates and records landing-page submissions, starts or signals journeys',
    });
    this.intake.bindTable(props.table, 'readWrite');
    this.intake.function.addEnvironment(
      'INTAKE_RATE_PER_MINUTE',
      String(props.ratePerMinute ?? defaultIntakeRatePerMinute),
    );

    this.httpApi = new HttpApi(this, 'HttpApi', {
      // A display name, not an identifier (API names need not be unique): tells stages apart in the console.
      apiName: `${Stack.of(this).stackName}-api`,
      description: 'Leadflow: public intake and unsubscribe, Cognito-authorized admin',
      corsPreflight: {
        allowOrigins: [...props.allowedOrigins],
        // The admin page calls from the site's origin: it edits (PUT, DELETE) with If-Match and
        // reads the ETag it sends back, and asks for an erasure's receipt with Prefer; a 429's
        // Retry-After tells the landing page when to retry.
        allowMethods: [
          CorsHttpMethod.POST,
          CorsHttpMethod.GET,
          CorsHttpMethod.PUT,
          CorsHttpMethod.DELETE,
          CorsHttpMethod.OPTIONS,
        ],
        allowHeaders: ['content-type', 'authorization', 'if-match', 'prefer'],
        exposeHeaders: ['etag', 'retry-after'],
        maxAge: Duration.hours(1),
      },
      // Created below instead: the default stage takes no throttling or access log settings.
      createDefaultStage: false,
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    if (props.domain) {
      this.domain = new DomainName(this, 'Domain', {
        domainName: props.domain.name,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
      });
    }
    this.stage = this.httpApi.addStage('DefaultStage', {
      ...(this.domain ? { domainMapping: { domainName: this.domain } } : {}),
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: accessLogFormat,
      },
    });
    // The custom domain's name, not the stage's URL, so email links use the company's host.
    this.url = props.domain ? `https://${props.domain.name}/` : this.stage.url;
  }

  /**
   * Creates the routes of `apiRoutes` whose target has a function; call once, with every target.
   * `admin` routes take the JWTs `signIn` issues.
   */
  public addRoutes(targets: RouteTargets, signIn: AdminSignInRef): void {
    const integrations = new Map<RouteTarget, HttpLambdaIntegration>();
    const integrationFor = (target: RouteTarget, fn: IFunction) => {
      let integration = integrations.get(target);
      if (!integration) {
        integration = new HttpLambdaIntegration(integrationIds[target], fn);
        integrations.set(target, integration);
      }
      return integration;
    };
    // Checks the signature, expiry, issuer (the pool) and audience (the admin page's client).
    const jwt = new HttpUserPoolAuthorizer('AdminSignIn', signIn.userPool, {
      userPoolClients: [signIn.client],
    });
    const none = new HttpNoneAuthorizer();
    const skipped: string[] = [];

    for (const route of apiRoutes) {
      const fn = targets[route.target];
      if (!fn) {
        skipped.push(routeKey(route));
        continue;
      }
      const [httpRoute] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrationFor(route.target, fn),
        // Explicit even for public routes, so a default authorizer added later cannot close them.
        authorizer: route.auth === 'admin' ? jwt : none,
      });
      if (!httpRoute) throw new Error(`No route created for ${routeKey(route)}`);
      if (route.auth === 'public') acknowledgePublic(httpRoute, route);
      this.routes.set(routeKey(route), httpRoute);
    }
    if (skipped.length > 0) {
      Annotations.of(this).addInfo(`Routes without a function yet, not deployed: ${skipped.join(', ')}`);
    }
  }
}

/** Ids of the integrations, as first deployed (the signed links' target was `unsubscribe`): kept stable. */
const integrationIds: Readonly<Record<RouteTarget, string>> = {
  intake: 'intake-integration',
  admin: 'admin-integration',
  templates: 'templates-integration',
  signedLinks: 'unsubscribe-integration',
};

const acknowledgePublic = (httpRoute: HttpRoute, route: ApiRoute) => {
  Validations.of(httpRoute).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason:
      `${routeKey(route)} is public by contract: landing pages post leads anonymously and unsubscribe ` +
      'links carry a signed token; stage throttling and strict input validation protect it.',
  });
};
