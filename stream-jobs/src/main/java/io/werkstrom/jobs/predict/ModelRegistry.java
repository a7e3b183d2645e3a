package io.werkstrom.jobs.predict;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;

/**
 * The part-quality models in force, per tenant and machine type, read from the {@code models}
 * table and read again after {@code refresh}, so that a newly trained version is used without
 * redeploying the job. A machine uses the model of its type ({@code machines} table), else the
 * tenant's {@value ModelCatalog#DEFAULT_TYPE} model: a fleet model covers a new machine at once.
 *
 * <p>A version that cannot be read (stored by another build, damaged) is skipped with a warning
 * for the newest readable one. A database that cannot be reached keeps the models already
 * loaded and is tried again at the next refresh. Not thread-safe: one per operator instance,
 * which closes it.
 */
public final class ModelRegistry implements AutoCloseable {

    /** The name models predicting part scrap are stored under. */
    public static final String PART_SCRAP = "part_scrap";

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    /** A model in force for a machine, with what is stored next to its predictions. */
    public record Loaded(PartQualityModel model, String name, int version, String machineType) {
    }

    private record TenantModels(Map<String, Loaded> byType, Map<String, String> machineTypes, long loadedAtNanos) {
    }

    private final StoreOptions store;
    private final long refreshNanos;
    private final LongSupplier clock;
    private final Map<String, TenantModels> tenants = new HashMap<>();
    private Connection connection;

    public ModelRegistry(StoreOptions store, Duration refresh) {
        this(store, refresh, System::nanoTime);
    }

    ModelRegistry(StoreOptions store, Duration refresh, LongSupplier clock) {
        this.store = store;
        this.refreshNanos = refresh.toNanos();
        this.clock = clock;
    }

    /** The model for {@code machine} of {@code tenant}, or empty when the tenant has none for its type. */
    public Optional<Loaded> modelFor(String tenant, String machine) {
        TenantModels models = tenants.get(tenant);
        long now = clock.getAsLong();
        if (models == null || now - models.loadedAtNanos() >= refreshNanos) {
            models = load(tenant, models, now);
            tenants.put(tenant, models);
        }
        String type = models.machineTypes().getOrDefault(machine, ModelCatalog.DEFAULT_TYPE);
        return Optional.ofNullable(models.byType().get(type));
    }

    private TenantModels load(String tenant, TenantModels previous, long now) {
        Map<String, Loaded> byType = new HashMap<>(previous == null ? Map.of() : previous.byType());
        try {
            Connection db = connection();
            for (ModelCatalog.StoredModel newest : ModelCatalog.latest(db, tenant, PART_SCRAP).values()) {
                Optional<ModelCatalog.StoredModel> candidate = Optional.of(newest);
                while (candidate.isPresent()) {
                    ModelCatalog.StoredModel stored = candidate.get();
                    Loaded current = byType.get(stored.machineType());
                    if (current != null && current.version() == stored.version()) {
                        break;
                    }
                    try {
                        byType.put(stored.machineType(), new Loaded(PartQualityModel.fromBytes(stored.payload()),
                                PART_SCRAP, stored.version(), stored.machineType()));
                        LOG.info("Tenant {}: part-scrap model for machine type '{}' is now version {} ({})", tenant,
                                stored.machineType(), stored.version(), stored.kind());
                        break;
                    } catch (IllegalArgumentException e) {
                        LOG.warn("Tenant {}: part-scrap model version {} for type '{}' is unreadable and not used: {}",
                                tenant, stored.version(), stored.machineType(), e.getMessage());
                        candidate = ModelCatalog.before(db, tenant, PART_SCRAP, stored.machineType(), stored.version());
                    }
                }
            }
            return new TenantModels(byType, ModelCatalog.machineTypes(db, tenant), now);
        } catch (SQLException | StoreException e) {
            LOG.warn("Reading the models of tenant {} failed; keeping the {} loaded, trying again in {} s", tenant,
                    byType.size(), refreshNanos / 1_000_000_000L, e);
            closeConnection();
            return new TenantModels(byType, previous == null ? Map.of() : previous.machineTypes(), now);
        }
    }

    private Connection connection() throws StoreException, SQLException {
        if (connection == null || connection.isClosed()) {
            connection = ModelCatalog.connect(store);
            connection.setAutoCommit(true);
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("Closing the model registry's connection failed", e);
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeConnection();
    }
}
