/**
 * The floor: a bare node:http server answering a small JSON body, measured at the same rate in
 * the same run, so the machine's own noise is visible next to the service's numbers.
 */
import { createServer } from 'node:http';

const body = JSON.stringify({ id: '00000000-0000-0000-0000-000000000000', status: 'succeeded', rows: 1000, bytes: 20000 });
const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
