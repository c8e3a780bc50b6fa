// Per-call abort for client-node 1.4 requests (it has no request timeout of its own): a middleware that hands the
// request an AbortSignal, passed as the API methods' options argument.
import { Observable } from '@kubernetes/client-node';
import type { ObservableMiddleware } from '@kubernetes/client-node';

export function withSignal(signal: AbortSignal | undefined): { middleware: ObservableMiddleware[]; middlewareMergeStrategy: 'append' } | undefined {
  if (!signal) return undefined;
  return {
    middleware: [
      {
        pre: (ctx) => {
          ctx.setSignal(signal);
          return new Observable(Promise.resolve(ctx));
        },
        post: (res) => new Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}
