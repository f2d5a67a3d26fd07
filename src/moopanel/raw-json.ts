/** Marks a body that is already serialised JSON text: `{ [RAW_JSON]: '{"a":1}' }`. */
export const RAW_JSON = Symbol('raw-json')
