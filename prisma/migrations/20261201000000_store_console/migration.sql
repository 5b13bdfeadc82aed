-- AlterTable
ALTER TABLE "stores" ADD COLUMN     "disabled_at" TIMESTAMP(3),
ADD COLUMN     "secrets" TEXT,
ADD COLUMN     "updated_at" TIMESTAMP(3),
ADD COLUMN     "updated_by" TEXT;
