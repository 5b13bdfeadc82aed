// Code activities: encrypting and storing the codes a line receives.
import { ApplicationFailure } from '@temporalio/activity';
import { maskCode } from '../codes/vault';
import { ErrorType, type IssuedCode } from '../shared/contract';
import type { ActivityDeps } from './deps';
import { orderRow } from './order-rows';

export function createCodeActivities(deps: ActivityDeps) {
  const { db, vault } = deps;

  return {
    /** Encrypts and stores codes; idempotent per (order, line, unit). Returns masked forms. */
    async storeCodes(input: {
      workflowId: string;
      lineNo: number;
      firstUnit: number;
      codes: IssuedCode[];
      supplierOrderId?: string;
      supplier?: string;
    }): Promise<string[]> {
      const order = await orderRow(db, input.workflowId);
      const rows = input.codes.map((c, i) => {
        const secret = c.pin
          ? JSON.stringify({ code: c.code, pin: c.pin })
          : JSON.stringify({ code: c.code });
        const { keyId, ciphertext } = vault.encrypt(secret);
        return {
          orderId: order.id,
          lineNo: input.lineNo,
          unitIndex: input.firstUnit + i,
          keyId,
          ciphertext,
          masked: maskCode(c.code),
          fingerprint: vault.fingerprint(c.code),
          supplierOrderId: input.supplierOrderId ?? null,
          supplier: input.supplier ?? null,
        };
      });
      await db.$transaction(async (tx) => {
        for (const row of rows) {
          const existing = await tx.deliveredCode.findUnique({ where: { fingerprint: row.fingerprint } });
          if (existing) {
            if (
              existing.orderId === row.orderId &&
              existing.lineNo === row.lineNo &&
              existing.unitIndex === row.unitIndex
            )
              continue;
            throw ApplicationFailure.nonRetryable(
              `code ${row.masked} is already delivered elsewhere; refusing to deliver it twice`,
              ErrorType.CodeConflict,
            );
          }
          await tx.deliveredCode.upsert({
            where: {
              orderId_lineNo_unitIndex: {
                orderId: row.orderId,
                lineNo: row.lineNo,
                unitIndex: row.unitIndex,
              },
            },
            update: {},
            create: row,
          });
        }
        const line = await tx.orderLine.findUnique({
          where: { orderId_lineNo: { orderId: order.id, lineNo: input.lineNo } },
        });
        if (line) {
          const delivered = await tx.deliveredCode.count({
            where: { orderId: order.id, lineNo: input.lineNo },
          });
          await tx.orderLine.update({
            where: { id: line.id },
            data: { delivered, status: delivered >= line.quantity ? 'delivered' : 'partial' },
          });
        }
      });
      return rows.map((r) => r.masked);
    },
  };
}

export type CodeActivities = ReturnType<typeof createCodeActivities>;
