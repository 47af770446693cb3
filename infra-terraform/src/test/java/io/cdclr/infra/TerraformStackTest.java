package io.cdclr.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Checks the Terraform under infra-terraform/ against issue 6, on the JSON that HashiCorp's HCL parser makes
 * of it (terraform and its providers cannot be downloaded here, so this is no plan: it checks what the
 * configuration says).
 */
class TerraformStackTest {

    private static final Path STACK = InfraPaths.stackDir();
    private static final Path RDS = InfraPaths.rdsModuleDir();
    private static final Path KINESIS = InfraPaths.kinesisModuleDir();

    private static JsonNode stack(String file) {
        return Hcl.file(STACK.resolve(file));
    }

    private static JsonNode rds(String file) {
        return Hcl.file(RDS.resolve(file));
    }

    private static JsonNode kinesis(String file) {
        return Hcl.file(KINESIS.resolve(file));
    }

    @Test
    void everyTfFileParsesWithHashicorpsHclParser() {
        List<Path> files = Hcl.tfFiles();
        Map<Path, JsonNode> parsed = Hcl.all();
        assertEquals(Set.copyOf(files), parsed.keySet(), "every .tf file parsed");
        List<String> expected = List.of(
                "modules/kinesis_stream/main.tf",
                "modules/kinesis_stream/variables.tf",
                "modules/kinesis_stream/outputs.tf",
                "modules/rds_postgres_logical_replication/main.tf",
                "modules/rds_postgres_logical_replication/variables.tf",
                "modules/rds_postgres_logical_replication/outputs.tf",
                "stacks/cdc_logical_replication_dev/versions.tf",
                "stacks/cdc_logical_replication_dev/main.tf",
                "stacks/cdc_logical_replication_dev/variables.tf",
                "stacks/cdc_logical_replication_dev/outputs.tf",
                "modules/runner_iam/main.tf",
                "modules/runner_iam/variables.tf",
                "modules/runner_iam/outputs.tf");
        for (String f : expected) {
            Path p = InfraPaths.moduleDir().resolve(f).toAbsolutePath().normalize();
            assertTrue(parsed.containsKey(p), "missing " + f);
            assertTrue(parsed.get(p).isObject() && parsed.get(p).size() > 0, "empty after parsing: " + f);
        }
    }

    @Test
    void requiredNonTerraformFilesExist() {
        for (String f : List.of("README.md", ".gitignore", "stacks/cdc_logical_replication_dev/README.md",
                "stacks/cdc_logical_replication_dev/bootstrap_db.sh")) {
            assertTrue(Files.isRegularFile(InfraPaths.moduleDir().resolve(f)), "missing " + f);
        }
    }

