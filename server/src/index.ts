/**
 * @module The server package's entry for other workspace packages (bench, e2e): build and run the app in-process.
 */
export { createApp, routeSpecs } from './app';
export { type Config, configFromEnv } from './config';
export { type DatabaseHandle, openDatabase } from './db/database';
export type { AppDeps, Clock } from './deps';
export { type RunningS3rver, startS3rver } from './features/blobs/stores/s3rver-harness';
export { pullAnswerText } from './features/sync/sync.routes';
export { startHttpServer } from './http/serve';
export { listenOnFreePort, registerTestUser, startTestServer } from './test/test-server';
