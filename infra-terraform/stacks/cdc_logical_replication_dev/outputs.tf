output "pg_host" {
  description = "PostgreSQL host name (public DNS name of the RDS instance)."
  value       = module.rds.address
}

output "pg_port" {
  description = "PostgreSQL port."
  value       = module.rds.port
}

output "pg_database" {
  description = "Database the runner captures changes from."
  value       = module.rds.db_name
}

output "pg_master_user" {
  description = "RDS master user (administration only; the runner uses pg_replication_user)."
  value       = module.rds.master_username
}

output "pg_master_password" {
  description = "RDS master password: terraform output -raw pg_master_password"
  value       = module.rds.master_password
  sensitive   = true
}

output "pg_replication_user" {
  description = "Replication user the runner and the live tests connect as (created by bootstrap_db.sh)."
  value       = var.replication_username
  depends_on  = [null_resource.bootstrap_db]
}

output "pg_replication_password" {
  description = "Password of the replication user: terraform output -raw pg_replication_password"
  value       = random_password.replication.result
  sensitive   = true
  depends_on  = [null_resource.bootstrap_db]
}

output "kinesis_stream_name" {
  description = "Kinesis data stream the runner writes to."
  value       = module.kinesis.name
}

output "kinesis_stream_arn" {
  description = "ARN of the Kinesis data stream."
  value       = module.kinesis.arn
}

output "aws_region" {
  description = "Region of the stack."
  value       = var.aws_region
}

# The environment the runner and the live tests read, as shell lines for
#   eval "$(terraform output -raw env_exports)"
# run in this directory. It holds no secret: PGPASSWORD is a literal command line that reads the
# sensitive pg_replication_password output when the shell evaluates it (hence: run it here, where
# `terraform output` finds the state). KINESIS_ENDPOINT is unset so that a shell that pointed at the
# local Kinesis emulator before talks to AWS now. TLS is verified (verify-full) against the RDS CA bundle,
# downloaded once into this directory:
#   curl -sSfo rds-ca.pem https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
output "env_exports" {
  description = "eval \"$(terraform output -raw env_exports)\" in this directory exports the runner's environment (the password is fetched by a terraform output command, never stored here)."
  value       = <<-EOT
    export PGHOST="${module.rds.address}"
    export PGPORT="${module.rds.port}"
    export PGUSER="${var.replication_username}"
    export PGPASSWORD="$(terraform output -raw pg_replication_password)"
    export PGDATABASE="${module.rds.db_name}"
    export PGSSLMODE="verify-full"
    export PGSSLROOTCERT="$PWD/rds-ca.pem"
    export AWS_REGION="${var.aws_region}"
    export KINESIS_STREAM="${module.kinesis.name}"
    unset KINESIS_ENDPOINT
  EOT
}

output "offset_table" {
  description = "The runner's default offset table (offset.storage.postgres.table) in the schema bootstrap_db.sh grants USAGE, CREATE on; set CDC_OFFSET_STORAGE_POSTGRES_TABLE to this if offsets_schema is not cdc."
  value       = "${var.offsets_schema}.cdc_runner_offsets"
}

output "runner_role_arn" {
  description = "IRSA role of the runner (eks.amazonaws.com/role-arn of service account cdc-runner); null without eks_oidc_provider_arn."
  value       = one(module.runner_iam[*].writer_role_arn)
}

output "tail_role_arn" {
  description = "Read-only IRSA role for tail (service account cdc-runner-tail); null without eks_oidc_provider_arn."
  value       = one(module.runner_iam[*].reader_role_arn)
}
