// A local HTTP endpoint standing in for a Slack incoming webhook: records every JSON body, and
// answers with the status the test sets (Slack answers 200 "ok").
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AlertReceiver {
  url: string;
  bodies: { text: string; blocks: { type: string; text: { type: string; text: string } }[] }[];
  /** The status the next requests get (default 200). */
  status: number;
  stop(): Promise<void>;
}

export async function startAlertReceiver(): Promise<AlertReceiver> {
  const receiver: AlertReceiver = {
    url: '',
    bodies: [],
    status: 200,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (receiver.status === 200 && req.headers['content-type'] === 'application/json')
        receiver.bodies.push(
          JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertReceiver['bodies'][0],
        );
      res
        .writeHead(receiver.status, { 'Content-Type': 'text/plain' })
        .end(receiver.status === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/secret-token`;
  return receiver;
}
