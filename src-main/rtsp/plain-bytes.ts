/**
 * The same bytes as a plain Uint8Array. The ingest's hot functions see one kind of byte array, so V8 compiles
 * their property reads (`byteLength`, `subarray`) inline; a mix of Buffers and Uint8Arrays made them
 * polymorphic, and at 64 cameras those generic reads were the runtime's largest single cost (README, scale).
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
