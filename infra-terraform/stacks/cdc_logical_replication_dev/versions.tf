terraform {
  # 1.9+: input validations that refer to other variables (vpc_id / subnet_ids vs use_default_vpc).
  required_version = ">= 1.9.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 7.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6, < 4.0"
    }
    null = {
      source  = "hashicorp/null"
      version = ">= 3.2, < 4.0"
    }
  }

  # State stays local (terraform.tfstate, git-ignored): this is one developer's throw-away stack.
  # A shared dev account would add an S3 backend here (bucket + use_lockfile), configured with
  # `terraform init -backend-config=...` so that no account details are committed.
}
