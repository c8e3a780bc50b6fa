// Reports what `require` (and `module`) are inside the sandbox. The bundler rewrites a bare `require` to its
// own shim (which throws), so the probe also asks the realm directly, past the bundler.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'probe-require',
  version: '1.0.0',
  description: 'Probe: typeof require.',
  type: 'probe',
  detect(service) {
    if (service.metadata.name !== 'checkout') return null;
    const realm = Function('return typeof require + "/module-" + typeof module')();
    let shim;
    try {
      shim = `shim-returned-${typeof require('node:fs')}`;
    } catch (e) {
      shim = `shim-threw-${e && e.name}`;
    }
    return { port: 'http', path: `/require-${realm}/globalThis-require-${typeof globalThis.require}/${shim}` };
  },
});