    @Test
    void stackVariablesAndDefaults() {
        JsonNode vars = stack("variables.tf");
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put("aws_region", "us-west-2");
        defaults.put("name_prefix", "cdc-lr-dev");
        defaults.put("db_instance_class", "db.t3.micro");
        defaults.put("db_engine_version", "15.12");
        defaults.put("db_allocated_storage_gb", 20);
        defaults.put("db_name", "cdc");
        defaults.put("db_master_username", "cdc_admin");
        defaults.put("replication_username", "cdc_replication");
        defaults.put("kinesis_shard_count", 1);
        defaults.put("kinesis_retention_hours", 24);
        defaults.put("use_default_vpc", true);
        defaults.forEach((name, value) -> {
            JsonNode d = Hcl.variable(vars, name).path("default");
            if (value instanceof String s) {
                assertEquals(s, d.asText(), name);
                assertTrue(d.isTextual(), name + " is a string");
            } else if (value instanceof Integer i) {
                assertTrue(d.isNumber(), name + " is a number");
                assertEquals(i.intValue(), d.asInt(), name);
            } else {
                assertTrue(d.isBoolean(), name + " is a bool");
                assertEquals(value, d.asBoolean(), name);
            }
        });

        JsonNode tags = Hcl.variable(vars, "tags").path("default");
        assertEquals(Map.of("project", "data-platform", "component", "cdc-logical-replication", "env", "dev"),
                Map.of("project", tags.path("project").asText(), "component", tags.path("component").asText(),
                        "env", tags.path("env").asText()));
        assertEquals(3, tags.size(), "tags default has exactly project, component, env");

        // A PostgreSQL 15 minor, pinned (MAJOR.MINOR), and the validation keeps it on 15.
        assertTrue(Pattern.matches("15\\.\\d+", Hcl.variable(vars, "db_engine_version").path("default").asText()));
        assertTrue(validations(vars, "db_engine_version").stream().anyMatch(c -> c.contains("^15\\\\.")),
                "db_engine_version validated as 15.x: " + validations(vars, "db_engine_version"));

        // allowed_cidrs: required (no default) and validated as CIDRs.
        JsonNode allowed = Hcl.variable(vars, "allowed_cidrs");
        assertFalse(allowed.has("default"), "allowed_cidrs is required");
        assertEquals("${list(string)}", allowed.path("type").asText());
        assertTrue(validations(vars, "allowed_cidrs").stream().anyMatch(c -> c.contains("cidrhost(")),
                "allowed_cidrs validated with cidrhost: " + validations(vars, "allowed_cidrs"));

        // vpc_id / subnet_ids: used when use_default_vpc = false, and validated so one cannot forget them.
        assertTrue(Hcl.variable(vars, "vpc_id").path("default").isNull(), "vpc_id defaults to null");
        assertTrue(Hcl.variable(vars, "subnet_ids").path("default").isArray()
                && Hcl.variable(vars, "subnet_ids").path("default").isEmpty(), "subnet_ids defaults to []");
        assertTrue(validations(vars, "vpc_id").contains("${var.use_default_vpc || var.vpc_id != null}"),
                "vpc_id required when use_default_vpc = false: " + validations(vars, "vpc_id"));
        assertTrue(validations(vars, "subnet_ids").contains("${var.use_default_vpc || length(var.subnet_ids) >= 2}"),
                "subnet_ids required when use_default_vpc = false: " + validations(vars, "subnet_ids"));

        // Cross-variable validations need Terraform 1.9+.
        String required = Hcl.block(stack("versions.tf"), "terraform").path("required_version").asText();
        assertTrue(required.startsWith(">= 1.9"), "required_version " + required);
    }

    @Test
    void networkDefaultsToTheDefaultVpcUnlessGiven() {
        JsonNode main = stack("main.tf");
        JsonNode vpc = Hcl.block(main.path("data").path("aws_vpc"), "default");
        assertEquals("${var.use_default_vpc ? 1 : 0}", vpc.path("count").asText());
        assertTrue(vpc.path("default").asBoolean());
        JsonNode subnets = Hcl.block(main.path("data").path("aws_subnets"), "default");
        assertEquals("${var.use_default_vpc ? 1 : 0}", subnets.path("count").asText());
        JsonNode locals = Hcl.block(main, "locals");
        assertTrue(locals.path("vpc_id").asText().contains("var.vpc_id"));
        assertTrue(locals.path("subnet_ids").asText().contains("var.subnet_ids"));
        JsonNode rdsCall = Hcl.module(main, "rds");
        assertEquals("../../modules/rds_postgres_logical_replication", rdsCall.path("source").asText());
        assertEquals("${local.vpc_id}", rdsCall.path("vpc_id").asText());
        assertEquals("${local.subnet_ids}", rdsCall.path("subnet_ids").asText());
        assertEquals("${var.allowed_cidrs}", rdsCall.path("allowed_cidrs").asText());
        assertEquals("${var.db_engine_version}", rdsCall.path("engine_version").asText());
        assertEquals("${var.db_instance_class}", rdsCall.path("instance_class").asText());
        assertEquals("${var.db_allocated_storage_gb}", rdsCall.path("allocated_storage_gb").asText());
        assertEquals("${var.db_name}", rdsCall.path("db_name").asText());
        assertEquals("${var.db_master_username}", rdsCall.path("master_username").asText());

        JsonNode subnetGroup = Hcl.resource(rds("main.tf"), "aws_db_subnet_group", "this");
        assertEquals("${var.subnet_ids}", subnetGroup.path("subnet_ids").asText());
    }

