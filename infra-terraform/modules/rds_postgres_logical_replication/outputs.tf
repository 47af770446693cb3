output "address" {
  description = "DNS name of the instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "PostgreSQL port."
  value       = aws_db_instance.this.port
}

output "endpoint" {
  description = "host:port."
  value       = aws_db_instance.this.endpoint
}

output "db_name" {
  description = "Database created with the instance."
  value       = aws_db_instance.this.db_name
}

output "master_username" {
  description = "Master user name."
  value       = aws_db_instance.this.username
}

output "master_password" {
  description = "Master password (generated)."
  value       = random_password.master.result
  sensitive   = true
}

output "instance_identifier" {
  description = "RDS instance identifier."
  value       = aws_db_instance.this.identifier
}

output "instance_resource_id" {
  description = "RDS resource id (stable across renames; changes when the instance is replaced)."
  value       = aws_db_instance.this.resource_id
}

output "instance_arn" {
  description = "ARN of the instance."
  value       = aws_db_instance.this.arn
}

output "security_group_id" {
  description = "Security group of the instance."
  value       = aws_security_group.this.id
}

output "parameter_group_name" {
  description = "Parameter group of the instance."
  value       = aws_db_parameter_group.this.name
}

output "db_subnet_group_name" {
  description = "DB subnet group of the instance."
  value       = aws_db_subnet_group.this.name
}
