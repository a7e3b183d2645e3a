package io.werkstrom.jobs.alert;

import java.util.function.Supplier;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializerSnapshot;

/**
 * Serializer snapshot of an alert state that releases before its versioned form kept in Flink's
 * generic (Kryo) form: a savepoint holding that form is compatible after migration, so Flink reads
 * each entry with the restored Kryo serializer and writes it anew in the versioned form (the heap
 * state backend as it restores, RocksDB by migrating the entries). Within one state name no other
 * class can have been kept, so the snapshot's kind is what tells the two forms apart.
 *
 * @param <T> the state
 */
abstract class GenericFormMigration<T> extends SimpleTypeSerializerSnapshot<T> {

    GenericFormMigration(Supplier<? extends TypeSerializer<T>> serializer) {
        super(serializer);
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> previous) {
        if (previous instanceof KryoSerializerSnapshot) {
            return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
        }
        return super.resolveSchemaCompatibility(previous);
    }
}
