-- AlterTable
ALTER TABLE "notifications" ADD COLUMN     "error" TEXT,
ADD COLUMN     "message_id" TEXT,
ADD COLUMN     "requested_by" TEXT;

-- AlterTable
ALTER TABLE "sku_mappings" ADD COLUMN     "note" TEXT,
ADD COLUMN     "restored_from" INTEGER,
ADD COLUMN     "retired_at" TIMESTAMP(3),
ADD COLUMN     "retired_by" TEXT;

-- AlterTable
ALTER TABLE "stores" ADD COLUMN     "credentials_ref" TEXT,
ADD COLUMN     "mail_from_name" TEXT,
ADD COLUMN     "storefront_url" TEXT,
ADD COLUMN     "support_email" TEXT;

-- CreateIndex
CREATE INDEX "delivered_codes_key_id_idx" ON "delivered_codes"("key_id");
