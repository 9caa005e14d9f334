// The backend of the app-idle benchmark: an app using @drainctl/server. GET /work?ms=N answers
// after N ms. Prints {"port": …} once listening; the bench kills it at the end.
import http from 'node:http';
import { createDrainer } from '@drainctl/server';

const server = http.createServer((req, res) => {
  const ms = Number(new URL(req.url ?? '/', 'http://backend').searchParams.get('ms') ?? '0');
  setTimeout(() => res.end('done\n'), ms);
});
createDrainer(server, { signals: false, drainTimeout: 120_000 });
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
