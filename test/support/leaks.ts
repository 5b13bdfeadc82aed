// The suite-wide code-leak check: every stack records what its API answered, and on stop()
// every code the sandbox supplier issued is searched for in the captured logs and responses.
// The only places a code may appear are the delivery itself (the customer email, checked by
// its own tests) and the authorised codec endpoint's /decode answers, which are not recorded.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Records every API response body except the codec endpoint's decoded payloads. */
export function captureResponses(server: Server): string[] {
  const bodies: string[] = [];
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (/^\/codec\/(?:[^/]+\/)?decode\b/.test(req.url ?? '')) return;
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(
        Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
      );
    };
    const write = res.write.bind(res) as (...a: unknown[]) => boolean;
    const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
    res.write = ((...a: unknown[]) => {
      keep(a[0], a[1]);
      return write(...a);
    }) as typeof res.write;
    res.end = ((...a: unknown[]) => {
      keep(a[0], a[1]);
      bodies.push(`${req.method} ${req.url} -> ${Buffer.concat(chunks).toString('utf8')}`);
      return end(...a);
    }) as typeof res.end;
  });
  return bodies;
}

/** Where each issued code appears (empty = no leak). Codes are matched with and without dashes. */
export function findCodeLeaks(codes: string[], sources: Record<string, string>): string[] {
  const hits: string[] = [];
  for (const code of codes) {
    const forms = [code, code.replace(/-/g, '')];
    for (const [name, text] of Object.entries(sources)) {
      if (forms.some((f) => text.includes(f))) hits.push(`code ending ${code.slice(-4)} found in ${name}`);
    }
  }
  return hits;
}
