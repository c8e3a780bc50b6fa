/* Registers a definition without a detect function (bypassing defineDetector's checks). */
globalThis.__toolsetPlugin = { name: 'no-detect', version: '1.0.0', description: 'Hostile: no detect().', type: 'hostile', apiVersion: 1 };
