package io.cdclr.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * modules/runner_iam: the IRSA trust names the service accounts of deploy/kubernetes/, and each role allows exactly
 * the Kinesis calls its code makes (found in the source), on the one stream.
 */
class RunnerIamModuleTest {
    private static final Path MODULE = InfraPaths.moduleDir().resolve("modules/runner_iam");
    private static final Path REPO = InfraPaths.repoRoot();

    /** The SDK methods that are Kinesis API calls, and their IAM actions. */
    private static final Map<String, String> CALLS = Map.of(
            "putRecords", "kinesis:PutRecords",
            "putRecord", "kinesis:PutRecord",
            "describeStreamSummary", "kinesis:DescribeStreamSummary",
            "describeStream", "kinesis:DescribeStream",
            "listShards", "kinesis:ListShards",
            "getShardIterator", "kinesis:GetShardIterator",
            "getRecords", "kinesis:GetRecords",
            "subscribeToShard", "kinesis:SubscribeToShard",
            "listStreams", "kinesis:ListStreams");

    /**
     * Called by the writer from issue 22 on (shard-aware sending lists the shards); granted now so that deploying
     * that version needs no IAM change.
     */
    private static final Set<String> WRITER_PLANNED = Set.of("kinesis:ListShards");

    private static final Set<String> TAIL_EXTRA = Set.of("kinesis:DescribeStreamSummary");

    private static JsonNode main() {
        return Hcl.file(MODULE.resolve("main.tf"));
    }

    private static List<String> locals(String name) {
        List<String> out = new ArrayList<>();
        main().path("locals").get(0).path(name).forEach(a -> out.add(a.asText()));
        return out;
    }

    /** Kinesis actions called in these source files (client.<method>(...)). */
    private static Set<String> calledIn(List<Path> files) throws IOException {
        Pattern call = Pattern.compile("\\.(" + String.join("|", CALLS.keySet()) + ")\\(");
        Set<String> actions = new TreeSet<>();
        for (Path f : files) {
            Matcher m = call.matcher(Files.readString(f));
            while (m.find()) {
                actions.add(CALLS.get(m.group(1)));
            }
        }
        return actions;
    }

    private static List<Path> javaUnder(String dir) throws IOException {
        try (Stream<Path> walk = Files.walk(REPO.resolve(dir))) {
            return walk.filter(p -> p.toString().endsWith(".java")).toList();
        }
    }

    @Test
    void theWriterRoleAllowsExactlyWhatTheRunnerCalls() throws IOException {
        List<Path> writerCode = new ArrayList<>(javaUnder("connector/src/main/java/io/cdclr/connector/kinesis"));
        writerCode.addAll(javaUnder("runner/src/main/java/io/cdclr/runner/preflight"));
        writerCode.addAll(javaUnder("runner/src/main/java/io/cdclr/runner/engine"));
        Set<String> expected = calledIn(writerCode);
        assertTrue(expected.contains("kinesis:PutRecords"), "the writer's call is found: " + expected);
        expected.addAll(WRITER_PLANNED);
        assertEquals(expected, new TreeSet<>(locals("writer_actions")));
    }

    @Test
    void theTailRoleAllowsExactlyWhatTailCallsAndNoWrite() throws IOException {
        Path cli = REPO.resolve("runner/src/main/java/io/cdclr/runner/cli");
        Set<String> expected = calledIn(List.of(cli.resolve("KinesisStreamReader.java"), cli.resolve("TailCommand.java")));
        assertTrue(expected.contains("kinesis:GetRecords"), "tail's calls are found: " + expected);
        // Not called by tail today; granted so that the role can tell "stream missing" from "no access" (aws kinesis
        // describe-stream-summary under this role) and for a tail that checks the stream first, as preflight does.
        expected.addAll(TAIL_EXTRA);
        List<String> actions = locals("reader_actions");
        assertEquals(expected, new TreeSet<>(actions));
        assertTrue(actions.stream().noneMatch(a -> a.startsWith("kinesis:Put")), "read only: " + actions);
    }

    @Test
    void policiesAreOnTheOneStreamAndKmsOnlyOnTheGivenKey() {
        for (String name : List.of("writer", "reader")) {
            JsonNode doc = Hcl.block(main().path("data").path("aws_iam_policy_document"), name);
            JsonNode statement = doc.path("statement").get(0);
            assertEquals("${local." + name + "_actions}", statement.path("actions").asText());
            assertEquals(List.of("${var.stream_arn}"), texts(statement.path("resources")));
            JsonNode kms = doc.path("dynamic").path("statement").get(0);
            assertEquals("${var.kms_key_arn == null ? [] : [var.kms_key_arn]}", kms.path("for_each").asText());
            JsonNode content = kms.path("content").get(0);
            assertEquals(List.of(name.equals("writer") ? "kms:GenerateDataKey" : "kms:Decrypt"),
                    texts(content.path("actions")));
            assertEquals(List.of("${statement.value}"), texts(content.path("resources")));
            JsonNode policy = Hcl.resource(main(), "aws_iam_role_policy", name);
            assertEquals("${aws_iam_role." + name + ".id}", policy.path("role").asText());
            assertEquals("${data.aws_iam_policy_document." + name + ".json}", policy.path("policy").asText());
        }
        assertTrue(Hcl.variable(Hcl.file(MODULE.resolve("variables.tf")), "kms_key_arn").path("default").isNull());
    }

