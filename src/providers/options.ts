/** Settings every provider may read; the CLI fills them from flags and the environment. */
export interface ProviderOptions {
  /** Cloud region (AWS); undefined means the SDK's own resolution (env, profile). */
  readonly region?: string;
  /** Named profile (AWS). */
  readonly profile?: string;
  /** Google Cloud project for references that leave it out. */
  readonly project?: string;
  /** Azure subscription for references that leave it out. */
  readonly subscription?: string;
  /**
   * Point the provider at another endpoint (an emulator). Over plain http:// providers
   * use no credentials (or fixed dummy ones where a signature is required) and never send a real token.
   */
  readonly endpointUrl?: string;
  /**
   * Called with every credential value the provider resolves (key IDs, secrets, session tokens),
   * whatever its source (environment, profile file, SSO, role), before it is used, so that
   * everything drainctl prints or records can mask it.
   */
  readonly registerSecret?: (value: string) => void;
  /** Debug lines, already free of credentials. */
  readonly debug?: (line: string) => void;
  /** Attempts per API call including the first (SDK retry), default 3. */
  readonly maxAttempts?: number;
  /** 'standard' or 'adaptive' (client-side rate limiting after throttles). */
  readonly retryMode?: 'standard' | 'adaptive';
  readonly env?: NodeJS.ProcessEnv;
  /** HAProxy: take servers to DRAIN (default; persistent sessions still reach them) or MAINT (nothing does). */
  readonly haproxyMode?: 'drain' | 'maint';
  /** NGINX: the main configuration that includes the upstream file (default /etc/nginx/nginx.conf). */
  readonly nginxConf?: string;
  /** NGINX: how to apply a change (default `nginx -c <main config> -s reload`). */
  readonly reloadCommand?: string;
  /** NGINX: a stub_status URL to show connection counts while waiting. */
  readonly statusUrl?: string;
}
