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
 *   <li>a class's first calls alternate between the backends, the device first. The first call
 *       of each is not timed (the device compiles a task graph for the class, the JIT warms up),
 *       and while it runs, the class's other calls go to the other backend, so that no timed call
 *       waits behind a compile. Once each backend has {@value #TRIAL_CALLS} timed calls, the one
 *       with the lower median takes the class;</li>
 *   <li>every call is timed, and now and then one runs on the other backend (a recheck), so that
 *       a route follows a device that became busier (a GPU shared by several jobs) or free again.
 *       A recheck comes once the route has served, since the last one, 50 times as many calls as
 *       the other backend is slower: rechecks take at most {@value #RECHECK_SHARE_PERCENT}% of the
 *       class's time while the other is up to 1,000 times slower (every 50th call where the two
 *       cost the same, every 2,500th where the other is 50 times slower; at least every
 *       {@value #MAX_RECHECK_GAP}th), and at most one a
 *       second: a device that shares the cores (an OpenCL driver on the CPU) slows the Java
 *       backend for a while after each of its calls. A recheck that beats
 *       the route is confirmed {@value #CONFIRM_GAP} calls later. Each backend's cost is the
 *       median of its last {@value #TRIAL_CALLS} timed calls in the class, so one slow call
 *       changes no route, and two fast rechecks take a route back.</li>
 * </ul>
 * Each time a class's route is set or changes, it is logged with both costs; {@link #routes()}
 * reports them all. A call that a backend refuses (bad arguments, {@link IllegalArgumentException})
 * is not timed and its exception reaches the caller. A device call that fails in any other way (a
 * lost or reset GPU, a TornadoVM exception or {@link Error}, but not a {@link VirtualMachineError}
 * such as running out of heap) is run again on the Java backend, and from then on every call goes
 * to Java: the failure is logged once, with its stack trace, and {@link #deviceFailure()} returns
 * it. (A kernel that TornadoVM fails to compile does not fail by default: TornadoVM runs it as
 * sequential Java on the host, which the router times as the device's cost.)
 *
 * <p>Thread-safe: calls go to the backends concurrently, as they would without the router; only
 * the bookkeeping of a class is locked. Owns both backends and closes them.
 */
public final class RoutedKernelBackend implements KernelBackend {

    /** Timed calls of each backend before a class's route is chosen; also how many a cost is the median of. */
    static final int TRIAL_CALLS = 3;
    /** Calls after a recheck that beat the route until the next one, which confirms it. */
    static final int CONFIRM_GAP = 4;
    /** The largest share of a class's time that its rechecks may take, in percent. */
    static final int RECHECK_SHARE_PERCENT = 2;
    /** The most calls between two rechecks, however much slower the other backend is. */
    static final int MAX_RECHECK_GAP = 50_000;
    /** The least time between two rechecks of a class, unless one is being confirmed. */
    static final long MIN_RECHECK_NANOS = 1_000_000_000L;

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
    private final long minRecheckNanos;
    private final SizeClass[][] classes = new SizeClass[Kernel.values().length][SIZE_CLASSES];
    private volatile Throwable deviceFailure;
    private volatile boolean closed;

    /** Routes between {@code device} and {@code java}, timed with {@link System#nanoTime()}. */
    public RoutedKernelBackend(KernelBackend device, KernelBackend java) {
        this(device, java, System::nanoTime, MIN_RECHECK_NANOS);
    }

    /** A router timed by {@code nanoClock}, whose rechecks of a class are at least {@code minRecheckNanos} apart. */
    RoutedKernelBackend(KernelBackend device, KernelBackend java, LongSupplier nanoClock, long minRecheckNanos) {
        this.device = Objects.requireNonNull(device, "device must not be null.");
        this.java = Objects.requireNonNull(java, "java must not be null.");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock must not be null.");
        this.minRecheckNanos = minRecheckNanos;
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
        SizeClass sizeClass = classes[kernel.ordinal()][sizeClass(rows)];
        if (deviceFailure != null) {
            sizeClass.counted();
            call.on(java);
            return;
        }
        long start = nanoClock.getAsLong();
        Turn turn = sizeClass.next(start);
        double nanosPerRow = Double.NaN;
        try {
            if (turn.onDevice) {
                try {
                    call.on(device);
                } catch (IllegalArgumentException refused) {
                    throw refused;
                } catch (VirtualMachineError fatal) {
                    throw fatal;
                } catch (RuntimeException | Error failure) {
                    failed(kernel, failure);
                    call.on(java);
                    return;
                }
            } else {
                call.on(java);
            }
            nanosPerRow = (double) (nanoClock.getAsLong() - start) / rows;
        } finally {
            sizeClass.finished(turn, nanosPerRow, nanoClock.getAsLong());
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

    /**
     * Where one call goes; whether it is that backend's first call in the class, whether it is
     * timed, and whether it rechecks the backend not routed to.
     */
    private record Turn(boolean onDevice, boolean first, boolean timed, boolean recheck) {
    }

    /** The costs and route of one kernel's calls of one size class. */
    private final class SizeClass {
        private final Kernel kernel;
        private final int k;
        private final Costs onDevice = new Costs();
        private final Costs onJava = new Costs();
        private long calls;
        /** The route last logged: null during the trial. */
        private Boolean routedToDevice;
        /** The call that set or changed the route or ran the last recheck, and when. */
        private long lastRecheck;
        private long lastRecheckNanos;
        /** Whether the last recheck beat the route, so that the next one comes soon. */
        private boolean confirm;

        SizeClass(Kernel kernel, int k) {
            this.kernel = kernel;
            this.k = k;
        }

        /** Counts a call that bypasses the routes (the device failed). */
        synchronized void counted() {
            calls++;
        }

        synchronized Turn next(long nowNanos) {
            calls++;
            boolean device;
            boolean recheck = false;
            if (routedToDevice == null) {
                boolean needDevice = onDevice.count < TRIAL_CALLS;
                boolean needJava = onJava.count < TRIAL_CALLS;
                device = needDevice && needJava ? onDevice.started <= onJava.started
                        : needDevice || (!needJava && fasterOnDevice());
                // No call waits behind a backend's first call here (a compile): it goes to the other.
                if ((device ? onDevice : onJava).warming()) {
                    device = !device;
                }
            } else if (calls - lastRecheck >= recheckGap()
                    && (confirm || nowNanos - lastRecheckNanos >= minRecheckNanos)) {
                device = !routedToDevice;
                recheck = true;
                confirm = false;
                lastRecheck = calls;
                lastRecheckNanos = nowNanos;
            } else {
                device = routedToDevice;
            }
            Costs costs = device ? onDevice : onJava;
            costs.started++;
            boolean first = costs.started == 1;
            return new Turn(device, first, costs.firstDone, recheck);
        }

        /**
         * Calls from the last recheck to the next: 50 times the other backend's cost over the
         * route's, so that rechecks take at most their share of the time; 4 to confirm a recheck
         * that beat the route.
         */
        private long recheckGap() {
            if (confirm) {
                return CONFIRM_GAP;
            }
            Costs routed = routedToDevice ? onDevice : onJava;
            Costs other = routedToDevice ? onJava : onDevice;
            double slower = other.median() / routed.median();
            double ratio = slower >= 1 ? Math.min(slower, (double) MAX_RECHECK_GAP * RECHECK_SHARE_PERCENT / 100) : 1;
            return (long) Math.ceil(ratio * 100 / RECHECK_SHARE_PERCENT);
        }

        /** Books a call that ended: its cost per row, NaN when it threw. */
        synchronized void finished(Turn turn, double nanosPerRow, long nowNanos) {
            Costs costs = turn.onDevice ? onDevice : onJava;
            if (turn.first) {
                costs.firstDone = true;
            }
            if (!turn.timed || Double.isNaN(nanosPerRow)) {
                return;
            }
            costs.add(nanosPerRow);
            if (onDevice.count < TRIAL_CALLS || onJava.count < TRIAL_CALLS) {
                return;
            }
            if (turn.recheck && routedToDevice != null) {
                confirm = nanosPerRow < (routedToDevice ? onDevice : onJava).median();
            }
            boolean toDevice = fasterOnDevice();
            if (routedToDevice == null || routedToDevice != toDevice) {
                routedToDevice = toDevice;
                lastRecheck = calls;
                lastRecheckNanos = nowNanos;
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

    /**
     * One backend's calls of a size class: how many began, whether the first ended, and the costs
     * of the last timed ones.
     */
    private static final class Costs {
        private final double[] last = new double[TRIAL_CALLS];
        private int count;
        private int next;
        private long started;
        private boolean firstDone;

        /** Whether the first call began and has not ended. */
        boolean warming() {
            return started > 0 && !firstDone;
        }

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
