variable "aws_region" {
  description = "AWS region of the stack."
  type        = string
  default     = "us-west-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.aws_region))
    error_message = "aws_region must look like a region name, e.g. us-west-2."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (RDS identifier <prefix>-pg, Kinesis stream <prefix>-changes). Use your own to run a second stack in the same account."
  type        = string
  default     = "cdc-lr-dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 2-32 characters: lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "tags" {
  description = "Tags applied to every resource (provider default_tags)."
  type        = map(string)
  default = {
    project   = "data-platform"
    component = "cdc-logical-replication"
    env       = "dev"
  }
}

variable "allowed_cidrs" {
  description = "CIDR blocks allowed to reach PostgreSQL on 5432, e.g. [\"203.0.113.7/32\"] for your workstation (curl -s https://checkip.amazonaws.com). Must include the machine that runs terraform apply: it runs bootstrap_db.sh against the instance."
  type        = list(string)

  validation {
    condition     = length(var.allowed_cidrs) > 0 && alltrue([for c in var.allowed_cidrs : can(cidrhost(c, 0))])
    error_message = "allowed_cidrs must be a non-empty list of valid CIDR blocks, e.g. [\"203.0.113.7/32\"]."
  }

  validation {
    condition     = alltrue([for c in var.allowed_cidrs : !endswith(c, "/0")])
    error_message = "allowed_cidrs must not open the database to the whole internet (0.0.0.0/0 or ::/0): list the addresses that need access."
  }
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t3.micro"
}

variable "db_engine_version" {
  description = "Pinned PostgreSQL 15 minor version. RDS retires old minors: if apply says the version is not available, pick one from `aws rds describe-db-engine-versions --engine postgres --query 'DBEngineVersions[?starts_with(EngineVersion, `15.`)].EngineVersion'`."
  type        = string
  default     = "15.12"

  validation {
    condition     = can(regex("^15\\.[0-9]+$", var.db_engine_version))
    error_message = "db_engine_version must be a pinned PostgreSQL 15 minor version such as \"15.12\" (the parameter group family is postgres15)."
  }
}

variable "db_allocated_storage_gb" {
  description = "Allocated storage in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.db_allocated_storage_gb >= 20
    error_message = "db_allocated_storage_gb must be at least 20."
  }
}

variable "db_name" {
  description = "Database the runner captures changes from."
  type        = string
  default     = "cdc"
}

variable "db_master_username" {
  description = "RDS master user (runs bootstrap_db.sh; not used by the runner)."
  type        = string
  default     = "cdc_admin"
}

variable "replication_username" {
  description = "Login role the runner and the live tests use: replication, slot management, monitoring, offsets table."
  type        = string
  default     = "cdc_replication"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.replication_username))
    error_message = "replication_username must be a lowercase PostgreSQL identifier (letters, digits, underscores; max 63)."
  }

  validation {
    condition     = var.replication_username != var.db_master_username
    error_message = "replication_username must differ from db_master_username."
  }
}

variable "offsets_schema" {
  description = "Schema in which the replication user may create tables (the runner's offset table, default cdc.cdc_runner_offsets)."
  type        = string
  default     = "cdc"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.offsets_schema))
    error_message = "offsets_schema must be a lowercase PostgreSQL identifier."
  }
}

variable "kinesis_shard_count" {
  description = "Shards of the Kinesis stream."
  type        = number
  default     = 1

  validation {
    condition     = var.kinesis_shard_count >= 1
    error_message = "kinesis_shard_count must be at least 1."
  }
}

variable "kinesis_retention_hours" {
  description = "Retention of the Kinesis stream in hours (24-8760)."
  type        = number
  default     = 24

  validation {
    condition     = var.kinesis_retention_hours >= 24 && var.kinesis_retention_hours <= 8760
    error_message = "kinesis_retention_hours must be between 24 and 8760."
  }
}

variable "use_default_vpc" {
  description = "Put the database in the region's default VPC and its default subnets. Set to false and give vpc_id and subnet_ids to use another VPC."
  type        = bool
  default     = true
}

variable "vpc_id" {
  description = "VPC to use when use_default_vpc = false."
  type        = string
  default     = null

  validation {
    condition     = var.use_default_vpc || var.vpc_id != null
    error_message = "use_default_vpc = false requires vpc_id."
  }

  validation {
    condition     = !var.use_default_vpc || var.vpc_id == null
    error_message = "vpc_id is set but use_default_vpc = true would ignore it: set use_default_vpc = false, or remove vpc_id."
  }

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  description = "Subnets (at least two, in different Availability Zones, public for a publicly accessible instance) to use when use_default_vpc = false."
  type        = list(string)
  default     = []

  validation {
    condition     = var.use_default_vpc || length(var.subnet_ids) >= 2
    error_message = "use_default_vpc = false requires subnet_ids: at least two subnets in different Availability Zones."
  }

  validation {
    condition     = !var.use_default_vpc || length(var.subnet_ids) == 0
    error_message = "subnet_ids is set but use_default_vpc = true would ignore it: set use_default_vpc = false, or remove subnet_ids."
  }

  validation {
    condition     = alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must look like subnet-0123456789abcdef0."
  }
}

variable "bootstrap_psql_mode" {
  description = "How bootstrap_db.sh runs psql: auto (Docker's postgres image when a Docker daemon answers, the native psql otherwise), docker, or native."
  type        = string
  default     = "auto"

  validation {
    condition     = contains(["auto", "docker", "native"], var.bootstrap_psql_mode)
    error_message = "bootstrap_psql_mode must be auto, docker or native."
  }
}

variable "eks_oidc_provider_arn" {
  description = "ARN of an EKS cluster's IAM OIDC provider: creates the runner's IRSA roles (modules/runner_iam) for deploy/kubernetes/. null (default): no roles."
  type        = string
  default     = null
}

variable "eks_oidc_provider_url" {
  description = "Issuer URL of that OIDC provider (aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer --output text)."
  type        = string
  default     = null

  validation {
    condition     = var.eks_oidc_provider_arn == null || var.eks_oidc_provider_url != null
    error_message = "eks_oidc_provider_url is required with eks_oidc_provider_arn."
  }
}

variable "eks_namespace" {
  description = "Namespace of the runner's service accounts (cdc-runner, cdc-runner-tail) in deploy/kubernetes/."
  type        = string
  default     = "cdc"
}
