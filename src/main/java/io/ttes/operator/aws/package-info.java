/**
 * AWS in project terms. Interfaces here speak of stacks, change sets, ops tasks, snapshots and
 * secrets; their AWS SDK v2 implementations live in {@code aws.sdk}, and SDK types never leave that
 * package. Tests use in-memory fakes of these interfaces.
 *
 * <p>Errors are {@link io.ttes.operator.aws.AwsException}s whose {@link
 * io.ttes.operator.aws.AwsException.Kind} says whether retrying can help.
 */
package io.ttes.operator.aws;
