/** The reconcile core: from a directory snapshot and an organization snapshot to a plan. Pure: no I/O, no clock. */
export { buildDesiredState } from './desired-state.js';
export type { DesiredState, DesiredStateConfig, DomainRejection, OutOfScopeReason, OutOfScopeUser, UserScope } from './desired-state.js';
export { isActionableOperation, operationKey, planFromDesiredState, planReconcile, sortOperations } from './planner.js';
export type { PlanInput } from './planner.js';
export { canonicalJson, computePlanId } from './plan-id.js';
export { countRemovals, decideHold } from './holds.js';
export { isEmailInRegisteredDomain, emailDomain } from './domain-rule.js';
export { matchesGroupSelector, UserReferenceSet } from './scope.js';
export { isSameAccountAccess, mergeAccountAccess } from './account-access.js';
export { listAccessChanges } from './access-changes.js';
