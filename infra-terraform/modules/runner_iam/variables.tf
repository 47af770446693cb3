variable "name" {
  description = "Prefix of the role names: <name>-writer and <name>-tail."
  type        = string
  default     = "cdc-runner"

  validation {
    condition     = can(regex("^[a-zA-Z0-9+=,.@_-]{1,57}$", var.name))
    error_message = "name must be 1-57 characters of [a-zA-Z0-9+=,.@_-] (IAM role name rules, leaving room for the suffix)."
  }
}

variable "oidc_provider_arn" {
  description = "ARN of the EKS cluster's IAM OIDC provider, e.g. arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<id>."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/.+$", var.oidc_provider_arn))
    error_message = "oidc_provider_arn must be the ARN of an IAM OIDC provider."
  }
}

variable "oidc_provider_url" {
  description = "Issuer URL of the cluster's OIDC provider (aws eks describe-cluster --query cluster.identity.oidc.issuer), with or without https://."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the service accounts (deploy/kubernetes/kustomization.yaml: namespace)."
  type        = string
  default     = "cdc"
}

variable "service_account" {
  description = "Service account of the runner's Deployment (deploy/kubernetes/serviceaccount.yaml); gets the writer role."
  type        = string
  default     = "cdc-runner"
}

variable "tail_service_account" {
  description = "Service account for `tail` (deploy/kubernetes/serviceaccount.yaml); gets the read-only role."
  type        = string
  default     = "cdc-runner-tail"
}

variable "stream_arn" {
  description = "ARN of the Kinesis data stream the runner writes to."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/.+$", var.stream_arn))
    error_message = "stream_arn must be the ARN of a Kinesis data stream."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key the stream is encrypted with; null for no encryption or the AWS-managed key alias/aws/kinesis (which needs no KMS permission)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the roles."
  type        = map(string)
  default     = {}
}
