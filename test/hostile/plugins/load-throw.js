// Top-level code that throws.
import { defineDetector } from '@kubernaut/toolset-sdk';

const plugin = defineDetector({ name: 'load-throw', version: '1.0.0', description: 'Hostile: throws at load.', type: 'hostile', detect: () => null });
if (plugin) throw new Error('refusing to start');

export default plugin;
