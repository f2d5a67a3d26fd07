export { parseSitesFile, PROCESS_OPTIONS, SitesFileError, type SiteEntry, type SitesPlan } from './sites-file.ts'
export { SiteResolver, type RequestTarget, type ResolvedSite } from './resolve-site.ts'
export { diffSites, type SitesChange } from './diff-sites.ts'
export { readSitesFile, watchSitesFile, type SitesWatch, type SitesWatchOptions } from './watch-sites-file.ts'
