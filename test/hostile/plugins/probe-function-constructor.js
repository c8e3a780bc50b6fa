// The classic escape: the Function constructor reached through any object's constructor chain.
import { defineDetector } from '@kubernaut/toolset-sdk';

function attempt(fn) {
  try {
    return `returned-${typeof fn()}`;
  } catch (e) {
    return `threw-${e && e.name}`;
  }
}

export default defineDetector({
  name: 'probe-function-constructor',
  version: '1.0.0',
  description: 'Probe: globalThis.constructor.constructor("return process")().',
  type: 'probe',
  detect(service, ctx) {
    if (service.metadata.name !== 'checkout') return null;
    const viaGlobal = attempt(() => globalThis.constructor.constructor('return process')());
    const viaService = attempt(() => service.constructor.constructor('return require')());
    const viaContext = attempt(() => ctx.siblings.constructor('return process')());
    return { port: 'http', path: `/global-${viaGlobal}/service-${viaService}/context-${viaContext}` };
  },
});
