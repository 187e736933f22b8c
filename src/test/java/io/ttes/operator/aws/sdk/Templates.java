package io.ttes.operator.aws.sdk;

/** Small CloudFormation templates shaped like the ops stack: an image parameter and an output. */
final class Templates {
  private Templates() {}

  static String ops(String queueSuffix) {
    return """
        {
          "AWSTemplateFormatVersion": "2010-09-09",
          "Parameters": {
            "Image": {"Type": "String", "Default": "thethingsindustries/lorawan-stack:3.33.0-aws"},
            "AdminPassword": {"Type": "String", "NoEcho": true, "Description": "kept as is"}
          },
          "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue",
                      "Properties": {"QueueName": {"Fn::Sub": "${AWS::StackName}-%s"}}}
          },
          "Outputs": {
            "OpsRunTaskArguments": {"Value": "ops-td ops-cluster subnet-1 subnet-2 sg-1"}
          }
        }
        """
        .formatted(queueSuffix);
  }
}