    @Test
    void securityGroupAllowsPostgresFromAllowedCidrsOnlyAndAllOutbound() {
        JsonNode main = rds("main.tf");
        JsonNode sg = Hcl.resource(main, "aws_security_group", "this");
        assertFalse(sg.has("ingress"), "no inline ingress rules");
        assertFalse(sg.has("egress"), "no inline egress rules");
        assertEquals("${var.vpc_id}", sg.path("vpc_id").asText());

        JsonNode ingressTypes = main.path("resource").path("aws_vpc_security_group_ingress_rule");
        assertEquals(1, ingressTypes.size(), "exactly one ingress rule resource");
        JsonNode in = Hcl.resource(main, "aws_vpc_security_group_ingress_rule", "postgres");
        assertEquals("${toset(var.allowed_cidrs)}", in.path("for_each").asText(), "one rule per allowed CIDR");
        assertEquals("${aws_security_group.this.id}", in.path("security_group_id").asText());
        assertEquals("tcp", in.path("ip_protocol").asText());
        assertEquals("${var.port}", in.path("from_port").asText());
        assertEquals("${var.port}", in.path("to_port").asText());
        assertTrue(in.path("cidr_ipv4").asText().contains("each.value"));
        assertTrue(in.path("cidr_ipv6").asText().contains("each.value"));
        assertFalse(in.has("referenced_security_group_id") || in.has("prefix_list_id"), "CIDRs only");
        // var.port is 5432 and the stack does not change it.
        assertEquals(5432, Hcl.variable(rds("variables.tf"), "port").path("default").asInt());
        assertFalse(Hcl.module(stack("main.tf"), "rds").has("port"), "stack keeps port 5432");
        // Validated as CIDRs in the module too.
        assertTrue(validations(rds("variables.tf"), "allowed_cidrs").stream().anyMatch(c -> c.contains("cidrhost(")));

        JsonNode egress = Hcl.resource(main, "aws_vpc_security_group_egress_rule", "all");
        assertEquals("-1", egress.path("ip_protocol").asText());
        assertEquals("0.0.0.0/0", egress.path("cidr_ipv4").asText());
        assertEquals("${aws_security_group.this.id}", egress.path("security_group_id").asText());

        // No other way of adding rules.
        assertFalse(main.path("resource").has("aws_security_group_rule"));
        for (JsonNode file : Hcl.all().values()) {
            assertFalse(file.path("resource").has("aws_security_group_rule"), "no aws_security_group_rule anywhere");
        }
    }

    @Test
    void parameterGroupEnablesLogicalReplication() {
        JsonNode main = rds("main.tf");
        JsonNode pg = Hcl.resource(main, "aws_db_parameter_group", "this");
        // family = postgres<major of engine_version>; the stack pins 15.x, so postgres15.
        assertEquals("${local.parameter_group_family}", pg.path("family").asText());
        JsonNode locals = Hcl.block(main, "locals");
        assertEquals("postgres${local.engine_major}", locals.path("parameter_group_family").asText());
        assertEquals("${split(\".\", var.engine_version)[0]}", locals.path("engine_major").asText());
        String engine = Hcl.variable(stack("variables.tf"), "db_engine_version").path("default").asText();
        assertEquals("postgres15", "postgres" + engine.split("\\.")[0]);

        Map<String, JsonNode> params = new LinkedHashMap<>();
        pg.path("parameter").forEach(p -> params.put(p.path("name").asText(), p));
        JsonNode logical = params.get("rds.logical_replication");
        assertEquals("1", logical.path("value").asText());
        assertEquals("pending-reboot", logical.path("apply_method").asText());

        JsonNode stackRds = Hcl.module(stack("main.tf"), "rds");
        for (String name : List.of("max_replication_slots", "max_wal_senders")) {
            JsonNode p = params.get(name);
            assertEquals("${tostring(var." + name + ")}", p.path("value").asText(), name);
            assertEquals("pending-reboot", p.path("apply_method").asText(), name + " is static");
            assertEquals(10, Hcl.variable(rds("variables.tf"), name).path("default").asInt(), name + " default");
            assertEquals(10, stackRds.path(name).asInt(), name + " in the stack");
        }

        JsonNode db = Hcl.resource(main, "aws_db_instance", "this");
        assertEquals("${aws_db_parameter_group.this.name}", db.path("parameter_group_name").asText());
    }

