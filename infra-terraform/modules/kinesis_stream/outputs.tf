output "name" {
  description = "Name of the stream."
  value       = aws_kinesis_stream.this.name
}

output "arn" {
  description = "ARN of the stream (for IAM policies: kinesis:PutRecords, kinesis:DescribeStreamSummary, ...)."
  value       = aws_kinesis_stream.this.arn
}

output "shard_count" {
  description = "Number of shards."
  value       = aws_kinesis_stream.this.shard_count
}

output "retention_hours" {
  description = "Retention period in hours."
  value       = aws_kinesis_stream.this.retention_period
}
