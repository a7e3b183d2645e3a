package io.werkstrom.jobs.storage;

import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.function.LongFunction;

import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.apache.flink.util.UserCodeClassLoader;

/** The parts of a sink writer's context that the project's sink writers use, for tests. */
public final class SinkWriterContexts {

    private SinkWriterContexts() {
    }

    /**
     * A writer's context: {@code loader} as its user-code class loader, the wall clock as processing
     * time, {@code timers} for each timer registered (given its time stamp), and the counters the writer
     * registers put into {@code counters} by name. Anything else the writer asks for is unsupported.
     */
    public static WriterInitContext of(UserCodeClassLoader loader, Map<String, Counter> counters,
                                       LongFunction<ScheduledFuture<?>> timers) {
        ProcessingTimeService time = new ProcessingTimeService() {
            @Override
            public long getCurrentProcessingTime() {
                return System.currentTimeMillis();
            }

            @Override
            public ScheduledFuture<?> registerTimer(long timestamp, ProcessingTimeCallback target) {
                return timers.apply(timestamp);
            }
        };
        SinkWriterMetricGroup metrics = (SinkWriterMetricGroup) Proxy.newProxyInstance(
                SinkWriterContexts.class.getClassLoader(), new Class<?>[] {SinkWriterMetricGroup.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("counter") && args.length == 2) {
                        counters.put((String) args[0], (Counter) args[1]);
                        return args[1];
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return (WriterInitContext) Proxy.newProxyInstance(SinkWriterContexts.class.getClassLoader(),
                new Class<?>[] {WriterInitContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getUserCodeClassLoader" -> loader;
                    case "getProcessingTimeService" -> time;
                    case "metricGroup" -> metrics;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
