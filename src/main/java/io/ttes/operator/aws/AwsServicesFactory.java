package io.ttes.operator.aws;

/** Gives the services of a target; implementations cache clients per region and role. */
public interface AwsServicesFactory extends AutoCloseable {
  AwsServices forTarget(AwsTarget target);

  @Override
  default void close() {}
}
