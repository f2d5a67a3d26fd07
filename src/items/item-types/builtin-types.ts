/** The built-in stored types of items-api.md §7.4, in the declaration format of §14.1. */
import type { Declaration } from './declaration.ts'

const lifecycle = { enum: ['draft', 'published', 'archived'] }

export const BUILTIN_STORED_TYPES: Declaration[] = [
  {
    name: 'generic',
    extension: 'core',
    title: 'Generic item',
    metadata: { type: 'object', additionalProperties: true },
  },
  {
    name: 'course_group',
    extension: 'coursegroup',
    title: 'Course group',
    coreFields: {
      parent: {}, fullname: { maxLength: 255 }, shortname: { maxLength: 100 }, idnumber: {}, description: {},
      descriptionformat: {}, status: lifecycle, visible: {}, sortorder: {},
    },
    required: ['fullname'],
    parentTypes: ['course_group'],
    metadata: {
      type: 'object',
      additionalProperties: false,
      properties: {
        expiration: { type: 'integer', minimum: 0, description: 'Unix time after which the group has expired; 0 or absent means never.' },
        contextids: {
          type: 'array',
          items: { type: 'integer', minimum: 1, 'x-moodle-ref': 'context' },
          uniqueItems: true,
          maxItems: 1000,
          description: 'Ids of the Moodle contexts (courses, categories) in the group.',
        },
      },
    },
  },
  {
    name: 'company',
    extension: 'core',
    title: 'Company',
    coreFields: {
      parent: {}, fullname: { maxLength: 255 }, shortname: { maxLength: 100 }, idnumber: {}, description: {},
      descriptionformat: {}, status: lifecycle, visible: {}, sortorder: {},
    },
    required: ['fullname'],
    uniqueIdnumber: true,
    parentTypes: ['company'],
    metadata: {
      type: 'object',
      additionalProperties: false,
      properties: {
        email: { type: 'string', format: 'email', maxLength: 254 },
        website: { type: 'string', format: 'uri', maxLength: 1333 },
        phone: { type: 'string', maxLength: 50 },
        taxid: { type: 'string', maxLength: 50 },
        address: { type: 'string', maxLength: 1333 },
        city: { type: 'string', maxLength: 120 },
        country: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2 code' },
        employees: { type: 'integer', minimum: 0 },
      },
    },
  },
]
