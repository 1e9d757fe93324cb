/**
 * @module Build plugin: collects every template string the Solid compiler emitted and writes the list into the
 * Trusted Types policy. See: [Note: Trusted Types and Solid templates].
 */

import type { Plugin } from 'vite';

const PLACEHOLDER = /(["'`])__HALYON_SOLID_TEMPLATES__\1/g;
// Solid emits `_$template(`<div class="x">`)`; the literal has backticks, backslashes and `${` escaped.
const TEMPLATE_CALL = /_\$template\(`((?:[^`\\]|\\.)*)`/g;

const cookTemplateLiteral = (raw: string): string => raw.replace(/\\([\\`$])/g, '$1');

export const trustedTemplatesPlugin = (): Plugin => {
  const templates = new Set<string>(['']);
  return {
    name: 'halyon:trusted-templates',
    apply: 'build',
    enforce: 'post',
    transform(code) {
      for (const match of code.matchAll(TEMPLATE_CALL)) templates.add(cookTemplateLiteral(match[1] ?? ''));
      return null;
    },
    generateBundle(_options, bundle) {
      const literal = JSON.stringify(JSON.stringify([...templates].sort()));
      let replaced = 0;
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        chunk.code = chunk.code.replace(PLACEHOLDER, () => {
          replaced += 1;
          return literal;
        });
      }
      // Without the list the app could not render at all under the CSP; fail the build instead.
      if (replaced !== 1) this.error(`expected one Trusted Types template placeholder, found ${replaced}`);
    },
  };
};
