package io.werkstrom.analytics.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each kernel call on whichever of two backends has been faster for calls of its kernel and
 * size: a device backend (TornadoVM) and the Java backend, which compute the same scores. This is
 * what {@code auto} selects where the device passes its self-test.
 *
 * <p>Which backend is faster depends on the kernel and on the batch. A GPU wins large batches of
 * the multivariate kernels and the trees by factors of 3 to 72 (an H200 against the Java backend's
 * 8 threads), but its copies and launch costs
 * make it slower for the memory-bound plain robust z-score and for small batches, such as the
 * Flink job's one kernel call per gateway batch (docs/gpu.md). So the route is kept per kernel and
 * size class, a class being the calls of {@code 2^(k-1) + 1} to {@code 2^k} rows, and learned from
 * the calls themselves, timed in nanoseconds per row:
 * <ul>
 *   <li>a class's first calls alternate between the backends. The first call of each is not timed
 *       (the device compiles a task graph for the class, the JIT warms up); after
 *       {@value #TRIAL_CALLS} timed calls of each, the one with the lower median takes the class;</li>
 *   <li>every call is timed, and now and then a call runs on the other backend (a recheck), so
 *       that a route follows a device that became busier (a GPU shared by several jobs) or free
 *       again. Rechecks come {@value #FIRST_RECHECK} calls after a route was set or changed, then
 *       twice as many calls apart each time the route holds, up to {@value #MAX_RECHECK_INTERVAL};
 *       but never so often that they could take more than {@value #RECHECK_SHARE_PERCENT}% of the
 *       class's time (with the other backend 50 times slower, at most one call in 2,500). A
 *       recheck faster than the route's cost is confirmed by another {@value #FIRST_RECHECK}
 *       calls later. Each backend's cost is the median of its last {@value #TRIAL_CALLS} timed
 *       calls in the class, so one slow call changes no route.</li>
 * </ul>
 * Each time a class's route is set or changes, it is logged with both costs; {@link #routes()}
 * reports them all. A call that a backend refuses (bad arguments, {@link IllegalArgumentException})
 * is not timed and its exception reaches the caller. A device call that fails in any other way (a
 * lost or reset GPU, a TornadoVM error) is run again on the Java backend, and from then on every
 * call goes to Java: the failure is logged once, with its stack trace, and {@link #deviceFailure()}
 * returns it.
 *
 * <p>Thread-safe: calls go to the backends concurrently, as they would without the router; only
 * the bookkeeping of a class is locked. Owns both backends and closes them.
 */
public final class RoutedKernelBackend implements KernelBackend {

    /** Timed calls of each backend before a class's route is chosen; also how many a cost is the median of. */
    static final int TRIAL_CALLS = 3;
    /** Calls of a class after its route was set or changed until one runs on the other backend. */
    static final int FIRST_RECHECK = 4;
    /** The most calls between two rechecks, unless the other backend is much slower; the interval doubles up to it. */
    static final int MAX_RECHECK_INTERVAL = 256;
    /** The largest share of a class's time that its rechecks may take, in percent. */
    static final int RECHECK_SHARE_PERCENT = 2;

    private static final int SIZE_CLASSES = 32;
    private static final Logger LOG = LoggerFactory.getLogger(RoutedKernelBackend.class);

    /** The kernels, by the names the analytics bench uses. */
    enum Kernel {
        ROBUST_Z("robust-z"), ROBUST_Z_MODES("robust-z-modes"), PCA_T2_SPE("pca-t2-spe"), MSET("mset"),
        TREE_MARGINS("gbt-predict");

        final String label;

        Kernel(String label) {
            this.label = label;
        }
    }

    /**
     * The route of one kernel's calls of {@code minRows} to {@code maxRows} rows.
     *
     * @param kernel            the kernel, as the analytics bench names it
     * @param backend           the backend's name, or {@code trial} while both are still being timed
     * @param deviceNanosPerRow the device backend's cost, NaN before it was timed
     * @param javaNanosPerRow   the Java backend's cost, NaN before it was timed
     * @param calls             calls of this class so far
     */
    public record Route(String kernel, long minRows, long maxRows, String backend, double deviceNanosPerRow,
                        double javaNanosPerRow, long calls) {
    }

    private final KernelBackend device;
    private final KernelBackend java;
    private final LongSupplier nanoClock;
    private final SizeClass[][] classes = new SizeClass[Kernel.values().length][SIZE_CLASSES];
    private volatile Throwable deviceFailure;
    private volatile boolean closed;

    /** Routes between {@code device} and {@code java}, timed with {@link System#nanoTime()}. */
    public RoutedKernelBackend(KernelBackend device, KernelBackend java) {
        this(device, java, System::nanoTime);
    }

    RoutedKernelBackend(KernelBackend device, KernelBackend java, LongSupplier nanoClock) {
        this.device = Objects.requireNonNull(device, "device must not be null.");
        this.java = Objects.requireNonNull(java, "java must not be null.");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock must not be null.");
        for (Kernel kernel : Kernel.values()) {
            for (int k = 0; k < SIZE_CLASSES; k++) {
                classes[kernel.ordinal()][k] = new SizeClass(kernel, k);
            }
        }
    }

    /** The device backend's name and the Java backend's, e.g. {@code tornadovm+java}. */
    @Override
    public String name() {
        return device.name() + "+" + java.name();
    }

    /** The failure that took the device out of the routes, if a device call failed. */
    public Optional<Throwable> deviceFailure() {
        return Optional.ofNullable(deviceFailure);
    }

    /** Every size class that had a call, by kernel and size. */
    public List<Route> routes() {
        List<Route> routes = new ArrayList<>();
        for (SizeClass[] kernel : classes) {
            for (SizeClass sizeClass : kernel) {
                sizeClass.report().ifPresent(routes::add);
            }
        }
        return routes;
    }

    @Override
    public void robustZ(Float8Vector values, IntVector seriesIndex, Float8Vector center, Float8Vector scale,
                        Float8Vector out) {
        run(Kernel.ROBUST_Z, values.getValueCount(), b -> b.robustZ(values, seriesIndex, center, scale, out));
    }

    @Override
    public void robustZModes(Float8Vector values, IntVector seriesIndex, Float8Vector lower, Float8Vector upper,
                             Float8Vector scale, IntVector modeCount, Float8Vector out) {
        run(Kernel.ROBUST_Z_MODES, values.getValueCount(),
                b -> b.robustZModes(values, seriesIndex, lower, upper, scale, modeCount, out));
    }

    @Override
    public void pcaT2Spe(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean, Float8Vector scale,
                         Float8Vector loadings, Float8Vector eigenvalues, IntVector componentCount, Float8Vector t2,
                         Float8Vector spe) {
        run(Kernel.PCA_T2_SPE, rowsOf(rows, dims),
                b -> b.pcaT2Spe(rows, dims, modelIndex, mean, scale, loadings, eigenvalues, componentCount, t2, spe));
    }

    @Override
    public void msetResiduals(Float8Vector rows, int dims, IntVector modelIndex, Float8Vector mean,
                              Float8Vector scale, Float8Vector memory, IntVector memoryCount, Float8Vector inverse,
                              Float8Vector bandwidth, Float8Vector out) {
        run(Kernel.MSET, rowsOf(rows, dims), b -> b.msetResiduals(rows, dims, modelIndex, mean, scale, memory,
                memoryCount, inverse, bandwidth, out));
    }

    @Override
    public void treeMargins(Float8Vector features, int featureCount, IntVector treeRoots, IntVector nodeFeature,
                            Float8Vector nodeThreshold, IntVector nodeLeft, IntVector nodeRight,
                            Float8Vector nodeValue, double baseScore, Float8Vector out) {
        run(Kernel.TREE_MARGINS, rowsOf(features, featureCount), b -> b.treeMargins(features, featureCount,
                treeRoots, nodeFeature, nodeThreshold, nodeLeft, nodeRight, nodeValue, baseScore, out));
    }

    /** Closes the device backend, then the Java backend, even if the first fails. */
    @Override
    public void close() {
        closed = true;
        try {
            device.close();
        } finally {
            java.close();
        }
    }

    @Override
    public String toString() {
        return "RoutedKernelBackend[device=" + device + ", java=" + java + "]";
    }

    /** One kernel call on the backend it is given. */
    private interface Call {
        void on(KernelBackend backend);
    }

    private void run(Kernel kernel, int rows, Call call) {
        if (closed) {
            throw new IllegalStateException("kernel backend '" + name() + "' is closed.");
        }
        if (rows <= 0) {
            // Nothing to time: an empty batch, or a shape the backend refuses.
            call.on(java);
            return;
        }
        if (deviceFailure != null) {
            call.on(java);
            return;
        }
        SizeClass sizeClass = classes[kernel.ordinal()][sizeClass(rows)];
        Turn turn = sizeClass.next();
        long start = nanoClock.getAsLong();
        if (turn.onDevice) {
            try {
                call.on(device);
            } catch (IllegalArgumentException refused) {
                throw refused;
            } catch (RuntimeException | LinkageError | AssertionError failure) {
                failed(kernel, failure);
                call.on(java);
                return;
            }
        } else {
            call.on(java);
        }
        long nanos = nanoClock.getAsLong() - start;
        if (turn.timed) {
            sizeClass.record(turn, (double) nanos / rows);
        }
    }

    /** Takes the device out of the routes after {@code failure}; logs only the first. */
    private synchronized void failed(Kernel kernel, Throwable failure) {
        if (deviceFailure == null) {
            deviceFailure = failure;
            LOG.warn("Kernel routing: a {} call failed on {}; it ran again on {}, and every call runs there from now on",
                    kernel.label, device.name(), java.name(), failure);
        }
    }

    /** The size class of a call of {@code rows} rows: {@code k} for {@code 2^(k-1) < rows <= 2^k}. */
    static int sizeClass(int rows) {
        return rows <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(rows - 1);
    }

    private static int rowsOf(Float8Vector rows, int width) {
        return width < 1 ? 0 : rows.getValueCount() / width;
    }

    /** Where one call goes, whether it is timed, and whether it rechecks the backend not routed to. */
    private record Turn(boolean onDevice, boolean timed, boolean recheck) {
    }

    /** The costs and route of one kernel's calls of one size class. */
    private final class SizeClass {
        private final Kernel kernel;
        private final int k;
        private final Costs onDevice = new Costs();
        private final Costs onJava = new Costs();
        private long calls;
        /** The route last logged: null before the trial ended. */
        private Boolean routedToDevice;
        private long recheckInterval;
        /** The call that set or changed the route or ran the last recheck. */
        private long lastRecheck;
        /** Whether the last recheck beat the route, so that the next one comes soon. */
        private boolean confirm;

        SizeClass(Kernel kernel, int k) {
            this.kernel = kernel;
            this.k = k;
        }

        synchronized Turn next() {
            calls++;
            boolean device;
            if (onDevice.started <= TRIAL_CALLS || onJava.started <= TRIAL_CALLS) {
                device = onDevice.started <= onJava.started;
            } else if (routedToDevice != null && calls - lastRecheck >= recheckGap()) {
                device = !routedToDevice;
                if (!confirm) {
                    recheckInterval = Math.min(2 * recheckInterval, MAX_RECHECK_INTERVAL);
                }
                confirm = false;
                lastRecheck = calls;
                Costs costs = device ? onDevice : onJava;
                costs.started++;
                return new Turn(device, true, true);
            } else {
                device = fasterOnDevice();
            }
            Costs costs = device ? onDevice : onJava;
            costs.started++;
            return new Turn(device, costs.started > 1, false);
        }

        /** Calls from the last recheck to the next: the interval, and enough to keep rechecks within their share of the time. */
        private long recheckGap() {
            if (confirm) {
                return FIRST_RECHECK;
            }
            double slower = routedToDevice ? onJava.median() / onDevice.median() : onDevice.median() / onJava.median();
            double share = 100.0 / RECHECK_SHARE_PERCENT * Math.min(slower, 1e12);
            return Math.max(recheckInterval, (long) Math.ceil(share));
        }

        synchronized void record(Turn turn, double nanosPerRow) {
            Costs costs = turn.onDevice ? onDevice : onJava;
            costs.add(nanosPerRow);
            if (onDevice.count < TRIAL_CALLS || onJava.count < TRIAL_CALLS) {
                return;
            }
            if (turn.recheck && routedToDevice != null) {
                Costs routed = routedToDevice ? onDevice : onJava;
                confirm = nanosPerRow < routed.median();
            }
            boolean toDevice = fasterOnDevice();
            if (routedToDevice == null || routedToDevice != toDevice) {
                routedToDevice = toDevice;
                recheckInterval = FIRST_RECHECK;
                lastRecheck = calls;
                confirm = false;
                KernelBackend chosen = toDevice ? RoutedKernelBackend.this.device : java;
                KernelBackend other = toDevice ? java : RoutedKernelBackend.this.device;
                LOG.info("Kernel routing: {} calls of {} run on {} ({} ns a row there, {} on {})", kernel.label,
                        k == 0 ? "1 row" : minRows() + " to " + maxRows() + " rows", chosen.name(),
                        format(toDevice ? onDevice : onJava), format(toDevice ? onJava : onDevice), other.name());
            }
        }

        synchronized Optional<Route> report() {
            if (calls == 0) {
                return Optional.empty();
            }
            String backend = deviceFailure != null ? java.name() : routedToDevice == null ? "trial"
                    : (routedToDevice ? RoutedKernelBackend.this.device : java).name();
            return Optional.of(new Route(kernel.label, minRows(), maxRows(), backend, onDevice.median(),
                    onJava.median(), calls));
        }

        private boolean fasterOnDevice() {
            return onDevice.median() < onJava.median();
        }

        private long minRows() {
            return k == 0 ? 1 : (1L << (k - 1)) + 1;
        }

        private long maxRows() {
            return 1L << k;
        }

        private String format(Costs costs) {
            return String.format(Locale.ROOT, "%.3g", costs.median());
        }
    }

    /** One backend's calls of a size class: how many began, and the costs of the last timed ones. */
    private static final class Costs {
        private final double[] last = new double[TRIAL_CALLS];
        private int count;
        private int next;
        private long started;

        void add(double nanosPerRow) {
            last[next] = nanosPerRow;
            next = (next + 1) % last.length;
            count = Math.min(count + 1, last.length);
        }

        /** The median of the last timed costs, NaN before the first. */
        double median() {
            if (count == 0) {
                return Double.NaN;
            }
            double[] sorted = Arrays.copyOf(last, count);
            Arrays.sort(sorted);
            return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
        }
    }
}
