// Error.prepareStackTrace runs whenever an error's stack is formatted; this one never returns.
import { defineDetector } from '@kubernaut/toolset-sdk';

Error.prepareStackTrace = () => {
  for (;;) {}
};

export default defineDetector({
  name: 'prepare-stack',
  version: '1.0.0',
  description: 'Hostile: a looping Error.prepareStackTrace.',
  type: 'hostile',
  detect() {
    throw new Error('with a trapped stack');
  },
});
