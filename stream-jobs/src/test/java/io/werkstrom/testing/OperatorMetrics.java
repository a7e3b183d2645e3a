package io.werkstrom.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingTaskMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.runtime.operators.testutils.MockInputSplitProvider;

/**
 * The metrics an operator under test registers, by name. Give {@link #environment()} to the
 * operator's test harness (e.g. {@code new KeyedOneInputStreamOperatorTestHarness<>(operator,
 * keySelector, keyType, metrics.environment())}): its task hands the operator a metric group that
 * keeps what is registered in it. The environment is that of a harness's own (one subtask of
 * parallelism 1).
 *
 * <p>A harness does not close an environment it was given: close this after the harness.
 */
public final class OperatorMetrics implements AutoCloseable {

    private final InterceptingOperatorMetricGroup operator = new InterceptingOperatorMetricGroup();
    private final MockEnvironment environment;

    public OperatorMetrics() {
        InterceptingTaskMetricGroup task = new InterceptingTaskMetricGroup() {
            @Override
            public InternalOperatorMetricGroup getOrAddOperator(OperatorID id, String name,
                                                                Map<String, String> variables) {
                return operator;
            }
        };
        environment = new MockEnvironmentBuilder()
                .setTaskName("MockTask")
                .setManagedMemorySize(3 * 1024 * 1024)
                .setInputSplitProvider(new MockInputSplitProvider())
                .setBufferSize(1024)
                .setMaxParallelism(1)
                .setParallelism(1)
                .setSubtaskIndex(0)
                .setMetricGroup(task)
                .build();
    }

    /** The environment for the operator's harness. */
    public MockEnvironment environment() {
        return environment;
    }

    /**
     * The count of the counter the operator registered as {@code name}.
     *
     * @throws AssertionError when it registered no counter of that name
     */
    public long count(String name) {
        Metric metric = operator.get(name);
        if (metric instanceof Counter counter) {
            return counter.getCount();
        }
        throw new AssertionError("the operator registered no counter '" + name + "' (found " + metric + ")");
    }

    /**
     * The counts of the counters {@code names}, in that order: compared with the expected map in one
     * assertion, a failure shows every count at once.
     */
    public Map<String, Long> counts(List<String> names) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String name : names) {
            counts.put(name, count(name));
        }
        return counts;
    }

    @Override
    public void close() throws Exception {
        environment.close();
    }
}
