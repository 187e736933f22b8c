/**
 * The user-facing API of ttes-operator, group {@code ops.ttes.io}, version {@code v1alpha1}.
 *
 * <p>Names here are a contract with users' manifests: fields may be added, never renamed. The CRDs
 * in {@code crds/} are generated from these classes.
 */
package io.ttes.operator.api.v1alpha1;
