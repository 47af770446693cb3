package io.cdclr.connector.source;

import static io.cdclr.connector.source.PgTestSupport.dropTablesQuietly;
import static io.cdclr.connector.source.PgTestSupport.taskConfig;
import static io.cdclr.connector.source.PgTestSupport.uniqueSuffix;

import io.cdclr.testsupport.LocalServices;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/**
 * The setup the source task's integration tests share: slot and table names of the test's own (one suffix), a task
 * started on an in-memory offset store, and after each test the task stopped and the slots, tables and other objects
 * the test named dropped.
 */
abstract class SourceTaskFixture {
    protected final String suffix = uniqueSuffix();
    /** The task under test (stopped after the test). */
    protected Wal2JsonSourceTask task;
    private final List<String> slots = new ArrayList<>();
    private final List<String> tables = new ArrayList<>();
    private final List<String> dropStatements = new ArrayList<>();

    /** Slot {@code it_<name>_<suffix>}, dropped after the test. */
    protected final String slot(String name) {
        String slot = "it_" + name + "_" + suffix;
        slots.add(slot);
        return slot;
    }

    /** Table {@code public.<name>_<suffix>}, dropped after the test. */
    protected final String table(String name) {
        String table = "public." + name + "_" + suffix;
        tables.add(table);
        return table;
    }

    /** Statements run (best effort) after the test, once the slots and tables are gone. */
    protected final void dropAfterwards(String... statements) {
        dropStatements.addAll(List.of(statements));
    }

    /** The task configuration for {@code slot} with wal2json's add-tables. */
    protected static Map<String, String> config(String slot, String addTables) {
        Map<String, String> c = taskConfig(slot);
        c.put("wal2json.add-tables", addTables);
        return c;
    }

    /** A task started with the store's configuration, on that store. */
    protected static Wal2JsonSourceTask start(InMemoryOffsets offsets) {
        Wal2JsonSourceTask t = new Wal2JsonSourceTask();
        t.initialize(offsets);
        t.start(offsets.configs());
        return t;
    }

    /** A task started with this configuration, on an empty store. */
    protected static Wal2JsonSourceTask start(Map<String, String> config) {
        return start(new InMemoryOffsets(config));
    }

    @AfterEach
    void stopTaskAndDrop() {
        if (task != null) {
            task.stop();
        }
        slots.forEach(PgTestSupport::dropSlotQuietly);
        dropTablesQuietly(tables.toArray(String[]::new));
        for (String statement : dropStatements) {
            try {
                LocalServices.exec(statement);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
    }
}
