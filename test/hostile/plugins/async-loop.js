// An async detect that loops after its first await (so after the synchronous part has returned).
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'async-loop',
  version: '1.0.0',
  description: 'Hostile: an async detect that loops after await.',
  type: 'hostile',
  async detect() {
    await null;
    for (;;) {}
  },
});
