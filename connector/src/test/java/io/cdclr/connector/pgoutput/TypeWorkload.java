package io.cdclr.connector.pgoutput;

import java.util.List;

/** Tables with every type wal2json renders, and rows with edge values (shared by the pgoutput integration tests). */
public final class TypeWorkload {
    private TypeWorkload() {
    }

    public static List<String> ddl(String s) {
        return List.of(
                "CREATE TYPE " + s + ".mood AS ENUM ('sad', 'ok', 'happy')",
                "CREATE DOMAIN " + s + ".posint AS integer CHECK (VALUE > 0)",
                "CREATE TABLE " + s + ".kitchen(id int primary key, b bool, i2 smallint, i8 bigint, n numeric(10,3), f float8, r real,"
                        + " t text, vc varchar(20), ch char(3), by bytea, d date, ts timestamp, tstz timestamptz, tm time, iv interval,"
                        + " u uuid, j json, jb jsonb, arr int[], tarr text[], e text, big text)",
                "CREATE TABLE " + s + ".more_types(id bigint primary key, nn numeric, m money, mood " + s + ".mood, dom " + s + ".posint,"
                        + " o oid, ip inet, x xml, ts3 timestamp(3), tm3 time(3), barr bool[], narr numeric[], uarr uuid[],"
                        + " dtarr date[], f8 float8, f4 real, \"Mixed Case\" text, vc varchar, ch1 char)");
    }

    public static List<String> inserts(String s) {
        return List.of(
                "INSERT INTO " + s + ".kitchen VALUES (1,true,1,9223372036854775807,12345.678,'NaN','Infinity','he said \"hi\"\\n','ünïcode','ab',"
                        + "'\\xdeadbeef','2026-02-12','2026-02-12 10:11:12.123456','2026-02-12 10:11:12+00','23:59:59','1 day 02:00:00',"
                        + "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11','{\"a\":1}','{\"b\": [1,2]}','{1,2,NULL}','{\"x,y\",\"z\"}',NULL, repeat('x', 3000))",
                "INSERT INTO " + s + ".kitchen VALUES (3,false,-32768,-9223372036854775808,-0.001,'-Infinity','-Infinity',"
                        + "E'tab\\there\\u0001ctl \\\\ back', '', 'a', '\\x', '2000-02-29', '1999-12-31 23:59:59.5', '2026-02-12 10:11:12.5+05:30',"
                        + " '00:00:00.000001', '-1 year -2 mons +3 days -04:05:06.789', '00000000-0000-0000-0000-000000000000', '[1, 2 ,3]',"
                        + " '{\"z\":1,\"a\":[true,null]}', '{}', '{\"\",NULL,\"NULL\",\"a b\",\"q\\\"uote\",\"back\\\\slash\",\"{x}\"}', 'e', NULL)",
                "INSERT INTO " + s + ".kitchen(id, f, r, n, i2, i8) VALUES (4, 1.1, 3.14, 0, 32767, 0), (5, 1e20, 1e-5, 99999.999, 0, 1),"
                        + " (6, 0.1::float8 + 0.2::float8, 1e6, 5, 0, -1), (7, 1e-5, 123456, 5, 0, -1), (8, '-0', 100000, 5, 0, -1),"
                        + " (9, 123456789012345678, 0.3, 5, 0, -1), (10, 5e-324, 1.17549435e-38, 5, 0, -1), (11, 1.7976931348623157e308, 3.4028235e38, 5, 0, -1)",
                "INSERT INTO " + s + ".more_types VALUES (1, 123456789012345678901234567890.123456789, 1000.5, 'happy', 7, 4294967295, '192.168.0.1/24',"
                        + " '<a>x</a>', '2026-02-12 10:11:12.123', '10:11:12.5', '{t,f,NULL}', '{1.50,-2,NULL}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',"
                        + " '{2026-02-12,NULL}', 2.5, 2.5, 'mixed', 'unbounded varchar', 'c')",
                "INSERT INTO " + s + ".more_types(id, nn, m, mood) VALUES (2, 'NaN', -2, 'sad'), (3, 0.000, 0, NULL), (-9223372036854775808, -1e-10, 92233720368547758.07, 'ok')");
    }
}
