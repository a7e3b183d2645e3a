package io.werkstrom.analytics.kernel;

import java.util.ArrayList;
import java.util.List;

import org.apache.arrow.vector.FieldVector;

/**
 * The Arrow vectors a model's kernel columns own: each is registered as it is made, and
 * {@link #close()} closes every one made so far, so that a constructor failing halfway releases
 * what it allocated. Not thread-safe; owned and closed by one {@code Columns} object.
 */
public final class OwnedVectors implements AutoCloseable {

    private final List<FieldVector> vectors = new ArrayList<>();

    /** Registers {@code vector} to be closed with the others, and returns it. */
    public <V extends FieldVector> V add(V vector) {
        vectors.add(vector);
        return vector;
    }

    @Override
    public void close() {
        vectors.forEach(FieldVector::close);
        vectors.clear();
    }
}
