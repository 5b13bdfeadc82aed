// `npm run ops -- store ...`: stores as data from the command line (the same service as the
// /admin/stores page). Secrets are read from standard input, never from arguments (which end up
// in shell history and `ps`), and are printed back only masked.
import { createCodeVault } from '../../codes/vault';
import { WEBHOOK_PROVIDERS, type WebhookProvider } from '../../stores/secrets';
import { createStoreService, type StoreFields, type StoreView } from '../../stores/service';
import { str, terminalUser, UsageError } from '../args';
import type { Command, Ctx, Values } from '../command';

const USAGE = `  store list                                                       every store, secrets masked
  store show <id>
  store set <id> --name N --platform woocommerce|magento|headless [--url URL]
            [--payment-methods a,b] [--tolerance 0.01] [--regions US,GB] [--sku-prefixes PSN-]
                                                                   create a store or change its settings
  store disable|enable <id>                                        a disabled store's webhooks are refused
  store secret add <id> woocommerce|standard|pocketsflow           (secret on stdin) rotation step 1
  store secret retire <id> <provider> <…last4>                     rotation step 2
  store paynup <id> --api-id ID                                    (optional new API key on stdin)
  store rest <id> --kind woocommerce|callback                      (stdin: key:secret, or the callback secret)`;

function describe(s: StoreView): string {
  const secrets = WEBHOOK_PROVIDERS.map((p) => `${p} ${s.secrets[p].join(' ') || '-'}`).join('; ');
  return [
    `${s.id}  ${s.name}  ${s.platform}  ${s.disabled ? 'DISABLED' : 'active'}`,
    `  storefront: ${s.storefrontUrl ?? '-'}`,
    `  payment methods: ${s.allowedPaymentMethods.join(',') || 'any'}; tolerance ${s.amountTolerance}; regions ${s.regions.join(',') || '-'}; code SKU prefixes ${s.codeSkuPrefixes.join(',') || 'all'}`,
    `  webhook secrets: ${secrets}`,
    `  pay'nup: ${s.secrets.paynup ? `${s.secrets.paynup.apiId} keys ${s.secrets.paynup.apiKeys.join(' ')}` : '-'}`,
    `  rest: ${s.secrets.rest ? `${s.secrets.rest.kind} ${s.secrets.rest.masked}` : '-'}`,
    `  last change: ${s.updatedBy ?? '-'} ${s.updatedAt?.toISOString() ?? ''}`,
  ].join('\n');
}

async function run(ctx: Ctx, positionals: string[], opts: Values) {
  const by = str(opts.by) ?? terminalUser();
  const vault = createCodeVault(
    ctx.config.codes.keys,
    ctx.config.codes.activeKeyId,
    ctx.config.codes.fingerprintKey,
  );
  const stores = createStoreService({ db: ctx.db(), vault });
  const [sub, a, b, c] = positionals;
  const id = () => {
    const v = sub === 'secret' ? b : a;
    if (!v) throw new UsageError('name the store');
    return v;
  };
  const show = (s: StoreView) => ctx.out(describe(s), s);
  switch (sub) {
    case 'list': {
      const all = await stores.list();
      return ctx.out(all.map(describe).join('\n\n') || 'no stores', all);
    }
    case 'show':
      return show(await stores.get(id()));
    case 'set': {
      const current = await stores.get(id()).catch(() => undefined);
      const fields: StoreFields = {
        name: str(opts.name) ?? current?.name ?? '',
        platform: (str(opts.platform) ?? current?.platform ?? '') as StoreFields['platform'],
        storefrontUrl: str(opts.url) ?? current?.storefrontUrl ?? '',
        allowedPaymentMethods: str(opts['payment-methods']) ?? current?.allowedPaymentMethods ?? [],
        amountTolerance: str(opts.tolerance) ?? current?.amountTolerance,
        regions: (str(opts.regions) ?? current?.regions.join(',') ?? '').toUpperCase(),
        codeSkuPrefixes: str(opts['sku-prefixes']) ?? current?.codeSkuPrefixes ?? [],
      };
      return show(await stores.save(id(), fields, by));
    }
    case 'disable':
    case 'enable':
      return show(await stores.setDisabled(id(), sub === 'disable', by));
    case 'secret': {
      const provider = WEBHOOK_PROVIDERS.find((p) => p === c);
      if (!provider) throw new UsageError(`name the provider: ${WEBHOOK_PROVIDERS.join(', ')}`);
      if (a === 'add') {
        const secret = await ctx.stdin();
        if (!secret) throw new UsageError('give the secret on standard input');
        return show(await stores.addWebhookSecret(id(), provider as WebhookProvider, secret, by));
      }
      if (a === 'retire') {
        const masked = positionals[4];
        if (!masked) throw new UsageError('name the secret to retire by its masked form (…last4)');
        return show(await stores.retireWebhookSecret(id(), provider, masked, by));
      }
      throw new UsageError('store secret add|retire');
    }
    case 'paynup': {
      const key = await ctx.stdin();
      return show(await stores.setPaynup(id(), { apiId: str(opts['api-id']), addKey: key || undefined }, by));
    }
    case 'rest': {
      const input = await ctx.stdin();
      const kind = str(opts.kind);
      if (kind === 'callback')
        return show(await stores.setRestCredentials(id(), { kind, secret: input }, by));
      if (kind !== 'woocommerce') throw new UsageError('--kind woocommerce|callback');
      const at = input.indexOf(':');
      if (at < 0) throw new UsageError('give consumerKey:consumerSecret on standard input');
      return show(
        await stores.setRestCredentials(
          id(),
          { kind, consumerKey: input.slice(0, at), consumerSecret: input.slice(at + 1) },
          by,
        ),
      );
    }
    default:
      throw new UsageError('store list|show|set|disable|enable|secret|paynup|rest');
  }
}

export const store: Command = {
  name: 'store',
  usage: USAGE,
  options: {
    by: { type: 'string' },
    name: { type: 'string' },
    platform: { type: 'string' },
    url: { type: 'string' },
    'payment-methods': { type: 'string' },
    tolerance: { type: 'string' },
    regions: { type: 'string' },
    'sku-prefixes': { type: 'string' },
    'api-id': { type: 'string' },
    kind: { type: 'string' },
  },
  run: (ctx, { positionals, values }) => run(ctx, positionals, values),
};
