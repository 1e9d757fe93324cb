/**
 * @module The Hono environment every router shares: what middleware puts on the context for handlers to read.
 */
export interface AuthContext {
  readonly userId: string;
  readonly sessionId: string;
}

export interface AppEnv {
  Variables: {
    /** Set by the request-id middleware on every request; echoed as X-Request-Id and in problem bodies. */
    requestId: string;
    /** Set by requireAuth; present on every route behind it. */
    auth: AuthContext;
    /** The largest request body accepted here; readJson enforces it on streamed bodies. */
    bodyLimit: number;
  };
}
