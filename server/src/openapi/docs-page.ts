/**
 * @module GET /v1/docs: a readable API reference generated from the same RouteSpecs as the OpenAPI document.
 * Plain HTML with one inline stylesheet allowed by its hash; no scripts, no third-party assets.
 */
import { createHash } from 'node:crypto';
import { ErrorCode } from '@halyon/protocol';
import { problemTitle, STATUS_BY_CODE } from '../http/problem';
import { implicitErrors, schemaToJson } from './document';
import type { RouteSpec } from './route-spec';

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:1px solid #ccd}h3{font-size:1.05rem;margin-top:1.8rem}
code,pre{font:13px/1.4 ui-monospace,monospace}pre{background:#f4f5f8;padding:.6rem;overflow:auto;max-height:24rem}
.m{display:inline-block;min-width:3.5rem;font-weight:700}table{border-collapse:collapse}
td,th{border:1px solid #dde;padding:.2rem .5rem;text-align:left;vertical-align:top}details{margin:.3rem 0}`;

export const DOCS_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Escapes, then shows `code spans` (as written in RouteSpec descriptions) as code. */
function proseHtml(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function jsonBlock(label: string, value: unknown): string {
  return `<details><summary>${escapeHtml(label)}</summary><pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre></details>`;
}

function endpointHtml(spec: RouteSpec): string {
  const parts = [
    `<h3 id="${escapeHtml(spec.operationId)}"><span class="m">${spec.method.toUpperCase()}</span> <code>${escapeHtml(spec.path)}</code></h3>`,
    `<p><strong>${proseHtml(spec.summary)}</strong>${spec.auth ? ' — needs <code>Authorization: Bearer &lt;access token&gt;</code>' : ''}</p>`,
  ];
  if (spec.description) parts.push(`<p>${proseHtml(spec.description)}</p>`);
  if (spec.request?.params)
    parts.push(jsonBlock('Path parameters', schemaToJson(spec.request.params, 'input')));
  if (spec.request?.query)
    parts.push(jsonBlock('Query parameters', schemaToJson(spec.request.query, 'input')));
  if (spec.request?.body)
    parts.push(jsonBlock('Request body (JSON Schema)', schemaToJson(spec.request.body, 'input')));
  for (const [status, response] of Object.entries(spec.responses)) {
    parts.push(
      response.schema
        ? jsonBlock(`${status}: ${response.description}`, schemaToJson(response.schema, 'output'))
        : `<p>${status}: ${escapeHtml(response.description)}</p>`,
    );
  }
  const codes = [...new Set([...spec.errors, ...implicitErrors(spec)])];
  parts.push(`<p>Errors: ${codes.map((c) => `<a href="#error-${c}"><code>${c}</code></a>`).join(', ')}</p>`);
  return parts.join('\n');
}

export function renderDocsPage(specs: readonly RouteSpec[]): string {
  // Each endpoint is listed once, under its first tag.
  const tags = [...new Set(specs.map((s) => s.tags[0] ?? 'other'))];
  const sections = tags.map(
    (tag) =>
      `<h2 id="tag-${escapeHtml(tag)}">${escapeHtml(tag)}</h2>\n${specs
        .filter((s) => (s.tags[0] ?? 'other') === tag)
        .map(endpointHtml)
        .join('\n')}`,
  );
  const errorRows = ErrorCode.options
    .map(
      (code) =>
        `<tr id="error-${code}"><td><code>${code}</code></td><td>${STATUS_BY_CODE[code]}</td><td>${escapeHtml(problemTitle(code))}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Halyon API reference</title><style>${STYLE}</style></head>
<body>
<h1>Halyon API reference</h1>
<p>Every request and response body is JSON validated against the schemas below (also published as
<a href="/v1/openapi.json">OpenAPI 3.1</a>). Errors are <code>application/problem+json</code> with a stable
<code>code</code>; branch on the code, never on the title. Semantics (cursors, conflicts, retries) are described in
docs/protocol.md in the repository.</p>
<nav>${tags.map((t) => `<a href="#tag-${escapeHtml(t)}">${escapeHtml(t)}</a>`).join(' · ')} · <a href="#errors">errors</a></nav>
${sections.join('\n')}
<h2 id="errors">Error codes</h2>
<table><thead><tr><th>code</th><th>status</th><th>meaning</th></tr></thead><tbody>
${errorRows}
</tbody></table>
</body></html>`;
}
