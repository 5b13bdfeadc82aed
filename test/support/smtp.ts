// A real SMTP server on a loopback port (smtp-server), capturing every message it accepts.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  from: string;
  to: string[];
  raw: string;
  /** Headers and bodies with quoted-printable and base64 parts decoded, for searching. */
  text: string;
  subject: string;
}

function decodeParts(raw: string): string {
  const out: string[] = [];
  const sections = raw.split(/\r?\n(?=--)/);
  for (const section of sections) {
    const [head = '', ...rest] = section.split(/\r?\n\r?\n/);
    const body = rest.join('\n\n');
    if (/content-transfer-encoding:\s*base64/i.test(head)) {
      out.push(head, Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('utf8'));
    } else if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
      const qp = body
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
      out.push(head, Buffer.from(qp, 'latin1').toString('utf8'));
    } else {
      out.push(section);
    }
  }
  return out.join('\n');
}

export interface SmtpServerOptions {
  rejectRecipients?: RegExp;
  /**
   * Messages it matches are received but never acknowledged (the sender waits for the reply
   * to its DATA, as with a stalled mail server); they are listed in `held`, not `messages`.
   */
  hold?: (mail: CapturedMail) => boolean;
}

export async function startSmtpServer(opts: SmtpServerOptions = {}) {
  const messages: CapturedMail[] = [];
  const held: CapturedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      if (opts.rejectRecipients?.test(address.address)) {
        const err = new Error('mailbox unavailable') as Error & { responseCode?: number };
        err.responseCode = 550;
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const text = decodeParts(raw);
        const mail: CapturedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          text,
          subject: /^Subject: (.*(?:\r?\n[ \t].*)*)/im.exec(raw)?.[1]?.replace(/\r?\n[ \t]/g, ' ') ?? '',
        };
        if (opts.hold?.(mail)) {
          held.push(mail);
          return;
        }
        messages.push(mail);
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    held,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
