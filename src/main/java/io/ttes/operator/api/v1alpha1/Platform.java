package io.ttes.operator.api.v1alpha1;

/** How TTES runs on AWS, and so how ops commands reach it. */
public enum Platform {
  /** ~20 CloudFormation stacks; ops commands run as one-off ECS tasks. */
  ECS,
  /** The AWS Marketplace AMI: one stack with an EC2 instance; ops commands run via SSM. */
  AMI
}
