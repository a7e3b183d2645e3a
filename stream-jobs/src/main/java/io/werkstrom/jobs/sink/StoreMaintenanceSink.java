package io.werkstrom.jobs.sink;

import io.werkstrom.jobs.storage.JdbcDriver;
import io.werkstrom.jobs.storage.MaintenanceOptions;
import io.werkstrom.jobs.storage.StoreMaintenance;
import io.werkstrom.jobs.storage.StoreOptions;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Gives the job one {@link StoreMaintenance}: its writer starts the maintenance schedule when the
 * task starts and stops it when the task closes (also on a failover or cancellation). The records
 * it receives are ignored; it hangs on a small stream only because an operator needs an input.
 * Run it with parallelism 1: a run prunes every tenant's and gateway's rows.
 *
 * <p>Nothing it does can fail the job: a failed run is logged and tried again at the next interval.
 */
public final class StoreMaintenanceSink<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;

    private final StoreOptions store;
    private final MaintenanceOptions options;

    public StoreMaintenanceSink(StoreOptions store, MaintenanceOptions options) {
        this.store = store;
        this.options = options;
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) {
        JdbcDriver.releaseWith(context.getUserCodeClassLoader());
        StoreMaintenance maintenance = new StoreMaintenance(store, options);
        maintenance.start();
        return new MaintenanceWriter<>(maintenance);
    }

    /** Owns the maintenance; the task thread calls it. */
    public static final class MaintenanceWriter<T> implements SinkWriter<T> {
        private final StoreMaintenance maintenance;

        MaintenanceWriter(StoreMaintenance maintenance) {
            this.maintenance = maintenance;
        }

        /** The maintenance it owns (its counters of runs and failures); closed with the writer. */
        public StoreMaintenance maintenance() {
            return maintenance;
        }

        @Override
        public void write(T element, Context context) {
        }

        @Override
        public void flush(boolean endOfInput) {
        }

        @Override
        public void close() {
            maintenance.close();
        }
    }
}
