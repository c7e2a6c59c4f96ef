// Child-process entry of the bare proxy: --upstream URL [--port N]; prints its URL on stdout.

import { parseArgs } from 'node:util';
import { startBareProxy } from './bare-proxy.js';

const { values } = parseArgs({
  options: {
    upstream: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});
if (values.upstream === undefined) {
  process.stderr.write('usage: bare-proxy-main --upstream http://127.0.0.1:PORT [--port N]\n');
  process.exit(2);
}
const proxy = await startBareProxy({
  upstreamUrl: values.upstream,
  host: values.host,
  port: Number(values.port),
});
process.stdout.write(`${proxy.url}\n`);
const stop = (): void => {
  void proxy.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
