/**
 * `/metrics` answers without a token unless `metrics.token` is set. On loopback that is the usual
 * Prometheus set-up; on any other address it shows report names and traffic to anyone who can reach
 * the port, so listening there without a metrics token is a start-up warning (docs/security.md).
 */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/;

export function isLoopback(address: string): boolean {
  return LOOPBACK.test(address);
}

export function warnOpenMetrics(app: FastifyInstance, hasMetricsToken: boolean): void {
  if (hasMetricsToken) return;
  app.addHook('onListen', function (done) {
    const exposed = this.addresses().filter((address): address is AddressInfo => typeof address !== 'string' && !isLoopback(address.address));
    if (exposed.length > 0) {
      this.log.warn(
        { addresses: exposed.map((address) => address.address) },
        '/metrics answers without a token on a non-loopback address; set metrics.token or metrics.tokenEnv (docs/security.md)',
      );
    }
    done();
  });
}