    @Test
    void dbInstanceIsADevPostgresInstance() {
        JsonNode db = Hcl.resource(rds("main.tf"), "aws_db_instance", "this");
        assertEquals("postgres", db.path("engine").asText());
        assertEquals("${var.engine_version}", db.path("engine_version").asText());
        assertEquals("${var.publicly_accessible}", db.path("publicly_accessible").asText());
        assertTrue(Hcl.variable(rds("variables.tf"), "publicly_accessible").path("default").asBoolean());
        assertTrue(Hcl.module(stack("main.tf"), "rds").path("publicly_accessible").asBoolean());
        assertFalse(db.path("multi_az").asBoolean(true));
        assertEquals(0, db.path("backup_retention_period").asInt(-1));
        assertTrue(db.path("skip_final_snapshot").asBoolean());
        assertFalse(db.path("deletion_protection").asBoolean(true));
        assertTrue(db.path("apply_immediately").asBoolean());
        assertEquals("${random_password.master.result}", db.path("password").asText());
        assertEquals("${var.allocated_storage_gb}", db.path("allocated_storage").asText());
        assertEquals("${var.instance_class}", db.path("instance_class").asText());
        assertEquals("${aws_security_group.this.id}", db.path("vpc_security_group_ids").get(0).asText());
        assertTrue(Hcl.resource(rds("main.tf"), "random_password", "master").path("length").asInt() >= 16);
    }

    @Test
    void kinesisStreamHasTheShardCountAndRetention() {
        JsonNode call = Hcl.module(stack("main.tf"), "kinesis");
        assertEquals("../../modules/kinesis_stream", call.path("source").asText());
        assertEquals("${var.kinesis_shard_count}", call.path("shard_count").asText());
        assertEquals("${var.kinesis_retention_hours}", call.path("retention_hours").asText());
        JsonNode stream = Hcl.resource(kinesis("main.tf"), "aws_kinesis_stream", "this");
        assertEquals("${var.shard_count}", stream.path("shard_count").asText());
        assertEquals("${var.retention_hours}", stream.path("retention_period").asText());
        assertEquals("PROVISIONED", Hcl.block(stream, "stream_mode_details").path("stream_mode").asText());
    }

    @Test
    void bootstrapRunsOnceTheInstanceExistsAndAgainWhenItsInputsChange() {
        JsonNode nr = Hcl.resource(stack("main.tf"), "null_resource", "bootstrap_db");
        JsonNode exec = Hcl.block(nr.path("provisioner"), "local-exec");
        assertEquals("${path.module}/bootstrap_db.sh", exec.path("command").asText());
        assertEquals("bash", exec.path("interpreter").get(0).asText());
        JsonNode env = exec.path("environment");
        for (String v : List.of("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "REPLICATION_USERNAME",
                "REPLICATION_PASSWORD", "PSQL_MODE")) {
            assertTrue(env.has(v), "local-exec environment has " + v);
        }
        assertEquals("${module.rds.address}", env.path("PGHOST").asText());
        assertEquals("${module.rds.master_username}", env.path("PGUSER").asText());
        assertTrue(env.path("PGPASSWORD").asText().contains("module.rds.master_password"));
        assertTrue(env.path("REPLICATION_PASSWORD").asText().contains("random_password.replication.result"));
        assertEquals("require", env.path("PGSSLMODE").asText());
        assertEquals("${var.bootstrap_psql_mode}", env.path("PSQL_MODE").asText());
        assertEquals("auto", Hcl.variable(stack("variables.tf"), "bootstrap_psql_mode").path("default").asText());

        assertEquals("${module.rds}", nr.path("depends_on").get(0).asText(), "runs after the whole rds module");

        JsonNode triggers = nr.path("triggers");
        // The instance (it depends on module.rds: it runs once the instance is available) and every input.
        assertEquals("${module.rds.instance_resource_id}", triggers.path("instance_resource_id").asText());
        assertEquals("${module.rds.address}", triggers.path("host").asText());
        assertEquals("${var.replication_username}", triggers.path("replication_username").asText());
        assertTrue(triggers.path("replication_password_sha256").asText().contains("sha256(random_password.replication.result)"));
        assertTrue(triggers.path("master_password_sha256").asText().contains("sha256(module.rds.master_password)"));
        assertTrue(triggers.path("script_sha256").asText().contains("filesha256(\"${path.module}/bootstrap_db.sh\")"));
        // No trigger holds a password in clear.
        triggers.fields().forEachRemaining(e -> {
            String value = e.getValue().asText();
            if (value.contains("password")) {
                assertTrue(value.contains("sha256("), "trigger " + e.getKey() + " holds a hash only: " + value);
            }
        });
    }

