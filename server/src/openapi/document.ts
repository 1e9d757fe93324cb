/**
 * @module The OpenAPI 3.1 document, generated from the RouteSpecs and the protocol's zod schemas (zod 4's
 * z.toJSONSchema emits JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Nothing here is written by hand, so
 * the document cannot drift from what the server validates.
 */
import { type ErrorCode, PROBLEM_CONTENT_TYPE, PROTOCOL_VERSION, Problem } from '@halyon/protocol';
import { z } from 'zod';
import { STATUS_BY_CODE } from '../http/problem';
import type { RouteSpec } from './route-spec';

type JsonObject = Record<string, unknown>;

export function schemaToJson(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _, ...json } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  });
  return json;
}

/** Codes any endpoint may answer with, by what the endpoint takes. */
export function implicitErrors(spec: RouteSpec): readonly ErrorCode[] {
  const codes: ErrorCode[] = [];
  if (spec.request?.body) codes.push('malformed_json', 'unsupported_media_type', 'payload_too_large');
  if (spec.request) codes.push('validation_failed');
  if (spec.auth) codes.push('unauthorized', 'token_expired');
  codes.push('internal');
  return codes;
}

export function buildOpenApiDocument(specs: readonly RouteSpec[]): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const spec of specs) {
    const operation: JsonObject = {
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tags: spec.tags,
      security: spec.auth ? [{ bearerAuth: [] }] : [],
    };
    const parameters = [
      ...objectParameters(spec.request?.params, 'path'),
      ...objectParameters(spec.request?.query, 'query'),
    ];
    if (parameters.length > 0) operation.parameters = parameters;
    if (spec.request?.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: schemaToJson(spec.request.body, 'input') } },
      };
    }
    const responses: Record<string, JsonObject> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? {
              content: {
                [response.contentType ?? 'application/json']: {
                  schema: schemaToJson(response.schema, 'output'),
                },
              },
            }
          : {}),
      };
    }
    const codesByStatus = new Map<number, ErrorCode[]>();
    for (const code of new Set([...spec.errors, ...implicitErrors(spec)])) {
      const status = STATUS_BY_CODE[code];
      codesByStatus.set(status, [...(codesByStatus.get(status) ?? []), code]);
    }
    for (const [status, codes] of [...codesByStatus].sort(([a], [b]) => a - b)) {
      responses[String(status)] ??= {
        description: `A problem with code ${codes.map((c) => `\`${c}\``).join(', ')}.`,
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    operation.responses = responses;
    paths[spec.path] ??= {};
    paths[spec.path]![spec.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Halyon API',
      version: String(PROTOCOL_VERSION),
      description:
        'The sync and account API of Halyon, an end-to-end-encrypted photo vault. The server only ever sees ' +
        'ciphertext. Errors are application/problem+json with a stable `code`. Human-readable reference: /v1/docs.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: { Problem: schemaToJson(Problem, 'output') },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An access token from /v1/auth/login.' },
      },
    },
  };
}

function objectParameters(schema: z.ZodObject | undefined, location: 'path' | 'query'): JsonObject[] {
  if (!schema) return [];
  const json = schemaToJson(schema, 'input') as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}
