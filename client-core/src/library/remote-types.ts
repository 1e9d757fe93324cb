/**
 * @module Types shared by the worker's API and the page's client (type-only: no code crosses).
 */
import type { Library } from './library';

export type { Library };
export type LibraryQueriesFor = Library['queries'];
