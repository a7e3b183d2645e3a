package io.werkstrom.jobs.predict;

import java.time.Duration;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import io.werkstrom.analytics.predict.CycleTracker;
import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.jobs.storage.QualityPrediction;
import io.werkstrom.jobs.storage.ReceivedBatch;
import io.werkstrom.jobs.storage.StoreOptions;

/**
 * Predicts part quality per production cycle for the batches of one gateway (keyed like anomaly
 * scoring). The running cycles of the gateway's machines are keyed state, so a cycle that spans a
 * checkpoint and a restart is still predicted from all its samples; the models come from a
 * {@link ModelRegistry} opened in {@link #open} and closed in {@link #close}.
 */
public final class QualityPredictionFunction extends KeyedProcessFunction<String, ReceivedBatch, QualityPrediction> {

    private static final long serialVersionUID = 1L;

    private final StoreOptions store;
    private final Duration modelRefresh;

    private transient ModelRegistry<PartQualityModel> registry;
    private transient CyclePredictor predictor;
    private transient ValueState<CycleTracker> cycles;
    private transient Counter predicted;

    public QualityPredictionFunction(StoreOptions store, Duration modelRefresh) {
        this.store = store;
        this.modelRefresh = modelRefresh;
    }

    @Override
    public void open(OpenContext openContext) {
        registry = ModelRegistry.partScrap(store, modelRefresh);
        predictor = new CyclePredictor(registry::modelFor);
        cycles = getRuntimeContext().getState(new ValueStateDescriptor<>("production-cycles",
                TypeInformation.of(CycleTracker.class)));
        predicted = getRuntimeContext().getMetricGroup().counter("cyclesPredicted");
    }

    @Override
    public void processElement(ReceivedBatch batch, Context context, Collector<QualityPrediction> out) throws Exception {
        CycleTracker tracker = cycles.value();
        if (tracker == null) {
            tracker = new CycleTracker();
        }
        for (QualityPrediction prediction : predictor.predict(batch, tracker)) {
            if (prediction.hasPrediction()) {
                predicted.inc();
            }
            out.collect(prediction);
        }
        cycles.update(tracker);
    }

    @Override
    public void close() throws Exception {
        if (registry != null) {
            registry.close();
        }
    }
}
