package io.cdclr.connector.snapshot;

/**
 * A table cannot be snapshotted as asked: it does not exist, is not an ordinary table, or has no primary key. The
 * message names the table ({@code schema.table}) and is meant to be shown to the operator as is (one line).
 */
public final class TableShapeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Why the table was refused. */
    public enum Reason {
        /** No relation of that name. */
        MISSING,
        /** A view, a partitioned parent, a foreign table... */
        NOT_A_TABLE,
        /** No primary key: keyset chunks need one. */
        NO_PRIMARY_KEY
    }

    private final Reason reason;
    private final String qualifiedTable;

    public TableShapeException(Reason reason, String qualifiedTable, String message) {
        super(message);
        this.reason = reason;
        this.qualifiedTable = qualifiedTable;
    }

    public Reason reason() {
        return reason;
    }

    /** {@code schema.table} as asked. */
    public String qualifiedTable() {
        return qualifiedTable;
    }
}
