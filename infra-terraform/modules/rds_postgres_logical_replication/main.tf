# RDS for PostgreSQL set up for logical decoding (wal2json is built into RDS, no extension needed),
# with its own subnet group, security group and parameter group, and a generated master password.
#
# Dev settings on purpose: single AZ, no automated backups, no final snapshot, no deletion protection,
# changes applied immediately. Do not copy these to a production instance.

terraform {
  # strcontains() in the validations.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 7.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6, < 4.0"
    }
  }
}

locals {
  engine_major           = split(".", var.engine_version)[0]
  parameter_group_family = "postgres${local.engine_major}"
}

resource "random_password" "master" {
  length = 32
  # RDS rejects '/', '@', '"' and spaces in the master password; letters and digits only keeps the
  # password safe in URLs, shells and JDBC properties too. 32 characters of [A-Za-z0-9] is ~190 bits.
  special = false
}

resource "aws_db_subnet_group" "this" {
  name_prefix = "${var.identifier}-"
  description = "Subnets for ${var.identifier}"
  subnet_ids  = var.subnet_ids
  tags        = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "this" {
  name_prefix = "${var.identifier}-pg-"
  description = "PostgreSQL ${var.port} from allowed CIDRs only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.identifier}-pg" })

  lifecycle {
    create_before_destroy = true
  }
}

# Inbound: PostgreSQL only, one rule per allowed CIDR (IPv4 or IPv6), nothing else.
resource "aws_vpc_security_group_ingress_rule" "postgres" {
  for_each = toset(var.allowed_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "PostgreSQL from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = var.port
  to_port           = var.port
  cidr_ipv4         = strcontains(each.value, ":") ? null : each.value
  cidr_ipv6         = strcontains(each.value, ":") ? each.value : null
  tags              = var.tags
}

# Outbound: all traffic (the security group default, made explicit because Terraform removes it).
resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.this.id
  description       = "All outbound"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
  tags              = var.tags
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.identifier}-"
  family      = local.parameter_group_family
  description = "Logical replication for ${var.identifier}"
  tags        = var.tags

  # Sets wal_level=logical. Static: a change needs a reboot (a new instance starts with it).
  parameter {
    name         = "rds.logical_replication"
    value        = "1"
    apply_method = "pending-reboot"
  }

  # One slot per runner, plus headroom for tests and a second runner during a cut-over.
  parameter {
    name         = "max_replication_slots"
    value        = tostring(var.max_replication_slots)
    apply_method = "pending-reboot"
  }

  # One WAL sender per active replication connection.
  parameter {
    name         = "max_wal_senders"
    value        = tostring(var.max_wal_senders)
    apply_method = "pending-reboot"
  }

  # Dynamic: the instance is publicly accessible, so refuse unencrypted connections.
  parameter {
    name         = "rds.force_ssl"
    value        = var.force_ssl ? "1" : "0"
    apply_method = "immediate"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  identifier     = var.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  allocated_storage = var.allocated_storage_gb
  storage_type      = "gp3"
  storage_encrypted = true

  db_name  = var.db_name
  username = var.master_username
  password = random_password.master.result
  port     = var.port

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.this.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = var.publicly_accessible
  multi_az               = false

  # Pinned minor version: no surprise upgrades that would then show up as drift.
  auto_minor_version_upgrade = false

  # Dev instance: no automated backups, nothing kept on destroy, changes applied now rather than in the
  # maintenance window.
  backup_retention_period = 0
  skip_final_snapshot     = true
  deletion_protection     = false
  apply_immediately       = true

  performance_insights_enabled = false
  monitoring_interval          = 0

  tags = var.tags
}
