package io.werkstrom.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The compact layout: bit-exact round trips of arbitrary batches, and what its decoder refuses. */
class CompactLayoutTest {

    private BufferAllocator allocator;
    private BatchCodec codec;

    @BeforeEach
    void open() {
        allocator = new RootAllocator();
        codec = new BatchCodec(allocator);
    }

    @AfterEach
    void close() {
        allocator.close(); // fails the test on a leaked buffer
    }

    /** Decoding must give back every bit: Arrays.equals on doubles would let NaN payloads and -0.0 slip. */
    private void assertBitExactRoundTrip(TelemetryBatch batch) throws BatchDecodeException {
        TelemetryBatch expected = batch.groupedBySeries();
        TelemetryBatch decoded = codec.decode(codec.encode(batch));
        assertEquals(expected.gateway(), decoded.gateway());
        assertEquals(expected.sequence(), decoded.sequence());
        assertArrayEquals(expected.timestampsMicros(), decoded.timestampsMicros());
        assertArrayEquals(expected.machines(), decoded.machines());
        assertArrayEquals(expected.sensors(), decoded.sensors());
        assertArrayEquals(expected.qualities(), decoded.qualities());
        long[] expectedBits = Arrays.stream(expected.values()).mapToLong(Double::doubleToRawLongBits).toArray();
        long[] decodedBits = Arrays.stream(decoded.values()).mapToLong(Double::doubleToRawLongBits).toArray();
        assertArrayEquals(expectedBits, decodedBits);
    }

    /** A value of one of several kinds: decimal at a random resolution, arbitrary bits, extremes. */
    private static double value(SplittableRandom random, int kind) {
        switch (kind) {
            case 0: { // a sensor at 10^-d resolution
                int d = random.nextInt(7);
                double p = Math.pow(10, d);
                return Math.round(random.nextGaussian() * 1000 * p) / p;
            }
            case 1: { // any finite double, sign and exponent included
                double v;
                do {
                    v = Double.longBitsToDouble(random.nextLong());
                } while (!Double.isFinite(v));
                return v;
            }
            case 2:
                return new double[] {-0.0, 0.0, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, Double.MIN_NORMAL,
                        1e300, -1e-300, 0.1 + 0.2, 9_007_199_254_740_993.0, 4.35}[random.nextInt(11)];
            default: // a plain double with no short decimal form
                return random.nextDouble() * 100;
        }
    }

    @Test
    void randomBatchesRoundTripBitExact() throws Exception {
        SplittableRandom random = new SplittableRandom(20261128L);
        for (int trial = 0; trial < 300; trial++) {
            int machines = 1 + random.nextInt(trial % 10 == 0 ? 300 : 5);
            int sensors = 1 + random.nextInt(8);
            int rows = 1 + random.nextInt(trial % 7 == 0 ? 5_000 : 200);
            int kind = random.nextInt(4);
            boolean mixedKinds = random.nextBoolean();
            long t0 = random.nextBoolean() ? 1_767_600_000_000_000L : random.nextLong();
            long step = random.nextBoolean() ? 100_000 : 1 + random.nextInt(1_000_000);
            TelemetryBatch.Builder b = TelemetryBatch.builder("gw-" + trial, random.nextLong(Long.MAX_VALUE));
            for (int i = 0; i < rows; i++) {
                long ts = random.nextInt(10) == 0 ? random.nextLong() : t0 + (i / (machines * sensors)) * step;
                b.add(ts, "m-" + random.nextInt(machines), "s-" + random.nextInt(sensors),
                        value(random, mixedKinds ? random.nextInt(4) : kind), Quality.ofCode(random.nextInt(3)));
            }
            assertBitExactRoundTrip(b.build());
        }
    }

    @Test
    void singleSamplesAndNonFiniteValuesRoundTripBitExact() throws Exception {
        double[] specials = {-0.0, 0.0, Double.NaN, Double.longBitsToDouble(0x7ff8_0000_dead_beefL),
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MAX_VALUE, 1e-310};
        for (double v : specials) {
            assertBitExactRoundTrip(TelemetryBatch.builder("gw", 0).add(Long.MIN_VALUE, "m", "s", v, Quality.BAD).build());
        }
        assertBitExactRoundTrip(TelemetryBatch.builder("gw", Long.MAX_VALUE).add(Long.MAX_VALUE, "", "", 1.5, Quality.GOOD)
                .add(Long.MIN_VALUE, "", "", -0.0, Quality.GOOD).build());
    }

