output "writer_role_arn" {
  description = "ARN of the runner's role: the eks.amazonaws.com/role-arn annotation of the runner's service account."
  value       = aws_iam_role.writer.arn
}

output "reader_role_arn" {
  description = "ARN of the read-only role for `tail`: the annotation of the tail service account."
  value       = aws_iam_role.reader.arn
}

output "writer_actions" {
  description = "Kinesis actions the writer role allows."
  value       = local.writer_actions
}

output "reader_actions" {
  description = "Kinesis actions the tail role allows."
  value       = local.reader_actions
}
