# IAM roles for the CDC runner on EKS, assumed through IRSA (IAM roles for service accounts): the pod's
# Kubernetes service account token is exchanged for the role's credentials by the AWS SDK's default
# chain (AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE, which EKS injects). No keys anywhere.
#
# Two roles, least privilege on one stream:
#   writer  the runner (`run`, `preflight`): PutRecords, and DescribeStreamSummary/ListShards (preflight now,
#           shard-aware sending in issue 22).
#   reader  `tail` only: reads records, never writes.
# With a customer-managed KMS key on the stream, the writer gets kms:GenerateDataKey and the reader
# kms:Decrypt on that key only. The AWS-managed key alias/aws/kinesis needs neither.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 7.0"
    }
  }
}

locals {
  # The issuer without https://: the prefix of the condition keys in the trust policy.
  oidc_issuer = replace(var.oidc_provider_url, "https://", "")

  # The Kinesis API calls of the code (connector/kinesis, runner/preflight, runner/cli/KinesisStreamReader);
  # RunnerIamModuleTest checks these lists against the calls in the source.
  writer_actions = [
    "kinesis:DescribeStreamSummary",
    "kinesis:ListShards",
    "kinesis:PutRecords",
  ]
  reader_actions = [
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
  ]
}

data "aws_iam_policy_document" "trust_writer" {
  statement {
    sid     = "IrsaRunner"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.service_account}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "trust_reader" {
  statement {
    sid     = "IrsaTail"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${var.namespace}:${var.tail_service_account}"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "writer" {
  statement {
    sid       = "WriteStream"
    effect    = "Allow"
    actions   = local.writer_actions
    resources = [var.stream_arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "EncryptWithStreamKey"
      effect    = "Allow"
      actions   = ["kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

data "aws_iam_policy_document" "reader" {
  statement {
    sid       = "ReadStream"
    effect    = "Allow"
    actions   = local.reader_actions
    resources = [var.stream_arn]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "DecryptWithStreamKey"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role" "writer" {
  name                 = "${var.name}-writer"
  description          = "CDC runner: writes to Kinesis stream ${var.stream_arn} (IRSA ${var.namespace}/${var.service_account})"
  assume_role_policy   = data.aws_iam_policy_document.trust_writer.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "writer" {
  name   = "kinesis-write"
  role   = aws_iam_role.writer.id
  policy = data.aws_iam_policy_document.writer.json
}

resource "aws_iam_role" "reader" {
  name                 = "${var.name}-tail"
  description          = "CDC runner tail: reads Kinesis stream ${var.stream_arn} (IRSA ${var.namespace}/${var.tail_service_account})"
  assume_role_policy   = data.aws_iam_policy_document.trust_reader.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "reader" {
  name   = "kinesis-read"
  role   = aws_iam_role.reader.id
  policy = data.aws_iam_policy_document.reader.json
}
