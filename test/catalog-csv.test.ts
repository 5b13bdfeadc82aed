// The RFC 4180 reader and the catalogue CSV's validation, diff and round trip (pure, no I/O).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalogCsv, diffCatalog, readCatalogCsv, type CatalogRow } from '../src/catalog/catalog';
import { CsvSyntaxError, parseCsv, toCsv } from '../src/catalog/csv';

const HEADER = 'sku,supplier,supplier_product,region,currency,denomination,price';

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted fields with commas, quotes and line breaks, CRLF or LF, and a BOM', () => {
    const text = '\ufeffa,b,c\r\n"x,1","say ""hi""","two\nlines"\n,,\n\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x,1', 'say "hi"', 'two\nlines'] },
      { line: 4, fields: ['', '', ''] },
    ]);
  });
  it('keeps the last record without a final newline, and an empty quoted field', () => {
    expect(parseCsv('a,""')).toEqual([{ line: 1, fields: ['a', ''] }]);
  });
  it('names the line of a syntax error', () => {
    expect(() => parseCsv('a\nb"c\n')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a\n"open\n\nstill')).toThrow(/line 2: a quoted field is never closed/);
    expect(() => parseCsv('"a"b')).toThrow(/line 1: text after a closing quote/);
  });
  it('round-trips whatever toCsv writes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }),
        (rows) => {
          const wanted = rows.filter((r) => !(r.length === 1 && r[0] === ''));
          expect(parseCsv(toCsv(rows)).map((r) => r.fields)).toEqual(wanted);
        },
      ),
    );
  });
});

describe('catalogue CSV', () => {
  it('reports every wrong line with its number and reason', () => {
    const text = [
      HEADER,
      'PSN-US-10,alpha-psn,PSN-US-10,US,USD,10,10.99',
      'PSN-US-25,alpha-psn,PSN-US-25,usa,USD,25,abc',
      'PSN-US-10,alpha-psn,PSN-US-10,US,USD,10,10.99',
      'short,row',
      '"PSN,GB",alpha-psn,x,GB,GBP,20,26.99',
    ].join('\n');
    const { rows, errors } = readCatalogCsv(text);
    expect(rows.map((r) => r.sku)).toEqual(['PSN-US-10']);
    expect(errors).toEqual([
      { line: 3, message: expect.stringMatching(/region "usa".*price "abc"/) },
      { line: 4, message: 'sku PSN-US-10 is already on line 2' },
      { line: 5, message: '2 fields, 7 expected' },
      { line: 6, message: expect.stringContaining('sku "PSN,GB" is not a SKU') },
    ]);
    expect(readCatalogCsv('sku,price\nA,1').errors[0]).toMatchObject({ line: 1 });
    expect(readCatalogCsv(HEADER).errors[0]?.message).toContain('no rows');
  });

  it('diffs added, changed (with the fields) and retired; exports what it reads', () => {
    const row = (sku: string, price: string): CatalogRow => ({
      sku,
      supplier: 'alpha-psn',
      supplierProduct: sku,
      region: 'US',
      currency: 'USD',
      denomination: '10.00',
      price,
    });
    const diff = diffCatalog(
      [row('A', '1.00'), row('B', '2.00'), row('C', '3.00')],
      [row('A', '1.00'), row('B', '2.50'), row('D', '4.00')],
    );
    expect(diff.added.map((r) => r.sku)).toEqual(['D']);
    expect(diff.changed).toEqual([{ before: row('B', '2.00'), after: row('B', '2.50'), fields: ['price'] }]);
    expect(diff.retired.map((r) => r.sku)).toEqual(['C']);
    expect(diff.unchanged).toBe(1);
    const csv = catalogCsv([row('B', '2.00'), row('A', '1.00')]);
    expect(csv.split('\r\n')[0]).toBe(HEADER);
    expect(readCatalogCsv(csv).rows).toEqual([row('A', '1.00'), row('B', '2.00')]);
  });
});
