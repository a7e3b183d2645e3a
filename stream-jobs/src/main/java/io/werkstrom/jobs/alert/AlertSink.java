package io.werkstrom.jobs.alert;

import java.io.IOException;

import io.werkstrom.jobs.storage.JdbcDriver;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes alert transitions through {@link AlertStore#apply}, one transaction each as they come
 * (alerts are rare, and a notification should not wait for a checkpoint). A replay after a
 * restart changes nothing twice. A database failure fails the task, which restarts from its
 * checkpoint.
 */
public final class AlertSink implements Sink<AlertTransition> {

    private static final long serialVersionUID = 1L;

    private final StoreOptions store;

    public AlertSink(StoreOptions store) {
        this.store = store;
    }

    @Override
    public SinkWriter<AlertTransition> createWriter(WriterInitContext context) throws IOException {
        JdbcDriver.releaseWith(context.getUserCodeClassLoader());
        try {
            return new Writer(AlertStore.open(store, "alert sink"));
        } catch (StoreException e) {
            throw new IOException("could not open the alert store", e);
        }
    }

    private static final class Writer implements SinkWriter<AlertTransition> {
        private final AlertStore alerts;

        Writer(AlertStore alerts) {
            this.alerts = alerts;
        }

        @Override
        public void write(AlertTransition transition, Context context) throws IOException {
            try {
                alerts.apply(transition);
            } catch (StoreException e) {
                throw new IOException("could not store an alert transition", e);
            }
        }

        @Override
        public void flush(boolean endOfInput) {
            // Every write commits at once.
        }

        @Override
        public void close() throws StoreException {
            alerts.close();
        }
    }
}
