-- CreateTable
CREATE TABLE "catalog_publications" (
    "id" SERIAL NOT NULL,
    "store_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "csv" TEXT NOT NULL,
    "added" INTEGER NOT NULL,
    "changed" INTEGER NOT NULL,
    "retired" INTEGER NOT NULL,
    "published_by" TEXT NOT NULL,
    "published_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "note" TEXT,
    "restored_from" INTEGER,

    CONSTRAINT "catalog_publications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "catalog_publications_store_id_version_key" ON "catalog_publications"("store_id", "version");
