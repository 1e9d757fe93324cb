/**
 * @module The wire protocol's version. Bump it for every change to a schema in this package, and say why below;
 * version.test.ts hashes the schemas and fails when they change without a bump.
 *
 * History:
 * - 1: first version (accounts, collections, push, pull, reconcile, pokes).
 */
export const PROTOCOL_VERSION = 1;
