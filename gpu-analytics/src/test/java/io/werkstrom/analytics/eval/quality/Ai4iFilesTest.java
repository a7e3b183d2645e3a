package io.werkstrom.analytics.eval.quality;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.werkstrom.analytics.predict.ProcessRecord;

class Ai4iFilesTest {

    @TempDir
    Path dir;

    private Path write(String... lines) throws IOException {
        Path f = dir.resolve("ai4i2020_train.csv");
        Files.write(f, List.of(lines), StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void readsInputsAndLabelAfterAByteOrderMark() throws Exception {
        Path f = write("\uFEFF" + Fixtures.AI4I_HEADER,
                "1,M14860,M,298.1,308.6,1551,42.8,0,0,0,0,0,0,0",
                "",
                "2,L47181,L,298.2,308.7,1408,46.3,3,1,0,1,0,0,0");
        byte[] bytes = Files.readAllBytes(f);
        assertArrayEquals(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, java.util.Arrays.copyOf(bytes, 3));
        Ai4iFiles.Table table = Ai4iFiles.read(f);
        assertEquals(List.of(new ProcessRecord('M', 298.1, 308.6, 1551, 42.8, 0),
                new ProcessRecord('L', 298.2, 308.7, 1408, 46.3, 3)), table.records());
        assertArrayEquals(new boolean[] {false, true}, table.failed());
        assertEquals(1, table.failures());
    }

    @Test
    void findsColumnsByNameInAnyOrder() throws Exception {
        // The byte-order mark sits on a required column here.
        Path f = write("\uFEFFMachine failure,Type,Tool wear [min],Torque [Nm],Rotational speed [rpm],"
                + "Process temperature [K],Air temperature [K]", "1,H,5,40,1500,310,300");
        Ai4iFiles.Table table = Ai4iFiles.read(f);
        assertEquals(new ProcessRecord('H', 300, 310, 1500, 40, 5), table.records().get(0));
        assertArrayEquals(new boolean[] {true}, table.failed());
    }

    @Test
    void problemsAreReportedWithFileAndLine() throws Exception {
        String ok = "1,M14860,M,298.1,308.6,1551,42.8,0,0,0,0,0,0,0";
        assertProblem(write(Fixtures.AI4I_HEADER.replace(",Torque [Nm]", ""), ok),
                " line 1: missing column 'Torque [Nm]'; the header must name Type, Air temperature [K], "
                        + "Process temperature [K], Rotational speed [rpm], Torque [Nm], Tool wear [min], "
                        + "Machine failure");
        assertProblem(write(Fixtures.AI4I_HEADER, ok, "2,X1,X,298.1,308.6,1551,42.8,0,0,0,0,0,0,0"),
                " line 3: column 'Type' must be L, M or H, found 'X'");
        assertProblem(write(Fixtures.AI4I_HEADER, ok, "", "2,L1,L,298.1,308.6,fast,42.8,0,0,0,0,0,0,0"),
                " line 4: column 'Rotational speed [rpm]' is not a number: 'fast'");
        assertProblem(write(Fixtures.AI4I_HEADER, "2,L1,L,298.1,NaN,1551,42.8,0,0,0,0,0,0,0"),
                " line 2: column 'Process temperature [K]' is not a finite number: 'NaN'");
        assertProblem(write(Fixtures.AI4I_HEADER, "2,L1,L,298.1,308.6,1551,42.8,0,2,0,0,0,0,0"),
                " line 2: column 'Machine failure' must be 0 or 1, found '2'");
        assertProblem(write(Fixtures.AI4I_HEADER, "2,L1,L,298.1,308.6,1551"),
                " line 2: expected 14 comma-separated columns, found 6");
        assertProblem(write(Fixtures.AI4I_HEADER), ": holds a header but no data rows");
        assertProblem(write(), ": is empty; expected a header row");
    }

    @Test
    void aLabelWrittenAsAFloatIsReadAndOnlyExactZeroOrOneIsALabel() throws Exception {
        // pandas writes an integer column that once held a NaN as 0.0 and 1.0.
        Path f = write(Fixtures.AI4I_HEADER,
                "1,M14860,M,298.1,308.6,1551,42.8,0,0.0,0.0,0.0,0.0,0.0,0.0",
                "2,L47181,L,298.2,308.7,1408,46.3,3,1.0,0.0,1.0,0.0,0.0,0.0",
                "3,L47182,L,298.1,308.5,1498,49.4,5,1.00,0.0,0.0,0.0,0.0,0.0");
        assertArrayEquals(new boolean[] {false, true, true}, Ai4iFiles.read(f).failed());
        String ok = "1,M14860,M,298.1,308.6,1551,42.8,0,0.0,0,0,0,0,0";
        for (String label : List.of("0.5", "2", "2.0", "NaN", "1e0", "-1.0", "1.", "")) {
            assertProblem(write(Fixtures.AI4I_HEADER, ok, "2,L1,L,298.1,308.6,1551,42.8,0," + label + ",0,0,0,0,0"),
                    " line 3: column 'Machine failure' must be 0 or 1, found '" + label + "'");
        }
    }

    @Test
    void cellsInDoubleQuotesAreReadWithoutThem() throws Exception {
        Path f = write(Fixtures.AI4I_HEADER.replace("Type", "\"Type\"").replace("Machine failure", "\"Machine failure\""),
                "1,\"M14860\",\"M\",298.1,\"308.6\",1551,42.8,0,\"1\",0,0,0,0,0");
        Ai4iFiles.Table table = Ai4iFiles.read(f);
        assertEquals(List.of(new ProcessRecord('M', 298.1, 308.6, 1551, 42.8, 0)), table.records());
        assertArrayEquals(new boolean[] {true}, table.failed());
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("ai4i2020_test.csv");
        assertEquals(missing + ": file not found",
                assertThrows(DataFileException.class, () -> Ai4iFiles.read(missing)).getMessage());
    }

    private static void assertProblem(Path file, String expected) {
        assertEquals(file + expected, assertThrows(DataFileException.class, () -> Ai4iFiles.read(file)).getMessage());
    }
}
