package io.cdclr.connector.pgoutput;

/**
 * One column of a captured table as the catalog describes it.
 *
 * @param name         the column name
 * @param typeName     {@code format_type(atttypid, atttypmod)} in a session with an empty {@code search_path}: what
 *                     wal2json writes as {@code "type"} (user-defined types schema-qualified)
 * @param typeOid      the column's own type oid: wal2json picks the JSON form (number, boolean, hex string, string) by it
 * @param baseType     {@code typname} of the type after resolving domains: how Debezium represents the value
 * @param enumType     the base type is an enum
 * @param elementType  {@code typname} of the array element (after resolving domains), or null when not an array
 * @param generated    a generated column: pgoutput (PostgreSQL before 18) does not publish it, wal2json prints it
 */
record ColumnInfo(String name, String typeName, long typeOid, String baseType, boolean enumType, String elementType,
                  boolean generated) {

    ColumnInfo(String name, String typeName, long typeOid, String baseType, boolean enumType, String elementType) {
        this(name, typeName, typeOid, baseType, enumType, elementType, false);
    }

    static final long INT2 = 21;
    static final long INT4 = 23;
    static final long INT8 = 20;
    static final long OID = 26;
    static final long FLOAT4 = 700;
    static final long FLOAT8 = 701;
    static final long NUMERIC = 1700;
    static final long BOOL = 16;
    static final long BYTEA = 17;

    boolean isArray() {
        return elementType != null;
    }

    /** wal2json writes these as JSON numbers (NaN and infinities as null). */
    boolean isJsonNumber() {
        return typeOid == INT2 || typeOid == INT4 || typeOid == INT8 || typeOid == OID
                || typeOid == FLOAT4 || typeOid == FLOAT8 || typeOid == NUMERIC;
    }
}
