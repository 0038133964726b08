export {
  AdviceError,
  type AdviceErrorCode,
  adviceFor,
  adviceLabelsFor,
  checkAdviceLabels,
  parseAdvice,
  SUPPORTED_ADVICE_FORMAT_VERSIONS,
  validateAdvice,
} from './advice.ts';
export type { Advice, AdviceEntry, AdviceLine, AdviceSource, AdviceUrgency } from './advice.types.ts';
export type { AdviceTranslation } from './advice-translation.types.ts';
export { fromBase64, fromHex, sha256Hex, sha256HexSync, toBase64, toHex } from './bytes.ts';
export { canonicalJson } from './canonical-json.ts';
export { checkChainGraphs, checkChainLayout, contentAddressedName } from './chain.ts';
export {
  type BundleContent,
  checkContent,
  checkNames,
  checkTranslation,
  isTranslationFile,
  NAMES_FILE,
} from './content.ts';
export { firstDuplicateKey } from './duplicate-keys.ts';
export { BundleError, type BundleErrorCode } from './errors.ts';
export { checkLabelConsistency, parseManifest, SUPPORTED_FORMAT_VERSIONS, validateManifest } from './manifest.ts';
export type { Backbone, BundleManifest, ImageInput, Model } from './manifest.types.ts';
export { type BackboneGraph, backboneGraph, type ModelGraph, type ModelKind, modelGraphs, sharesOneGraph } from './model-graphs.ts';
export type { ClassNames } from './names.types.ts';
export { type OnnxSignature, type OnnxValueInfo, readOnnxSignature } from './onnx-shape.ts';
export {
  compareVersions,
  DEFAULT_PROMOTION_POLICY,
  formatGateReport,
  type GateCheck,
  type GateReport,
  type GateRule,
  gateCandidate,
  type PromotionPolicy,
} from './promotion-gate.ts';
export { checkNotRolledBack, type RollbackCheck, signRollbackStatement, verifyRollbackStatement } from './rollback.ts';
export type { RollbackStatement } from './rollback-statement.types.ts';
export { assignedVersion, CHANNELS, type Channel, type ChannelState, cohortOf } from './rollout.ts';
export {
  type DocumentSignature,
  generateKeyPair,
  keyIdOf,
  signDocument,
  signedBytes,
  signManifest,
  type TrustedKey,
  verifyDocumentSignature,
  verifyManifestSignature,
} from './signature.ts';
export { DEFAULT_TRUSTED_KEYS } from './trusted-keys.ts';
export { type BundleSource, checkLabelCount, modelEntries, type VerifiedBundle, type VerifyOptions, verifyBundle } from './verify.ts';
