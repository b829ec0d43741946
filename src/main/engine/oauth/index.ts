/**
 * OAuth 2.0 sign-in with Google for installed apps: see signin-flow.ts and access-token-provider.ts.
 * Microsoft's (the destination): microsoft/, imported directly where needed.
 */
export * from './access-token-provider.js';
export * from './google-endpoints.js';
export * from './loopback-redirect.js';
export * from './pkce.js';
export * from './sasl.js';
export * from './signin-flow.js';
export * from './token-cache.js';
export * from './token-client.js';
export * from './token-store.js';
