// The worker's GET /metrics: its own prom-client registry followed by the Temporal SDK's
// metrics (Core's Prometheus exporter, bound to loopback), so one scrape target covers both.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { safeEqual } from './safe-equal';

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function serveMetrics(opts: {
  registry: Registry;
  port: number;
  host?: string;
  /** Temporal SDK exporter (http://127.0.0.1:<port>/metrics) whose text is appended. */
  sdkMetricsUrl?: string;
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  token?: string;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    if (opts.token && !safeEqual(req.headers.authorization ?? '', `Bearer ${opts.token}`)) {
      res
        .writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' })
        .end('unauthorized\n');
      return;
    }
    void metricsText(opts.registry, opts.sdkMetricsUrl).then(
      (text) => res.writeHead(200, { 'Content-Type': opts.registry.contentType }).end(text),
      () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1'}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function metricsText(registry: Registry, sdkMetricsUrl: string | undefined): Promise<string> {
  const own = await registry.metrics();
  if (!sdkMetricsUrl) return own;
  try {
    const res = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return `${own.trimEnd()}\n${(await res.text()).trimEnd()}\n`;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return `${own.trimEnd()}\n# Temporal SDK metrics unavailable: ${why.replace(/\s+/g, ' ')}\n`;
  }
}
