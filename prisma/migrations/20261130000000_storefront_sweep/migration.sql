-- CreateTable
CREATE TABLE "storefront_sweeps" (
    "store_id" TEXT NOT NULL,
    "watermark" TIMESTAMP(3) NOT NULL,
    "last_run_at" TIMESTAMP(3),
    "last_error" TEXT,
    "recovered" INTEGER NOT NULL DEFAULT 0,
    "webhook_status" TEXT,
    "webhook_checked_at" TIMESTAMP(3),

    CONSTRAINT "storefront_sweeps_pkey" PRIMARY KEY ("store_id")
);

-- AddForeignKey
ALTER TABLE "storefront_sweeps" ADD CONSTRAINT "storefront_sweeps_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "stores"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
