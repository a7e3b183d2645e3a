package io.werkstrom.gateway.collect.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import io.werkstrom.protocol.Quality;

import org.junit.jupiter.api.Test;

class ReplayTimelineTest {

    @Test
    void samplesAreOrderedByOffsetAndTiesKeepFileOrder() {
        ReplayTimeline.Builder builder = new ReplayTimeline.Builder();
        // Two engines of a C-MAPSS file: each in order, together not.
        for (int engine = 1; engine <= 2; engine++) {
            for (int cycle = 1; cycle <= 3; cycle++) {
                builder.add(cycle * 1_000_000L, "engine-" + engine, "s1", engine * 10 + cycle, Quality.GOOD);
                builder.add(cycle * 1_000_000L, "engine-" + engine, "s2", -(engine * 10 + cycle), Quality.GOOD);
            }
        }
        ReplayTimeline timeline = builder.build();
        assertArrayEquals(new double[] {11, -11, 21, -21, 12, -12, 22, -22, 13, -13, 23, -23}, timeline.values());
        assertEquals("engine-2", timeline.machines()[2]);
        assertEquals("s2", timeline.sensors()[3]);
    }

    @Test
    void aLargeShuffledTimelineSortsStably() {
        Random random = new Random(7);
        ReplayTimeline.Builder builder = new ReplayTimeline.Builder();
        int rows = 50_000;
        for (int i = 0; i < rows; i++) {
            builder.add(random.nextInt(1_000), "m", "s", i, Quality.GOOD);
        }
        ReplayTimeline timeline = builder.build();
        assertEquals(rows, timeline.size());
        for (int i = 1; i < rows; i++) {
            long previous = timeline.offsetsMicros()[i - 1];
            long current = timeline.offsetsMicros()[i];
            boolean ordered = previous < current
                    || (previous == current && timeline.values()[i - 1] < timeline.values()[i]);
            assertEquals(true, ordered, "row " + i);
        }
    }

    @Test
    void buildingHandsTheRowsOverAndLeavesTheBuilderEmpty() {
        ReplayTimeline.Builder builder = new ReplayTimeline.Builder();
        for (int i = 0; i < 1024; i++) {
            builder.add(i, "m", "s", i, Quality.GOOD);
        }
        builder.badRow();
        ReplayTimeline timeline = builder.build();
        assertEquals(0, builder.size());
        builder.add(5, "m2", "s2", -1, Quality.BAD);
        ReplayTimeline next = builder.build();
        assertEquals(1024, timeline.size());
        assertEquals(1, timeline.badRows());
        assertEquals(1023.0, timeline.values()[1023]);
        assertEquals(1, next.size());
        assertEquals(0, next.badRows());
        assertEquals("m2", next.machines()[0]);
    }

    @Test
    void samplesKeepTheirQualityWhenSorted() {
        ReplayTimeline.Builder builder = new ReplayTimeline.Builder();
        builder.add(2, "engine-1", "s1", Double.NaN, Quality.BAD);
        builder.add(1, "engine-2", "s1", 5, Quality.GOOD);
        builder.add(3, "engine-2", "s1", 6, Quality.UNCERTAIN);
        ReplayTimeline timeline = builder.build();
        assertArrayEquals(new long[] {1, 2, 3}, timeline.offsetsMicros());
        assertEquals(Quality.GOOD, timeline.quality(0));
        assertEquals(Quality.BAD, timeline.quality(1));
        assertEquals(Quality.UNCERTAIN, timeline.quality(2));
    }
}
