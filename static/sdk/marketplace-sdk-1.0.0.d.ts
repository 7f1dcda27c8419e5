// Type declarations of the Marketplace JS SDK 1.0.0 (static/sdk/marketplace-sdk-1.0.0.js).
// Reference: docs/sdk.md.

declare namespace MarketplaceSDK {
  /** The launch context of the frame (the same values as the frame address's query). */
  interface Context {
    protocol: "http" | "https";
    domain: string;
    lang: "en" | "pt" | "es" | string;
    embedding: string;
    embedding_id: string;
    app: string;
    version: string;
    location: string;
    record: string | null;
  }

  interface LaunchToken {
    /** A signed JWT (ES256) for your backend to verify against /.well-known/jwks.json. */
    launch_token: string;
    /** Expiry, in seconds since the epoch (at most five minutes away). */
    expires_at: number;
  }

  interface Tokens {
    access_token: string;
    refresh_token: string;
    token_type: "Bearer";
    scope: string;
    expires_in: number;
  }

  type ErrorCode =
    | "not_initialized"
    | "not_embedded"
    | "wrong_host"
    | "timeout"
    | "rate_limited"
    | "unknown_method"
    | "invalid"
    | "denied"
    | "not_authorized"
    | "no_such_embedding"
    | "permission_denied"
    | "not_found"
    | "throttled"
    | string;

  interface SdkError extends Error {
    name: "SdkError";
    code: ErrorCode;
    message: string;
  }

  type Level = "info" | "success" | "warning" | "error";

  interface InitOptions {
    /** The marketplace's origin; defaults to the frame address's `host_origin`. */
    hostOrigin?: string;
    /** How long to wait for the host's handshake, in milliseconds (10 000). */
    timeout?: number;
  }

  interface HostEvents {
    "theme.changed": { theme: "light" | "dark" };
    /** On record cards: the record changed since the card was shown. */
    "record.changed": { model: string; id: number; revision: number };
    "lang.changed": { lang: string };
  }
}

declare const MarketplaceSDK: {
  readonly version: string;
  readonly SdkError: { prototype: MarketplaceSDK.SdkError };
  init(options?: MarketplaceSDK.InitOptions): Promise<MarketplaceSDK.Context>;
  context(): Promise<MarketplaceSDK.Context>;
  launchToken(): Promise<MarketplaceSDK.LaunchToken>;
  auth: {
    tokens(): Promise<MarketplaceSDK.Tokens>;
    reauthorize(): Promise<{ authorized: true }>;
  };
  settings: {
    /** App-level settings; a secret appears only as `{set: boolean}`, a file as `{file}`. */
    app(): Promise<Record<string, unknown>>;
    /** The current user's own settings, shown the same way. */
    user(): Promise<Record<string, unknown>>;
    /** Save the current user's own settings; resolves with them as `user()` shows them. */
    setUser(values: Record<string, unknown>): Promise<Record<string, unknown>>;
  };
  api: {
    /** The App API as the current user, e.g. `api.request("GET", "crm/account/")`. */
    request<T = unknown>(
      method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: T }>;
  };
  ui: {
    notify(text: string, level?: MarketplaceSDK.Level): Promise<null>;
    alert(text: string): Promise<null>;
    confirm(text: string): Promise<boolean>;
    modal(url: string): Promise<unknown>;
    sidePanel(url: string): Promise<unknown>;
    close(value?: unknown): Promise<null>;
    navigate(page: string): Promise<null>;
    resize(height: number): Promise<null>;
  };
  on<E extends keyof MarketplaceSDK.HostEvents>(
    event: E,
    handler: (data: MarketplaceSDK.HostEvents[E]) => void,
  ): () => void;
  on(event: string, handler: (data: unknown) => void): () => void;
};

interface Window {
  MarketplaceSDK: typeof MarketplaceSDK;
}
