package io.werkstrom.jobs.detect;

import java.time.Duration;
import java.util.Optional;

import io.werkstrom.analytics.detect.Anomaly;
import io.werkstrom.analytics.kernel.KernelBackend;
import io.werkstrom.analytics.kernel.KernelBackends;
import io.werkstrom.jobs.StateExpiry;
import io.werkstrom.jobs.predict.ModelRegistry;
import io.werkstrom.jobs.storage.DetectedAnomaly;
import io.werkstrom.jobs.storage.JdbcDriver;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores the machines of one gateway (the key, {@link AnomalyScoringFunction#key}) with a
 * {@link MultivariateScorer}: per batch, the states of all the gateway's machines in one kernel
 * call. The machines' states, {@link MachineStates} per key, live in Flink keyed state
 * ({@link MachineStatesSerializer}), so that they are checkpointed and restored with the key. The
 * fleet models in force ({@link MultivariateFleetModel}, per tenant and machine type) come from a
 * {@link ModelRegistry} opened in {@link #open} and closed in {@link #close}.
 *
 * <p>Counters: {@code multivariateAnomalies}, {@code multivariateStatesScored},
 * {@code multivariateIncompleteStates}, {@code multivariateReducedStates} (states scored without
 * the model sensors they lacked), {@code multivariateModelsFitted},
 * {@code multivariateTooFewSensors}, {@code multivariateFitFailures},
 * {@code multivariateLateSamples}, {@code multivariateScoringFailures},
 * {@code multivariateMachinesRefused}, {@code multivariateSensorsRefused} (samples beyond the
 * machine and sensor caps), {@code multivariateStatesDropped} (complete states that will not be
 * scored), {@code multivariateStatesWithoutModel} (states of fleet-model machines while the fleet
 * models cannot be read, waiting for them). A failed scoring call leaves its states pending in the
 * keyed state for the next batch. A gateway's state expires after {@link StateExpiry#idleExpiry()}
 * without a batch: a gateway silent for longer trains its machines anew.
 */
public final class MultivariateScoringFunction extends KeyedProcessFunction<String, ReceivedBatch, DetectedAnomaly> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MultivariateScoringFunction.class);
    private static final String STATE = "multivariate-machines";

    private final MultivariateOptions options;
    private final String backendName;
    private final StoreOptions store;
    private final Duration modelRefresh;
    private final StateExpiry expiry;

    private transient KernelBackend backend;
    private transient ModelRegistry<MultivariateFleetModel> fleetModels;
    private transient ScoringOutage outage;
    private transient MultivariateScorer scorer;
    private transient ValueState<MachineStates> machines;
    private transient Counter anomalies;
    private transient Counter statesScored;
    private transient Counter incompleteStates;
    private transient Counter reducedStates;
    private transient Counter modelsFitted;
    private transient Counter tooFewSensors;
    private transient Counter fitFailures;
    private transient Counter lateSamples;
    private transient Counter scoringFailures;
    private transient Counter machinesRefused;
    private transient Counter sensorsRefused;
    private transient Counter statesDropped;
    private transient Counter statesWithoutModel;

    /**
     * @param options     the detector's settings; not {@link MultivariateOptions.Method#OFF}
     * @param backendName kernel backend, one of {@link KernelBackends#CHOICES} or a service address
     * @param expiry      how long the state of a gateway that sends nothing is kept
     */
    public MultivariateScoringFunction(MultivariateOptions options, String backendName, StateExpiry expiry) {
        this(options, backendName, null, null, expiry);
    }

    /**
     * @param options      the detector's settings; not {@link MultivariateOptions.Method#OFF}
     * @param backendName  kernel backend, one of {@link KernelBackends#CHOICES} or a service address
     * @param store        where the fleet models are read from; null: no fleet models, every machine
     *                     trains its own
     * @param modelRefresh how often a tenant's fleet models are read again
     * @param expiry       how long the state of a gateway that sends nothing is kept
     */
    public MultivariateScoringFunction(MultivariateOptions options, String backendName, StoreOptions store,
                                       Duration modelRefresh, StateExpiry expiry) {
        if (!options.enabled()) {
            throw new IllegalArgumentException("multivariate detection is off.");
        }
        if (store != null && modelRefresh == null) {
            throw new IllegalArgumentException("modelRefresh must be given with a store.");
        }
        this.options = options;
        this.backendName = backendName;
        this.store = store;
        this.modelRefresh = modelRefresh;
        this.expiry = expiry;
    }

    @Override
    public void open(OpenContext openContext) {
        backend = KernelBackends.acquire(backendName);
        scorer = new MultivariateScorer(options, backend);
        if (store != null) {
            JdbcDriver.releaseWith(getRuntimeContext());
        }
        fleetModels = store == null ? null : ModelRegistry.multivariate(store, modelRefresh);
        outage = new ScoringOutage(LOG, "Multivariate scoring");
        machines = getRuntimeContext().getState(expiry.applyTo(
                new ValueStateDescriptor<>(STATE, MachineStatesSerializer.INSTANCE)));
        var metrics = getRuntimeContext().getMetricGroup();
        anomalies = metrics.counter("multivariateAnomalies");
        statesScored = metrics.counter("multivariateStatesScored");
        incompleteStates = metrics.counter("multivariateIncompleteStates");
        reducedStates = metrics.counter("multivariateReducedStates");
        modelsFitted = metrics.counter("multivariateModelsFitted");
        tooFewSensors = metrics.counter("multivariateTooFewSensors");
        fitFailures = metrics.counter("multivariateFitFailures");
        lateSamples = metrics.counter("multivariateLateSamples");
        scoringFailures = metrics.counter("multivariateScoringFailures");
        machinesRefused = metrics.counter("multivariateMachinesRefused");
        sensorsRefused = metrics.counter("multivariateSensorsRefused");
        statesDropped = metrics.counter("multivariateStatesDropped");
        statesWithoutModel = metrics.counter("multivariateStatesWithoutModel");
    }

    @Override
    public void processElement(ReceivedBatch batch, Context context, Collector<DetectedAnomaly> out) throws Exception {
        MachineStates state = machines.value();
        if (state == null) {
            state = new MachineStates();
        }
        MultivariateScorer.Outcome outcome;
        try {
            outcome = scorer.score(batch.source(), batch.batch(), state, fleetModelsOf(batch.source()));
        } catch (RuntimeException e) {
            // Not a kernel failure (those come back in the outcome) but a fault of the detector
            // itself: the batch is stored regardless, so count and log it rather than fail the job.
            // The state is not copied per batch: it can hold minutes of many machines' states.
            scoringFailures.inc();
            LOG.error("Multivariate scoring of batch {} of {} failed", batch.batch().sequence(), batch.source(), e);
            machines.update(state);
            return;
        }
        if (outcome.scoringFailure() != null) {
            scoringFailures.inc();
            outage.failed("batch " + batch.batch().sequence() + " of " + batch.source() + "; "
                    + outcome.statesPending() + " states wait for the next batch, " + outcome.statesDropped()
                    + " dropped", outcome.scoringFailure());
        } else if (outcome.kernelCalls() > 0) {
            outage.succeeded();
        }
        // The heap backend already holds this object; RocksDB needs it written back.
        machines.update(state);
        for (Anomaly anomaly : outcome.anomalies()) {
            out.collect(new DetectedAnomaly(batch.source(), anomaly));
        }
        anomalies.inc(outcome.anomalies().size());
        statesScored.inc(outcome.statesScored());
        incompleteStates.inc(outcome.incompleteStates());
        reducedStates.inc(outcome.reducedStates());
        modelsFitted.inc(outcome.modelsFitted());
        tooFewSensors.inc(outcome.tooFewSensors());
        fitFailures.inc(outcome.fitFailures());
        lateSamples.inc(outcome.lateSamples());
        machinesRefused.inc(outcome.machinesRefused());
        sensorsRefused.inc(outcome.sensorsRefused());
        statesDropped.inc(outcome.statesDropped());
        statesWithoutModel.inc(outcome.statesWithoutModel());
    }

    /** The fleet models in force for the machines of the gateway {@code source}, each named by its type and version. */
    private MultivariateScorer.FleetModels fleetModelsOf(GatewayAddress source) {
        if (fleetModels == null) {
            return MultivariateScorer.FleetModels.NONE;
        }
        return new MultivariateScorer.FleetModels() {
            @Override
            public boolean known() {
                return fleetModels.known(source.tenant());
            }

            @Override
            public Optional<MultivariateScorer.FleetModelInForce> forMachine(String machine) {
                return fleetModels.modelFor(source, machine).map(loaded -> new MultivariateScorer.FleetModelInForce(
                        loaded.machineType() + " v" + loaded.version(), loaded.model()));
            }
        };
    }

    @Override
    public void close() throws Exception {
        // In reverse order of opening; those never opened (null) are skipped.
        try (KernelBackend b = backend; var f = fleetModels) {
            // nothing else to release
        }
    }
}
