// Claims an SDK API version this host does not run.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default {
  ...defineDetector({
    name: 'api-version-99',
    version: '1.0.0',
    description: 'Hostile: built against a future SDK.',
    type: 'hostile',
    detect: () => null,
  }),
  apiVersion: 99,
};
