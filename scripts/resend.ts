// `npm run notify:resend -- <store> <order> [--by <who>]`: email the customer every code of a
// delivered order again. The same as `npm run ops -- notify <store>:<order> --template delivered
// --by <who>` (one resend path, src/notify/resend.ts); --by defaults to the person at this terminal.
import { parseArgs } from 'node:util';
import { terminalUser } from '../src/ops/args';
import { main } from '../src/ops/cli';

const USAGE = 'usage: npm run notify:resend -- <store> <order> [--by <who>] [--json]';

function args() {
  try {
    return parseArgs({
      options: { by: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const { values, positionals } = args();
const [storeId, orderId, ...extra] = positionals;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!storeId || !orderId || extra.length) {
  console.error(USAGE);
  process.exit(2);
}
const argv = [
  'notify',
  `${storeId}:${orderId}`,
  '--template',
  'delivered',
  '--by',
  values.by ?? terminalUser(),
];
void main(values.json ? [...argv, '--json'] : argv).then((code) => process.exit(code));
