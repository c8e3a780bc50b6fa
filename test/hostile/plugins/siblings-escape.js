// Rewrites its copy of the Service to ask for another namespace's Services, and tries to mutate siblings.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'siblings-escape',
  version: '1.0.0',
  description: 'Hostile: asks for siblings of a namespace it was not given.',
  type: 'hostile',
  detect(service, ctx) {
    if (service.metadata.name !== 'checkout') return null;
    service.metadata.namespace = 'payments';
    service.metadata.name = 'someone-else';
    const seen = ctx.siblings().map((s) => `${s.metadata.namespace}-${s.metadata.name}`);
    let mutable = 'frozen';
    try {
      ctx.siblings().push(service);
      mutable = 'mutable';
    } catch {
      /* frozen */
    }
    try {
      ctx.config.injected = true;
      if (ctx.config.injected === true) mutable += '-config-mutable';
    } catch {
      /* frozen */
    }
    return { port: 'http', path: `/siblings-${seen.length}${seen.map((s) => '/' + s).join('')}/${mutable}` };
  },
});
