import { X509Certificate, constants, randomBytes, verify } from 'node:crypto';

/**
 * The client-credentials half of the Microsoft identity platform that the
 * local Graph server needs: it checks a client secret or a signed client
 * assertion and issues opaque access tokens that the Graph routes accept.
 */

const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A token endpoint reply: the HTTP status and the JSON body. */
export interface TokenReply {
  status: number;
  body: Record<string, unknown>;
}

export interface TokenIssuerOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** When set, a client assertion signed by this certificate's key is accepted too. */
  clientCertificatePem?: string;
}

/** Issues and checks access tokens for one app registration. */
export class TokenIssuer {
  readonly #options: TokenIssuerOptions;
  readonly #issued = new Set<string>();

  constructor(options: TokenIssuerOptions) {
    this.#options = options;
  }

  /** Returns true when `authorization` is `Bearer <a token this issuer issued>`. */
  isValidAuthorization(authorization: string | undefined): boolean {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '');
    return match?.[1] !== undefined && this.#issued.has(match[1]);
  }

  /** Handles a form-encoded POST to `/{tenant}/oauth2/v2.0/token`. */
  issue(tenantInPath: string, form: URLSearchParams): TokenReply {
    if (tenantInPath !== this.#options.tenantId) {
      return failure(400, 'invalid_request', 90002, `Tenant '${tenantInPath}' not found.`);
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return failure(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    if (form.get('client_id') !== this.#options.clientId) {
      return failure(400, 'unauthorized_client', 700016, 'Application was not found in the directory.');
    }
    const scope = form.get('scope') ?? '';
    if (!scope.split(' ').some((item) => item.endsWith('/.default'))) {
      return failure(400, 'invalid_scope', 1002012, 'The client-credentials flow requires a /.default scope.');
    }
    if (!this.#isClientAuthenticated(form)) {
      return failure(401, 'invalid_client', 7000215, 'Invalid client secret or assertion provided.');
    }

    const accessToken = randomBytes(24).toString('base64url');
    this.#issued.add(accessToken);
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken },
    };
  }

  #isClientAuthenticated(form: URLSearchParams): boolean {
    const secret = form.get('client_secret');
    if (secret !== null) {
      return secret === this.#options.clientSecret;
    }
    const assertion = form.get('client_assertion');
    if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION || assertion === null) {
      return false;
    }
    return this.#isValidAssertion(assertion);
  }

  #isValidAssertion(assertion: string): boolean {
    const certificatePem = this.#options.clientCertificatePem;
    const [headerPart, payloadPart, signaturePart] = assertion.split('.');
    if (certificatePem === undefined || !headerPart || !payloadPart || !signaturePart) {
      return false;
    }
    const header = parseJsonPart(headerPart);
    const payload = parseJsonPart(payloadPart);
    if (payload?.iss !== this.#options.clientId || payload.sub !== this.#options.clientId) {
      return false;
    }

    const key = new X509Certificate(certificatePem).publicKey;
    const signedData = Buffer.from(`${headerPart}.${payloadPart}`);
    const signature = Buffer.from(signaturePart, 'base64url');
    if (header?.alg === 'RS256') {
      return verify('sha256', signedData, key, signature);
    }
    if (header?.alg === 'PS256') {
      return verify('sha256', signedData, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
    }
    return false;
  }
}

/** Builds the OpenID Connect metadata document that MSAL reads for an authority, with loopback URLs. */
export function openIdConfiguration(baseUrl: string, tenantId: string): Record<string, unknown> {
  return {
    issuer: `${baseUrl}/${tenantId}/v2.0`,
    token_endpoint: `${baseUrl}/${tenantId}/oauth2/v2.0/token`,
    authorization_endpoint: `${baseUrl}/${tenantId}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${baseUrl}/${tenantId}/oauth2/v2.0/logout`,
    jwks_uri: `${baseUrl}/${tenantId}/discovery/v2.0/keys`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    tenant_region_scope: null,
  };
}

function failure(status: number, error: string, code: number, description: string): TokenReply {
  return {
    status,
    body: { error, error_description: `AADSTS${code}: ${description}`, error_codes: [code], timestamp: new Date().toISOString() },
  };
}

function parseJsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
