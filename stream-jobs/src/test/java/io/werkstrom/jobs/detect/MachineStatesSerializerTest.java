package io.werkstrom.jobs.detect;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import io.werkstrom.analytics.kernel.JavaKernelBackend;

import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.testutils.DeeplyEqualsChecker;
import org.junit.jupiter.api.Test;

/** Flink's serializer contract (copy, serialise, snapshot, duplicate) for the multivariate detector's state. */
class MachineStatesSerializerTest extends SerializerTestBase<MachineStates> {

    private static final MachineStates[] DATA = testData();

    /** Two states are equal when they hold the same machines with the same values: the same snapshot. */
    MachineStatesSerializerTest() {
        super(new DeeplyEqualsChecker().withCustomCheck(
                (a, b) -> a instanceof MachineStates && b instanceof MachineStates,
                (a, b, checker) -> Arrays.equals(((MachineStates) a).snapshot(), ((MachineStates) b).snapshot())));
    }

    @Override
    protected TypeSerializer<MachineStates> createSerializer() {
        return new MachineStatesSerializer();
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<MachineStates> getTypeClass() {
        return MachineStates.class;
    }

    @Override
    protected MachineStates[] getTestData() {
        return DATA;
    }

    /** An empty state, one of a machine in training, and one of a modelled machine and one on a fleet model. */
    private static MachineStates[] testData() {
        MultivariateScorer scorer = new MultivariateScorer(MultivariateOptions.defaults(), JavaKernelBackend.shared());
        MachineStates training = new MachineStates();
        scorer.score(MultivariateScorerTest.batch(0, 0, 20, new MultivariateScorerTest.Machine("press-1", 1)),
                training);
        MachineStates modelled = new MachineStates();
        MultivariateScorerTest.Machine press = new MultivariateScorerTest.Machine("press-1", 2);
        for (long s = 0; s < 320; s += 10) {
            scorer.score(MultivariateScorerTest.batch(s, s, 10, press), modelled);
        }
        MachineStates.Machine fleet = modelled.machine("press-2");
        fleet.column("temperature_c");
        fleet.column("pressure_bar");
        fleet.fleetModelId = "default v1";
        fleet.fleetSensors = List.of("temperature_c", "pressure_bar");
        fleet.pending.add(new MachineStates.Pending(7_000_000L, new double[] {60.2, 5.1}));
        return new MachineStates[] {new MachineStates(), training, modelled};
    }

    @Test
    void theStateIsMutableSoTheHeapBackendCopiesItBeforeAnAsynchronousSnapshot() {
        assertFalse(MachineStatesSerializer.INSTANCE.isImmutableType());
    }

    @Test
    void aStateOfNoBytesIsRefusedAsUnreadable() throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(4);
        out.writeInt(0);
        IOException e = assertThrows(IOException.class,
                () -> MachineStatesSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())));
        assertTrue(e.getMessage().contains("of 0 bytes is unreadable"), e.getMessage());
    }

    @Test
    void aStateNamingASensorOfAMachineTwiceIsRefusedAsUnreadable() throws IOException {
        MachineStates states = new MachineStates();
        MachineStates.Machine press = states.machine("press-1");
        press.column("temperature_c");
        press.column("pressure_bar");
        press.sensors.set(1, "temperature_c");
        DataOutputSerializer out = new DataOutputSerializer(64);
        MachineStatesSerializer.INSTANCE.serialize(states, out);
        IOException e = assertThrows(IOException.class,
                () -> MachineStatesSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())));
        assertTrue(e.getMessage().contains("is unreadable"), e.getMessage());
    }
}
