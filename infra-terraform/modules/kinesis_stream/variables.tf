variable "name" {
  description = "Name of the Kinesis data stream."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{1,128}$", var.name))
    error_message = "name must be 1-128 characters of [a-zA-Z0-9_.-] (the Kinesis stream name rules)."
  }
}

variable "shard_count" {
  description = "Number of shards (provisioned capacity mode). Each shard takes 1 MB/s or 1000 records/s of writes."
  type        = number
  default     = 1

  validation {
    condition     = var.shard_count >= 1 && floor(var.shard_count) == var.shard_count
    error_message = "shard_count must be a whole number >= 1."
  }
}

variable "retention_hours" {
  description = "How long records stay readable, in hours (24 to 8760). Retention above 24 hours is billed extra."
  type        = number
  default     = 24

  validation {
    condition     = var.retention_hours >= 24 && var.retention_hours <= 8760 && floor(var.retention_hours) == var.retention_hours
    error_message = "retention_hours must be a whole number between 24 and 8760."
  }
}

variable "kms_key_id" {
  description = "KMS key for server-side encryption. The AWS-managed key alias/aws/kinesis costs nothing extra; null disables encryption."
  type        = string
  default     = "alias/aws/kinesis"
}

variable "tags" {
  description = "Tags for the stream (merged over the provider's default_tags)."
  type        = map(string)
  default     = {}
}
