variable "identifier" {
  description = "RDS instance identifier; also the prefix of the subnet group, security group and parameter group names."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,45}[a-z0-9]$", var.identifier)) && !strcontains(var.identifier, "--")
    error_message = "identifier must start with a letter, contain only lowercase letters, digits and single hyphens, not end with a hyphen, and be at most 47 characters (room for name suffixes)."
  }
}

variable "vpc_id" {
  description = "VPC for the security group."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets for the DB subnet group: at least two, in different Availability Zones. They must be public (route to an internet gateway) for publicly_accessible to be useful."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "RDS needs a DB subnet group with at least two subnets (in two Availability Zones)."
  }
}

variable "allowed_cidrs" {
  description = "CIDR blocks (IPv4 or IPv6) allowed to connect to PostgreSQL on its port. Nothing else gets in."
  type        = list(string)

  validation {
    condition     = length(var.allowed_cidrs) > 0 && alltrue([for c in var.allowed_cidrs : can(cidrhost(c, 0))])
    error_message = "allowed_cidrs must be a non-empty list of valid CIDR blocks, e.g. [\"203.0.113.7/32\"]."
  }
}

variable "port" {
  description = "PostgreSQL port."
  type        = number
  default     = 5432
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t3.micro"
}

variable "engine_version" {
  description = "Pinned PostgreSQL engine version MAJOR.MINOR (e.g. 15.12). The parameter group family is derived from the major version. Minor upgrades are not automatic: change this value to upgrade."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be a pinned MAJOR.MINOR version such as \"15.12\"."
  }
}

variable "allocated_storage_gb" {
  description = "Allocated storage in GiB (gp3; 20 is the minimum)."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage_gb >= 20
    error_message = "allocated_storage_gb must be at least 20."
  }
}

variable "db_name" {
  description = "Name of the database created with the instance."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must start with a letter and contain only letters, digits and underscores (max 63)."
  }
}

variable "master_username" {
  description = "Master user name (member of rds_superuser)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.master_username)) && !contains(["postgres", "rdsadmin", "admin"], var.master_username)
    error_message = "master_username must be a lowercase identifier and not a name RDS reserves (postgres, rdsadmin, admin)."
  }
}

variable "max_replication_slots" {
  description = "max_replication_slots (static: takes effect at the next reboot)."
  type        = number
  default     = 10
}

variable "max_wal_senders" {
  description = "max_wal_senders (static: takes effect at the next reboot)."
  type        = number
  default     = 10
}

variable "force_ssl" {
  description = "Set rds.force_ssl=1 so that the publicly reachable instance refuses unencrypted connections."
  type        = bool
  default     = true
}

variable "publicly_accessible" {
  description = "Give the instance a public DNS name/IP (reachable only from allowed_cidrs through the security group)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource of the module (merged over the provider's default_tags)."
  type        = map(string)
  default     = {}
}
