package io.ttes.operator.aws;

/** The AWS services of one {@link AwsTarget}; built once and reused. */
public interface AwsServices {
  Stacks stacks();

  ChangeSets changeSets();

  EcsTasks ecs();

  SsmCommands ssm();

  TaskLogs logs();

  Snapshots snapshots();

  SecretStore secrets();
}
