/** Tools around images: deploy, open and check, verify, cold start. Not for use inside packages. */
export { Runtime, type Recipe } from './runtime';
export { coldStart, type BuildReport } from './image-main';
export { openImage, writeImage, writeFileAtomic, formatTrailer, parseTrailer, TRAILER_BYTES, type Manifest, type Trailer } from './image-file';
export { deploy, loadRecipe, resolvePackages, findPackage, canonicalJson, type DeployOptions, type DeployResult } from './deploy';
export { verify, formatReport, type VerifyReport, type VerifyOptions, type Check } from './verify';
export { describeImage } from './cli';
export { request, type Reply } from './remote';