    @Test
    void trustIsTheClustersOidcProviderAndTheServiceAccountsOfTheManifests() throws IOException {
        JsonNode variables = Hcl.file(MODULE.resolve("variables.tf"));
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Path k8s = REPO.resolve("deploy/kubernetes");
        String namespace = yaml.readTree(k8s.resolve("kustomization.yaml").toFile()).path("namespace").asText();
        JsonNode deployment = yaml.readTree(k8s.resolve("deployment.yaml").toFile());
        String runnerSa = deployment.path("spec").path("template").path("spec").path("serviceAccountName").asText();
        Set<String> serviceAccounts = new TreeSet<>();
        try (var parser = new YAMLFactory().createParser(k8s.resolve("serviceaccount.yaml").toFile())) {
            yaml.readValues(parser, JsonNode.class).forEachRemaining(d -> serviceAccounts.add(d.path("metadata").path("name").asText()));
        }

        assertEquals(namespace, Hcl.variable(variables, "namespace").path("default").asText());
        assertEquals(runnerSa, Hcl.variable(variables, "service_account").path("default").asText());
        String tailSa = Hcl.variable(variables, "tail_service_account").path("default").asText();
        assertEquals(Set.of(runnerSa, tailSa), serviceAccounts);

        Map<String, String> subjects = Map.of("trust_writer", "${var.service_account}", "trust_reader",
                "${var.tail_service_account}");
        subjects.forEach((doc, sa) -> {
            JsonNode st = Hcl.block(main().path("data").path("aws_iam_policy_document"), doc).path("statement").get(0);
            assertEquals(List.of("sts:AssumeRoleWithWebIdentity"), texts(st.path("actions")));
            JsonNode principal = st.path("principals").get(0);
            assertEquals("Federated", principal.path("type").asText());
            assertEquals(List.of("${var.oidc_provider_arn}"), texts(principal.path("identifiers")));
            List<String> conditions = new ArrayList<>();
            st.path("condition").forEach(c -> conditions.add(c.path("test").asText() + " " + c.path("variable").asText()
                    + " " + texts(c.path("values"))));
            assertEquals(List.of("StringEquals ${local.oidc_issuer}:sub [system:serviceaccount:${var.namespace}:" + sa + "]",
                    "StringEquals ${local.oidc_issuer}:aud [sts.amazonaws.com]"), conditions, doc);
        });
        assertEquals("${aws_iam_role.writer.arn}", Hcl.output(Hcl.file(MODULE.resolve("outputs.tf")), "writer_role_arn")
                .path("value").asText());
        assertEquals("${aws_iam_role.reader.arn}", Hcl.output(Hcl.file(MODULE.resolve("outputs.tf")), "reader_role_arn")
                .path("value").asText());

        // The dev stack passes the same names and its stream, and outputs the role ARNs.
        Path stack = InfraPaths.stackDir();
        JsonNode call = Hcl.module(Hcl.file(stack.resolve("main.tf")), "runner_iam");
        assertEquals("../../modules/runner_iam", call.path("source").asText());
        assertEquals(runnerSa, call.path("service_account").asText());
        assertEquals(tailSa, call.path("tail_service_account").asText());
        assertEquals("${module.kinesis.arn}", call.path("stream_arn").asText());
        assertEquals("${var.eks_namespace}", call.path("namespace").asText());
        assertEquals(namespace, Hcl.variable(Hcl.file(stack.resolve("variables.tf")), "eks_namespace").path("default").asText());
        JsonNode outputs = Hcl.file(stack.resolve("outputs.tf"));
        assertEquals("${one(module.runner_iam[*].writer_role_arn)}", Hcl.output(outputs, "runner_role_arn").path("value").asText());
        assertEquals("${one(module.runner_iam[*].reader_role_arn)}", Hcl.output(outputs, "tail_role_arn").path("value").asText());
    }

    @Test
    void theStackOutputsTheRunnersDefaultOffsetTable() throws IOException {
        JsonNode outputs = Hcl.file(InfraPaths.stackDir().resolve("outputs.tf"));
        assertEquals("${var.offsets_schema}.cdc_runner_offsets", Hcl.output(outputs, "offset_table").path("value").asText());
        assertEquals("cdc", Hcl.variable(Hcl.file(InfraPaths.stackDir().resolve("variables.tf")), "offsets_schema")
                .path("default").asText());
        // The runner's declared default is that table in that schema.
        String settings = Files.readString(REPO.resolve("runner/src/main/java/io/cdclr/runner/config/RunnerSettings.java"));
        assertTrue(settings.contains("DEFAULT_OFFSET_TABLE = \"cdc.cdc_runner_offsets\""), "RunnerSettings default");
        assertTrue(Files.readString(REPO.resolve("docs/configuration.md"))
                .contains("| `offset.storage.postgres.table` | string | `cdc.cdc_runner_offsets` |"), "configuration.md");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
