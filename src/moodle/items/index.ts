/** Moodle reads of the Items API: core-backed types, references, switches, maintenance. */
export { CORE_BACKED_TYPES, type CoreBackedDescriptor, type CoreBackedTypeName } from './core-item-types.ts'
export { listCoreItems, findCoreItem, type CoreCondition, type CoreListQuery, type CoreItemRow } from './list-core-items.ts'
export { existingMoodleIds, type MoodleRefKind } from './item-references.ts'
export { readMiddagSwitches, isCliMaintenance, readSiteWwwroot } from './items-site.ts'
