# One provisioned-mode Kinesis data stream that the runner writes the wal2json v2 envelopes to.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 7.0"
    }
  }
}

resource "aws_kinesis_stream" "this" {
  name             = var.name
  shard_count      = var.shard_count
  retention_period = var.retention_hours

  stream_mode_details {
    stream_mode = "PROVISIONED"
  }

  encryption_type = var.kms_key_id == null ? "NONE" : "KMS"
  kms_key_id      = var.kms_key_id

  # A dev stream: let `terraform destroy` remove it even when a consumer (e.g. an EFO consumer of a test) is registered.
  enforce_consumer_deletion = true

  tags = var.tags
}