    @Test
    void outputs() {
        JsonNode outputs = stack("outputs.tf");
        Map<String, String> values = new LinkedHashMap<>();
        values.put("pg_host", "${module.rds.address}");
        values.put("pg_port", "${module.rds.port}");
        values.put("pg_database", "${module.rds.db_name}");
        values.put("pg_master_user", "${module.rds.master_username}");
        values.put("pg_master_password", "${module.rds.master_password}");
        values.put("pg_replication_user", "${var.replication_username}");
        values.put("pg_replication_password", "${random_password.replication.result}");
        values.put("kinesis_stream_name", "${module.kinesis.name}");
        values.put("kinesis_stream_arn", "${module.kinesis.arn}");
        values.put("aws_region", "${var.aws_region}");
        Set<String> sensitive = Set.of("pg_master_password", "pg_replication_password");
        values.forEach((name, value) -> {
            JsonNode o = Hcl.output(outputs, name);
            assertEquals(value, o.path("value").asText(), name);
            assertEquals(sensitive.contains(name), o.path("sensitive").asBoolean(false), name + " sensitive");
        });
        Set<String> all = new HashSet<>();
        outputs.path("output").fieldNames().forEachRemaining(all::add);
        Set<String> expected = new HashSet<>(values.keySet());
        expected.add("env_exports");
        expected.addAll(List.of("offset_table", "runner_role_arn", "tail_role_arn")); // RunnerIamModuleTest checks them
        assertEquals(expected, all);

        // The module outputs they read exist, and the master password is sensitive there too.
        for (String o : List.of("address", "port", "db_name", "master_username", "master_password",
                "instance_resource_id")) {
            Hcl.output(rds("outputs.tf"), o);
        }
        assertTrue(Hcl.output(rds("outputs.tf"), "master_password").path("sensitive").asBoolean());
        Hcl.output(kinesis("outputs.tf"), "name");
        Hcl.output(kinesis("outputs.tf"), "arn");
    }

    @Test
    void envExportsShowTheRunnersEnvironmentWithoutASecret() {
        JsonNode out = Hcl.output(stack("outputs.tf"), "env_exports");
        assertFalse(out.path("sensitive").asBoolean(false), "env_exports is not sensitive");
        String text = out.path("value").asText();
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("PGHOST", "export PGHOST=\"${module.rds.address}\"");
        lines.put("PGPORT", "export PGPORT=\"${module.rds.port}\"");
        lines.put("PGUSER", "export PGUSER=\"${var.replication_username}\"");
        lines.put("PGPASSWORD", "export PGPASSWORD=\"$(terraform output -raw pg_replication_password)\"");
        lines.put("PGDATABASE", "export PGDATABASE=\"${module.rds.db_name}\"");
        lines.put("AWS_REGION", "export AWS_REGION=\"${var.aws_region}\"");
        lines.put("KINESIS_STREAM", "export KINESIS_STREAM=\"${module.kinesis.name}\"");
        List<String> actual = text.lines().map(String::strip).toList();
        lines.forEach((name, line) -> assertTrue(actual.contains(line), name + ": expected line " + line + " in\n" + text));
        // Only literal command lines, no interpolated secret.
        for (String forbidden : List.of("random_password", "master_password", "nonsensitive", "${output")) {
            assertFalse(text.contains(forbidden), "env_exports must not interpolate a secret: " + forbidden);
        }
        // Every line is a plain export/unset (safe to eval).
        for (String l : actual) {
            if (!l.isEmpty()) {
                assertTrue(l.startsWith("export ") || l.startsWith("unset "), "unexpected line: " + l);
            }
        }
    }

