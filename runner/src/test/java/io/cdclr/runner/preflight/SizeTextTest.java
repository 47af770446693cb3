package io.cdclr.runner.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class SizeTextTest {
    /** The values PostgreSQL 15's pg_size_pretty(bigint) gives for these sizes. */
    @Test
    void writesSizesAsPgSizePretty() {
        String[][] cases = {{"0", "0 bytes"}, {"10239", "10239 bytes"}, {"10240", "10 kB"}, {"10751", "10 kB"},
                {"10752", "11 kB"}, {"20971007", "20 MB"}, {"20971008", "20 MB"}, {"123456789", "118 MB"},
                {"21474836480", "20 GB"}, {"1099511627776000", "1000 TB"}, {"-10240", "-10 kB"},
                {"-123456789", "-118 MB"}, {"9223372036854775807", "8192 PB"}};
        for (String[] c : cases) {
            assertEquals(c[1], SizeText.pretty(Long.parseLong(c[0])), c[0]);
        }
        assertNull(SizeText.pretty(null));
    }
}
