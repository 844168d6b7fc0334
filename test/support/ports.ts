/** Free TCP ports on 127.0.0.1 for tests. */
import net from 'node:net';

/** Ports freePort handed out in this process: the system may offer a closed one again at once. */
const handedOut = new Set<number>();

/** A port free on 127.0.0.1 now, and not one this process was given before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((res, rej) => {
      const srv = net.createServer();
      srv.unref();
      srv.once('error', rej);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => res(p));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
