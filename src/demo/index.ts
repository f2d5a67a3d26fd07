export { createDemoSite, type DemoSite, type DemoSiteOptions } from './create-demo-site.ts'
