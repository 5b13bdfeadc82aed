// Unit tests of the pure eligibility rules.
import { describe, expect, it } from 'vitest';
import { checkEligibility, DEFAULT_STORE_SETTINGS, toCents, type Catalog } from '../src/shared/eligibility';
import { psnOrder } from './support/orders';

const catalog: Catalog = {
  settings: { ...DEFAULT_STORE_SETTINGS, codeSkuPrefixes: ['PSN-'] },
  mappings: {
    'PSN-US-50': {
      sku: 'PSN-US-50',
      version: 1,
      supplierProduct: 'PSN-US-50',
      region: 'US',
      currency: 'USD',
      denomination: '50.00',
      price: '52.99',
      skuGroup: 'psn',
    },
  },
};

const order = psnOrder;

describe('eligibility', () => {
  it('passes a paid, mapped order', () => {
    const r = checkEligibility(order(), catalog);
    expect(r.reasons).toEqual([]);
    expect(r.lines.map((l) => l.mapping.supplierProduct)).toEqual(['PSN-US-50']);
  });
  it('ignores non-code lines of a mixed cart', () => {
    const r = checkEligibility(
      order({ lines: [...order().lines, { lineNo: 2, sku: 'TSHIRT-M', quantity: 1, unitPrice: '19.00' }] }),
      catalog,
    );
    expect(r.reasons).toEqual([]);
    expect(r.ignored).toEqual([2]);
  });
  it('names every reason with a code and a sentence', () => {
    const r = checkEligibility(
      order({
        paid: false,
        riskFlags: ['fraud'],
        accountRegion: 'GB',
        lines: [
          { lineNo: 1, sku: 'PSN-US-50', quantity: 1, unitPrice: '40.00' },
          { lineNo: 2, sku: 'PSN-XX-1', quantity: 1, unitPrice: '1.00' },
        ],
      }),
      catalog,
    );
    expect(r.reasons.map((x) => x.code).sort()).toEqual([
      'AMOUNT_MISMATCH',
      'NOT_PAID',
      'REGION_MISMATCH',
      'RISK_FLAG',
      'SKU_UNMAPPED',
    ]);
    for (const reason of r.reasons) expect(reason.message.length).toBeGreaterThan(20);
  });
  it('does money in integer cents', () => {
    expect(toCents('52.99')).toBe(5299);
    expect(toCents('0.1')).toBe(10);
    expect(() => toCents('1e3')).toThrow();
  });
});