    @Test
    void seriesAtAFiniteResolutionTravelAsScaledIntegersAndOthersAsRawBits() {
        TelemetryBatch.Builder b = TelemetryBatch.builder("gw", 1);
        for (int i = 0; i < 10; i++) {
            b.add(1_000_000L + i * 100_000L, "m", "temperature_c", 20.0 + i * 0.01, Quality.GOOD);
            b.add(1_000_000L + i * 100_000L, "m", "raw", 0.1 * i + 0.2, Quality.GOOD);
            b.add(1_000_000L + i * 100_000L, "m", "signed_zero", i == 5 ? -0.0 : 0.0, Quality.GOOD);
        }
        CompactLayout.Columns c = CompactLayout.columns(b.build());
        assertEquals(2, c.scale[0], "0.01 °C steps need two digits");
        assertEquals(CompactLayout.RAW, c.scale[10], "0.1 * i + 0.2 has no short decimal form for every i");
        assertEquals(CompactLayout.RAW, c.scale[20], "-0.0 is not k / 10^d");
        assertEquals(100_000, c.timeStep);
        assertEquals(8, CompactLayout.width(c.time), "periodic timestamps fit a byte once the period is divided out");
        assertEquals(2000, c.value[0]);
        assertEquals(1, c.value[1]);
    }

    @Test
    void aSeriesWhoseLargeValueIsNotExactAtTheDigitsOfItsSmallOneTravelsAsRawBits() throws Exception {
        // 1e12 is exact with no digit, 1e-9 needs nine; 1e12 scaled by 10^9 is past 2^53, where doubles
        // are no longer integers exactly.
        TelemetryBatch batch = TelemetryBatch.builder("gw", 1).add(1_000_000L, "m", "energy", 1e12, Quality.GOOD)
                .add(1_100_000L, "m", "energy", 1e-9, Quality.GOOD).build();
        assertBitExactRoundTrip(batch);
        assertEquals(CompactLayout.RAW, CompactLayout.columns(batch).scale[0]);
    }

    @Test
    void theSimulatorShapedBatchIsFarSmallerThanThePlainLayout() {
        TelemetryBatch.Builder b = TelemetryBatch.builder("gw-01", 7);
        SplittableRandom random = new SplittableRandom(3);
        for (int tick = 0; tick < 10; tick++) {
            for (int m = 0; m < 4; m++) {
                for (int s = 0; s < 6; s++) {
                    b.add(1_767_600_000_000_000L + tick * 100_000L, "m-00" + m, "sensor_" + s,
                            Math.round((40 + 10 * s + random.nextGaussian()) * 100) / 100.0, Quality.GOOD);
                }
            }
        }
        TelemetryBatch batch = b.build();
        int compact = codec.encode(batch).length;
        int plain = codec.encodePlain(batch).length;
        assertTrue(compact * 5 < plain, "compact " + compact + " bytes vs plain " + plain);
    }

    @Test
    void aFrameIsItsStreamCompressedWithTheDictionaryAtTheLevelForItsSize() {
        // One batch under the small-stream threshold, one far over it (written to a larger buffer).
        for (int ticks : new int[] {1, 5_000}) {
            TelemetryBatch.Builder b = TelemetryBatch.builder("gw-01", ticks);
            SplittableRandom random = new SplittableRandom(ticks);
            for (int tick = 0; tick < ticks; tick++) {
                for (int s = 0; s < 24; s++) {
                    b.add(1_767_600_000_000_000L + tick * 1_000_000L, "engine-" + (tick % 100), "s" + s,
                            Math.round((500 + 40 * s + random.nextGaussian()) * 100) / 100.0, Quality.GOOD);
                }
            }
            TelemetryBatch batch = b.build();
            byte[] stream = CompactLayout.encodeStream(batch, allocator);
            int level = stream.length <= WireFrame.SMALL_STREAM_BYTES ? WireFrame.SMALL_LEVEL : WireFrame.LARGE_LEVEL;
            byte[] expected = com.github.luben.zstd.Zstd.compress(stream,
                    new com.github.luben.zstd.ZstdDictCompress(WireFrame.dictionary(), level));
            assertArrayEquals(expected, codec.encode(batch), ticks + " ticks");
        }
    }

