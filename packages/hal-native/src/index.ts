/**
 * `@npurun/hal-native`: the npurun HAL.
 *
 * {@link openDevice} opens one device on a simulator platform (`a2a3sim`, `a5sim`, the default
 * everywhere) or on hardware (`a2a3`, `a5`, through the vendor runtime loaded at run time).
 * The package also exports the struct-layout helper every package above uses to declare device
 * structs once, and the device-program compiler used by tests and by runner-base's kernel compiler
 * (with its prebuilt images and the bounded cache in the user's cache directory).
 *
 * @packageDocumentation
 */
export * from './types';
export * from './errors';
export { submitRunStepwise } from './submit-run';
// off-thread formatting of binary rows to text (large exports)
export * from './row-format';
export { openDevice, deviceIncludeDir, nativeNoop, checkElfImage, DEFAULT_SIM_MEMORY_BYTES } from './device';
// struct-layout helper
export * from './layout';
// device-program compiler, its prebuilt images and npurun's cache directory
export * from './device-compiler';
export * from './prebuilt-programs';
export * from './cache-dir';
