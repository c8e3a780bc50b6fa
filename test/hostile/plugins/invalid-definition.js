// A definition the SDK itself refuses (defineDetector throws at load).
import { defineDetector } from '@kubernaut/toolset-sdk';

export default defineDetector({ name: 'Invalid_Definition', version: 'one', description: '', type: 'hostile', detect: () => null });