    @Test
    void theDictionaryIsPinned() throws Exception {
        // Changing these bytes breaks every deployed decoder: a new dictionary needs a new layout.
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(WireFrame.dictionary());
        assertEquals("95dbf8ab5b275ad13a7673a17c4ceb3c77091614fb56b1c9fa8a2a3868266237", HexFormat.of().formatHex(hash));
    }

    // --- what the decoder refuses ---------------------------------------------------------------

    private static TelemetryBatch twoSeries() {
        return TelemetryBatch.builder("gw", 3)
                .add(1_000_000L, "m1", "s1", 1.25, Quality.GOOD).add(1_100_000L, "m1", "s1", 1.5, Quality.GOOD)
                .add(1_000_000L, "m2", "s1", 7.0, Quality.GOOD).add(1_100_000L, "m2", "s1", 0.1 + 0.2, Quality.GOOD)
                .build();
    }

    private String rejection(Consumer<CompactLayout.Columns> tamper) {
        CompactLayout.Columns c = CompactLayout.columns(twoSeries());
        tamper.accept(c);
        byte[] payload = WireFrame.compress(CompactLayout.stream("gw", 3, c, allocator));
        return assertThrows(BatchDecodeException.class, () -> codec.decode(payload)).getMessage();
    }

    @Test
    void refusesIndexesScalesAndStepsOutsideTheBatch() {
        assertTrue(rejection(c -> c.machine[1] = 2).contains("machine 2 of 2"));
        assertTrue(rejection(c -> c.sensor[0] = -1).contains("sensor -1"));
        assertTrue(rejection(c -> c.sensor[0] = 1).contains("sensor 1 of 1"));
        assertTrue(rejection(c -> c.scale[0] = CompactLayout.MAX_DIGITS + 1).contains("scale"));
        assertTrue(rejection(c -> c.scale[1] = 3).contains("changes the scale within a series"));
        assertTrue(rejection(c -> c.timeStep = 0).contains(CompactLayout.META_TIME_STEP));
        assertTrue(rejection(c -> c.machineNames.addAll(java.util.List.of("x", "y", "z"))).contains("names"));
    }

    @Test
    void refusesFramesThatLieAboutTheirSizeOrCarryTrailingBytes() throws Exception {
        byte[] good = codec.encode(twoSeries());
        byte[] trailing = Arrays.copyOf(good, good.length + 3);
        assertTrue(assertThrows(BatchDecodeException.class, () -> codec.decode(trailing)).getMessage().contains("after"));
        BatchCodec strict = new BatchCodec(allocator, new DecodeLimits(1 << 20, 100, 64));
        assertTrue(assertThrows(BatchDecodeException.class, () -> strict.decode(good)).getMessage().contains("declares"));
        // A frame without a declared size could inflate to anything: refused before decompressing.
        byte[] stream = CompactLayout.encodeStream(twoSeries(), allocator);
        try (com.github.luben.zstd.ZstdCompressCtx ctx = new com.github.luben.zstd.ZstdCompressCtx()) {
            ctx.setContentSize(false);
            ctx.loadDict(WireFrame.dictionary());
            byte[] undeclared = ctx.compress(stream);
            assertTrue(assertThrows(BatchDecodeException.class, () -> codec.decode(undeclared)).getMessage()
                    .contains("does not declare"));
        }
        // A declared size one byte larger than the content: refused, whichever check sees it first.
        byte[] lying = good.clone();
        int descriptor = lying[4] & 0xFF;
        boolean singleSegment = (descriptor & 0x20) != 0;
        int dictIdBytes = new int[] {0, 1, 2, 4}[descriptor & 0x03];
        int sizeAt = 5 + (singleSegment ? 0 : 1) + dictIdBytes;
        assertTrue((descriptor >> 6) != 0 || singleSegment, "the encoder declares the size");
        lying[sizeAt]++;
        assertTrue(assertThrows(BatchDecodeException.class, () -> codec.decode(lying)).getMessage().contains("ZSTD frame"));
        assertEquals(twoSeries().groupedBySeries(), codec.decode(good));
    }

