# Developer stack for the live integration tests: RDS for PostgreSQL 15 with logical replication,
# a Kinesis data stream, and a replication user created by bootstrap_db.sh.
#
# AWS credentials come from the standard environment only (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
# AWS_SESSION_TOKEN, or AWS_PROFILE with SSO): nothing in this directory names an account, a profile
# or a key.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = var.tags
  }
}

# ---------------------------------------------------------------------------------------------
# Network: the region's default VPC and its default subnets, unless a VPC and subnets are given.
# ---------------------------------------------------------------------------------------------

data "aws_vpc" "default" {
  count   = var.use_default_vpc ? 1 : 0
  default = true
}

data "aws_subnets" "default" {
  count = var.use_default_vpc ? 1 : 0

  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default[0].id]
  }

  filter {
    name   = "default-for-az"
    values = ["true"]
  }
}

locals {
  vpc_id        = var.use_default_vpc ? one(data.aws_vpc.default[*].id) : var.vpc_id
  subnet_ids    = var.use_default_vpc ? one(data.aws_subnets.default[*].ids) : var.subnet_ids
  db_identifier = "${var.name_prefix}-pg"
  stream_name   = "${var.name_prefix}-changes"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL and Kinesis
# ---------------------------------------------------------------------------------------------

module "rds" {
  source = "../../modules/rds_postgres_logical_replication"

  identifier           = local.db_identifier
  vpc_id               = local.vpc_id
  subnet_ids           = local.subnet_ids
  allowed_cidrs        = var.allowed_cidrs
  instance_class       = var.db_instance_class
  engine_version       = var.db_engine_version
  allocated_storage_gb = var.db_allocated_storage_gb
  db_name              = var.db_name
  master_username      = var.db_master_username

  max_replication_slots = 10
  max_wal_senders       = 10
  publicly_accessible   = true
}

module "kinesis" {
  source = "../../modules/kinesis_stream"

  name            = local.stream_name
  shard_count     = var.kinesis_shard_count
  retention_hours = var.kinesis_retention_hours
}

# ---------------------------------------------------------------------------------------------
# Replication user
# ---------------------------------------------------------------------------------------------

resource "random_password" "replication" {
  length = 32
  # Letters and digits only: safe in shells, URLs and JDBC properties. ~190 bits.
  special = false
}

# Runs bootstrap_db.sh from the machine that runs terraform (it must be inside allowed_cidrs) once the
# instance is available (aws_db_instance only finishes creating then), and again whenever one of the
# triggers changes: a replaced instance, another host/port/database/user, a new password, or an edited
# script. The script is idempotent, so a re-run is always safe. Secrets reach it only through the
# environment, never the command line; the triggers keep only hashes of them.
# nonsensitive() on the two passwords below: Terraform hides ALL of a provisioner's output, errors
# included, when its configuration holds a sensitive value. The script never prints a password and
# masks both in everything psql prints, and provisioner settings never appear in a plan, so the
# script's log stays visible without exposing anything.
resource "null_resource" "bootstrap_db" {
  # The whole module, not only the instance: the security group's ingress rules must exist too.
  depends_on = [module.rds]

  triggers = {
    instance_resource_id        = module.rds.instance_resource_id
    host                        = module.rds.address
    port                        = tostring(module.rds.port)
    database                    = module.rds.db_name
    master_username             = module.rds.master_username
    master_password_sha256      = nonsensitive(sha256(module.rds.master_password))
    replication_username        = var.replication_username
    replication_password_sha256 = nonsensitive(sha256(random_password.replication.result))
    offsets_schema              = var.offsets_schema
    script_sha256               = filesha256("${path.module}/bootstrap_db.sh")
  }

  provisioner "local-exec" {
    interpreter = ["bash"]
    command     = "${path.module}/bootstrap_db.sh"

    environment = {
      PGHOST               = module.rds.address
      PGPORT               = tostring(module.rds.port)
      PGDATABASE           = module.rds.db_name
      PGUSER               = module.rds.master_username
      PGPASSWORD           = nonsensitive(module.rds.master_password)
      PGSSLMODE            = "require"
      REPLICATION_USERNAME = var.replication_username
      REPLICATION_PASSWORD = nonsensitive(random_password.replication.result)
      OFFSETS_SCHEMA       = var.offsets_schema
      PSQL_MODE            = var.bootstrap_psql_mode
    }
  }
}

# ---------------------------------------------------------------------------------------------
# IAM roles for the runner on EKS (IRSA): only when a cluster's OIDC provider is given
# ---------------------------------------------------------------------------------------------

module "runner_iam" {
  source = "../../modules/runner_iam"
  count  = var.eks_oidc_provider_arn == null ? 0 : 1

  name                 = "${var.name_prefix}-runner"
  oidc_provider_arn    = var.eks_oidc_provider_arn
  oidc_provider_url    = var.eks_oidc_provider_url
  namespace            = var.eks_namespace
  service_account      = "cdc-runner"
  tail_service_account = "cdc-runner-tail"
  stream_arn           = module.kinesis.arn
  # The stream uses the AWS-managed key alias/aws/kinesis, which needs no KMS permission.
  kms_key_arn = null
}
