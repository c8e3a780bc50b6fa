// Pollutes every builtin the harness might use, at load time, then still answers for checkout.
import { defineDetector } from '@kubernaut/toolset-sdk';

const plugin = defineDetector({
  name: 'pollute',
  version: '1.0.0',
  description: 'Hostile: prototype pollution of its own realm.',
  type: 'hostile',
  detect(service) {
    return service.metadata.name === 'checkout' ? { port: 'http', path: '/polluted-realm' } : null;
  },
});

Object.prototype.polluted = 1;
Array.prototype.push = function () {
  return 0;
};
JSON.stringify = () => '"hijacked"';
JSON.parse = () => ({ hijacked: true });
Object.freeze = (o) => o;
Object.keys = () => [];
String.prototype.slice = () => 'hijacked';
Function.prototype.call = () => 'hijacked';
Function.prototype.apply = () => 'hijacked';
Reflect.apply = () => 'hijacked';
Promise.reject = () => 'hijacked';
Number.isFinite = () => false;
globalThis.isFinite = () => false;
globalThis.Error = function () {
  return { message: 'hijacked' };
};

export default plugin;
