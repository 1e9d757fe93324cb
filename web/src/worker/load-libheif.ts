/**
 * @module Loaded only when the first HEIC the browser cannot decode is met (vault.worker.ts imports it
 * dynamically, so it is a chunk of its own): libheif-js's Emscripten glue, unmodified, and its .wasm, served from
 * our origin as a separate asset. The glue needs no eval or new Function (this build has none), only
 * WebAssembly compilation, which the CSP's 'wasm-unsafe-eval' allows. See: [Note: HEIC through libheif-js]
 */
/// <reference types="vite/client" />
import { type Libheif, whenLibheifReady } from '@halyon/client-core/heif-decode';
import createLibheif from 'libheif-js/libheif-wasm/libheif.js';
import wasmUrl from 'libheif-js/libheif-wasm/libheif.wasm?url';

type ReceiveInstance = (instance: WebAssembly.Instance, module: WebAssembly.Module) => void;

export const loadLibheif = async (): Promise<Libheif> => {
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`libheif.wasm: HTTP ${response.status}`);
  const compiled = await WebAssembly.compile(await response.arrayBuffer());
  return whenLibheifReady((options) => createLibheif(options) as unknown as Libheif, {
    // Left alone, the glue fetches the .wasm with a synchronous XHR and compiles it synchronously. It is compiled
    // above, off the thread; the instance must still be made synchronously: this build's own setup code runs as
    // the factory returns and clashes with embind's registrations if they come later (an "overloadTable" error).
    instantiateWasm(imports: WebAssembly.Imports, receive: ReceiveInstance) {
      const instance = new WebAssembly.Instance(compiled, imports);
      receive(instance, compiled);
      return instance.exports;
    },
  });
};
