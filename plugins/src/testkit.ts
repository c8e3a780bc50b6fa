// Kept for tests written against the old path: the fixtures now live in the SDK, where external plugin authors get
// them too. Import from '@kubernaut/toolset-sdk/testing'.
export { svc, ctx } from '@kubernaut/toolset-sdk/testing';
export type { SvcOptions, CountingContext } from '@kubernaut/toolset-sdk/testing';