    @Test
    void credentialsComeFromTheEnvironmentOnly() throws IOException {
        JsonNode provider = Hcl.block(stack("main.tf").path("provider"), "aws");
        assertEquals("${var.aws_region}", provider.path("region").asText());
        assertEquals("${var.tags}", Hcl.block(provider, "default_tags").path("tags").asText());
        List<String> forbiddenKeys = List.of("access_key", "secret_key", "token", "profile",
                "shared_credentials_files", "shared_config_files", "assume_role");
        for (Map.Entry<Path, JsonNode> e : Hcl.all().entrySet()) {
            for (JsonNode aws : e.getValue().path("provider").path("aws")) {
                for (String k : forbiddenKeys) {
                    assertFalse(aws.has(k), e.getKey() + ": provider aws sets " + k);
                }
            }
            assertFalse(e.getValue().path("provider").size() > 0 && !e.getKey().startsWith(STACK),
                    "providers are configured in the stack only: " + e.getKey());
        }
        // Nothing that looks like an AWS key anywhere under infra-terraform/.
        Pattern accessKey = Pattern.compile("\\b(AKIA|ASIA)[0-9A-Z]{16}\\b");
        for (Path f : committedFiles()) {
            String text = Files.readString(f);
            assertFalse(accessKey.matcher(text).find(), "AWS access key id in " + f);
        }
    }

    @Test
    void gitignoreAndLockFileDecision() throws IOException {
        List<String> rules = Files.readAllLines(InfraPaths.moduleDir().resolve(".gitignore")).stream()
                .map(String::strip).toList();
        for (String r : List.of(".terraform/", "terraform.tfstate", "terraform.tfstate.*", "*.tfvars")) {
            assertTrue(rules.contains(r), ".gitignore has " + r);
        }
        assertFalse(rules.stream().anyMatch(r -> !r.startsWith("#") && r.contains("lock.hcl")),
                ".terraform.lock.hcl is committed, not ignored");
        String readme = Files.readString(InfraPaths.moduleDir().resolve("README.md"));
        assertTrue(readme.contains(".terraform.lock.hcl"), "README documents the lock file decision");

        // No state, variable files or .terraform directories in the tree.
        for (Path f : committedFiles()) {
            String name = f.getFileName().toString();
            assertFalse(name.startsWith("terraform.tfstate") || name.endsWith(".tfvars")
                    || name.endsWith(".tfvars.json"), "must not be committed: " + f);
        }
    }

    @Test
    void readmeWalksThroughTheWholeLifecycle() throws IOException {
        String readme = Files.readString(InfraPaths.moduleDir().resolve("README.md"));
        List<String> steps = List.of("AWS_ACCESS_KEY_ID", "terraform init", "terraform plan", "terraform apply",
                "terraform output -raw env_exports", "terraform destroy");
        int last = -1;
        for (String s : steps) {
            int i = readme.indexOf(s, last + 1);
            assertTrue(i >= 0, "README mentions " + s + " after the previous step");
            last = i;
        }
    }

    @Test
    void bootstrapScriptIsExecutableBash() throws IOException {
        Path script = InfraPaths.bootstrapScript();
        assertTrue(Files.isExecutable(script), "bootstrap_db.sh is executable");
        String text = Files.readString(script);
        assertTrue(text.startsWith("#!/usr/bin/env bash\n"));
        assertTrue(text.contains("set -euo pipefail"));
    }

    /** The validation conditions of a variable. */
    private static List<String> validations(JsonNode varsFile, String name) {
        List<String> conditions = new ArrayList<>();
        Hcl.variable(varsFile, name).path("validation").forEach(v -> conditions.add(v.path("condition").asText()));
        if (conditions.isEmpty()) {
            fail("variable " + name + " has no validation");
        }
        return conditions;
    }

    private static List<Path> committedFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(InfraPaths.moduleDir())) {
            return walk.filter(Files::isRegularFile)
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.terraform/"))
                    .toList();
        }
    }
}
