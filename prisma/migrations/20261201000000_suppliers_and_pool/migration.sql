-- AlterTable
ALTER TABLE "delivered_codes" ADD COLUMN     "supplier" TEXT;

-- AlterTable
ALTER TABLE "sku_mappings" ADD COLUMN     "pool_mode" TEXT NOT NULL DEFAULT 'off',
ADD COLUMN     "routes" JSONB NOT NULL DEFAULT '[]';

-- CreateTable
CREATE TABLE "pool_codes" (
    "id" BIGSERIAL NOT NULL,
    "store_id" TEXT NOT NULL,
    "sku" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "ciphertext" TEXT NOT NULL,
    "masked" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'available',
    "reserved_by" TEXT,
    "reserved_line" INTEGER,
    "reserved_at" TIMESTAMP(3),
    "imported_by" TEXT NOT NULL,
    "imported_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" TEXT,

    CONSTRAINT "pool_codes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "pool_codes_fingerprint_key" ON "pool_codes"("fingerprint");

-- CreateIndex
CREATE INDEX "pool_codes_store_id_sku_status_idx" ON "pool_codes"("store_id", "sku", "status");

-- CreateIndex
CREATE INDEX "pool_codes_reserved_by_idx" ON "pool_codes"("reserved_by");
