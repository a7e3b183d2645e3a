package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The models a scorer fitted, found again by the values of their training rows, and bounded. */
class FittedModelsTest {

    /** 40 rows of 3 sensors driven by one load; {@code seed} varies the noise. */
    private static double[][] rows(long seed) {
        Random random = new Random(seed);
        double[][] rows = new double[40][3];
        for (int r = 0; r < rows.length; r++) {
            double load = Math.sin(r / 5.0);
            for (int c = 0; c < 3; c++) {
                rows[r][c] = (c + 1) * load + 0.05 * random.nextGaussian();
            }
        }
        return rows;
    }

    @Test
    void aModelIsFoundByRowsOfEqualValuesAndNotByOthers() {
        FittedModels models = new FittedModels(MultivariateOptions.Method.PCA);
        FittedModel fitted = models.fit(rows(1));
        assertSame(fitted, models.find(rows(1)), "a copy of the rows, as a deserialised state holds");
        double[][] changed = rows(1);
        changed[39][2] = Math.nextUp(changed[39][2]);
        assertNull(models.find(changed), "one value differs in its last bit");
        assertNull(models.find(rows(2)));
    }

    @Test
    void theModelsUsedLastAreKeptUpToTheCapacity() {
        FittedModels models = new FittedModels(MultivariateOptions.Method.PCA);
        for (int i = 0; i < FittedModels.CAPACITY; i++) {
            models.fit(rows(i));
        }
        // Model 0 used again: model 1 is now the one used longest ago.
        assertNotNull(models.find(rows(0)));
        models.fit(rows(FittedModels.CAPACITY));
        assertEquals(FittedModels.CAPACITY, models.size());
        assertNotNull(models.find(rows(0)));
        assertNull(models.find(rows(1)), "dropped as the one used longest ago");
        assertNotNull(models.find(rows(FittedModels.CAPACITY)));
    }

    @Test
    void rowsWhoseHashCollidesWithAnotherWindowsFindOnlyTheirOwnModel() {
        // Two windows apart in the last bits of two values, chosen so that their hash codes are equal.
        double[][] one = rows(1);
        one[39][0] = 1.0;
        one[39][1] = Double.longBitsToDouble(Double.doubleToLongBits(2.0) + 31);
        double[][] other = rows(1);
        other[39][0] = Math.nextUp(1.0);
        other[39][1] = 2.0;
        assertEquals(Arrays.deepHashCode(one), Arrays.deepHashCode(other));

        FittedModels models = new FittedModels(MultivariateOptions.Method.PCA);
        FittedModel fitted = models.fit(one);
        assertNull(models.find(other));
        assertSame(fitted, models.find(one));
    }
}
