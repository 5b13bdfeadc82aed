// Log redaction: known secret fields are censored, and free text is scrubbed of emails and codes.
import { describe, expect, it } from 'vitest';
import { createLogger, scrubText } from '../src/observability/logger';
import { LogCapture } from './support/stack';

describe('logger redaction', () => {
  it('censors secret fields at any depth and scrubs emails and code-shaped text', () => {
    const out = new LogCapture();
    const log = createLogger({ level: 'info', name: 't', destination: out });
    log.info(
      {
        orderId: '1001',
        code: 'ABCD-EFGH-IJKL-MNOP',
        codes: ['QRST-UVWX-YZ12-3456'],
        pin: '9876',
        apiKey: 'sk_live_abcdefgh',
        consumerSecret: 'cs_1234567890',
        customerEmail: 'buyer@example.com',
        nested: { secret: 'whsec_zzz', deeper: { token: 'tok_abc', note: 'mail buyer2@example.com' } },
        summary: 'issued WXYZ-1111-2222-3333 for the order',
      },
      'delivered to buyer3@example.com code AAAA-BBBB-CCCC-DDDD',
    );
    log.error(
      { err: new Error('SMTP refused buyer4@example.com while sending EEEE-FFFF-GGGG-HHHH') },
      'failed',
    );
    const text = out.text();
    for (const secret of [
      'ABCD-EFGH',
      'QRST',
      '9876',
      'sk_live',
      'cs_1234',
      'buyer@',
      'whsec_zzz',
      'tok_abc',
      'buyer2@',
      'WXYZ-1111',
      'buyer3@',
      'AAAA-BBBB',
      'buyer4@',
      'EEEE-FFFF',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('"orderId":"1001"');
    expect(text).toContain('[redacted]');
    expect(text).toContain('[email]');
    expect(text).toContain('[code]');
  });

  it('leaves ordinary identifiers alone', () => {
    expect(
      scrubText('fulfill:demo:1001 PSN-US-50 cb_demo_1001_b1 550e8400-e29b-41d4-a716-446655440000'),
    ).toBe('fulfill:demo:1001 PSN-US-50 cb_demo_1001_b1 550e8400-e29b-41d4-a716-446655440000');
  });
});
