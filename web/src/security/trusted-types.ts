/**
 * @module Installs the app's only Trusted Types policy.
 *
 * [Note: Trusted Types and Solid templates]
 * The CSP says `require-trusted-types-for 'script'`, so every string assigned to an HTML sink goes through the
 * `default` policy. The only such assignments in the app are Solid's compiled JSX templates (`template.innerHTML =
 * "<div class=...>"`): static markup from our own source, never data (Solid writes data with textContent and
 * attribute setters, which are not sinks). The build collects every template string the Solid compiler emitted
 * (build/trusted-templates-plugin.ts) and replaces the placeholder below with that list, so the policy admits
 * exactly those strings and rejects anything else, including any markup built from decrypted data. In dev the
 * placeholder stays and the dev server does not send the CSP, so the policy is not installed.
 */

import { TRUSTED_TYPES_POLICY_NAME } from './headers';

interface TrustedTypePolicyFactoryLike {
  createPolicy(
    name: string,
    rules: { createHTML?: (input: string) => string; createScriptURL?: (input: string) => string },
  ): unknown;
}

// Replaced at build time by a JSON string literal of the template list; in dev it is not JSON, so there is no list.
const TEMPLATE_LIST_JSON = '__HALYON_SOLID_TEMPLATES__';

const readTemplateList = (): ReadonlyArray<string> | null => {
  try {
    const parsed: unknown = JSON.parse(TEMPLATE_LIST_JSON);
    return Array.isArray(parsed) && parsed.every((t) => typeof t === 'string') ? parsed : null;
  } catch {
    return null;
  }
};

export const installTrustedTypesPolicy = (): void => {
  const factory = (globalThis as { trustedTypes?: TrustedTypePolicyFactoryLike }).trustedTypes;
  const templates = readTemplateList();
  if (!factory || !templates) return;
  const allowed = new Set(templates);
  factory.createPolicy(TRUSTED_TYPES_POLICY_NAME, {
    createHTML: (input) => {
      if (allowed.has(input)) return input;
      throw new TypeError('Trusted Types: refused HTML that is not a compiled template');
    },
    // Workers and the service worker are same-origin files from the build; nothing else may be loaded as script.
    createScriptURL: (input) => {
      const url = new URL(input, location.href);
      if (url.origin === location.origin) return url.href;
      throw new TypeError('Trusted Types: refused a cross-origin script URL');
    },
  });
};
