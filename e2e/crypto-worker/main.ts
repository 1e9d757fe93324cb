/**
 * Fixture page: starts the vector worker and publishes its report on `window.cryptoVectorReport` (and in the
 * page) for the Playwright spec. Typed structurally: this package's tsconfig has no DOM library.
 */
import type { WorkerReport } from './report';

interface FixtureWorker {
  onmessage: ((event: { readonly data: WorkerReport }) => void) | null;
  onerror: ((event: { readonly message: string }) => void) | null;
}

interface FixturePage {
  Worker: new (url: URL, options: { readonly type: 'module' }) => FixtureWorker;
  document: { getElementById(id: string): { textContent: string | null } | null };
  cryptoVectorReport?: WorkerReport | { readonly error: string };
}

const page = globalThis as unknown as FixturePage;
const publish = (report: FixturePage['cryptoVectorReport']) => {
  page.cryptoVectorReport = report;
  const element = page.document.getElementById('report');
  if (element) element.textContent = JSON.stringify(report, null, 2);
};

const worker = new page.Worker(new URL('./vectors.worker.ts', import.meta.url), { type: 'module' });
worker.onmessage = (event) => publish(event.data);
worker.onerror = (event) => publish({ error: event.message });
