// Throws an Error for every Service.
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({
  name: 'throw-error',
  version: '1.0.0',
  description: 'Hostile: throws an Error.',
  type: 'hostile',
  detect(service) {
    throw new Error(`boom on ${service.metadata.name}`);
  },
});