    @Test
    void namesWithACommaFallBackToThePlainLayout() throws Exception {
        // The compact layout lists names comma-separated: any comma, the first character's too, would split a name.
        String[][] odd = {{"a,b", "s"}, {",a", "s"}, {"m", "s,t"}, {"m", ",s"}};
        for (String[] names : odd) {
            TelemetryBatch batch = TelemetryBatch.builder("gw", 1).add(1L, "m", "s", 2.0, Quality.GOOD)
                    .add(1L, names[0], names[1], 1.0, Quality.GOOD).build();
            byte[] payload = codec.encode(batch);
            assertTrue(!WireFrame.isFrame(payload), Arrays.toString(names));
            assertEquals(batch, codec.decode(payload));
        }
    }

    @Test
    void aSeriesAtNineDecimalDigitsTravelsScaledAndRoundTripsBitExact() throws Exception {
        TelemetryBatch batch = TelemetryBatch.builder("gw", 1).add(1_000_000L, "m", "s", 0.123456789, Quality.GOOD)
                .add(1_100_000L, "m", "s", 0.123456788, Quality.GOOD).build();
        assertEquals(CompactLayout.MAX_DIGITS, CompactLayout.columns(batch).scale[0]);
        assertBitExactRoundTrip(batch);
    }

    @Test
    void anIntegerColumnTakesTheNarrowestWidthThatHoldsBothItsEnds() {
        assertEquals(8, CompactLayout.width(new long[] {Byte.MIN_VALUE, Byte.MAX_VALUE}));
        assertEquals(16, CompactLayout.width(new long[] {Byte.MIN_VALUE - 1}));
        assertEquals(16, CompactLayout.width(new long[] {Byte.MAX_VALUE + 1}));
        assertEquals(16, CompactLayout.width(new long[] {Short.MIN_VALUE, Short.MAX_VALUE}));
        assertEquals(32, CompactLayout.width(new long[] {Short.MIN_VALUE - 1}));
        assertEquals(32, CompactLayout.width(new long[] {Short.MAX_VALUE + 1}));
        assertEquals(32, CompactLayout.width(new long[] {Integer.MIN_VALUE, Integer.MAX_VALUE}));
        assertEquals(64, CompactLayout.width(new long[] {Integer.MIN_VALUE - 1L}));
        assertEquals(64, CompactLayout.width(new long[] {Integer.MAX_VALUE + 1L}));
    }

    @Test
    void timestampsTravelAsStepsFromTheEarliestOfTheBatch() throws Exception {
        TelemetryBatch batch = TelemetryBatch.builder("gw", 1)
                .add(1_767_600_000_200_000L, "m", "s", 1.0, Quality.GOOD)
                .add(1_767_600_000_100_000L, "m", "t", 2.0, Quality.GOOD)
                .add(1_767_600_000_300_000L, "m", "s", 3.0, Quality.GOOD).build();
        CompactLayout.Columns c = CompactLayout.columns(batch);
        assertEquals(1_767_600_000_100_000L, c.timeBase);
        assertArrayEquals(new long[] {1, 1, 0}, c.time, "s: 200 ms and 100 ms after it, t: at the base, in 100 ms steps");
        assertBitExactRoundTrip(batch);
    }

    @Test
    void aStreamOfExactlyTheSmallSizeIsCompressedAtTheSmallLevelAndOneByteMoreAtTheLargeOne() {
        byte[] text = new byte[WireFrame.SMALL_STREAM_BYTES + 1];
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) ('a' + random.nextInt(random.nextInt(4) == 0 ? 26 : 4));
        }
        byte[] small = Arrays.copyOf(text, WireFrame.SMALL_STREAM_BYTES);
        assertArrayEquals(com.github.luben.zstd.Zstd.compress(small,
                new com.github.luben.zstd.ZstdDictCompress(WireFrame.dictionary(), WireFrame.SMALL_LEVEL)), WireFrame.compress(small));
        assertArrayEquals(com.github.luben.zstd.Zstd.compress(text,
                new com.github.luben.zstd.ZstdDictCompress(WireFrame.dictionary(), WireFrame.LARGE_LEVEL)), WireFrame.compress(text));
    }

    @Test
    void bytesAfterTheFrameAreRefusedSayingHowMany() {
        byte[] good = codec.encode(twoSeries());
        byte[] trailing = Arrays.copyOf(good, good.length + 3);
        assertEquals("payload has 3 bytes after the ZSTD frame",
                assertThrows(BatchDecodeException.class, () -> codec.decode(trailing)).getMessage());
    }
}
