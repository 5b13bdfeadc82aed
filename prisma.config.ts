// Prisma CLI configuration. `prisma migrate deploy` (online) reads DATABASE_URL from here;
// offline, `npm run db:migrate` applies the same prisma/migrations folder (see README).
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://cardbridge@127.0.0.1:5432/cardbridge' },
});
