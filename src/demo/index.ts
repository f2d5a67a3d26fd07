export { createDemoSite, type DemoSite, type DemoSiteOptions } from './create-demo-site.ts'
export type { DemoCredential, DemoItemsCredentials } from './items-credentials.ts'
