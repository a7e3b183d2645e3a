package io.werkstrom.jobs.predict;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.werkstrom.analytics.predict.PartQualityModel;
import io.werkstrom.jobs.detect.MultivariateFleetModel;
import io.werkstrom.jobs.storage.MachineTypes;
import io.werkstrom.jobs.storage.ModelCatalog;
import io.werkstrom.jobs.storage.StoreException;
import io.werkstrom.jobs.storage.StoreOptions;
import io.werkstrom.protocol.GatewayAddress;

/**
 * The models of one name in force (part-scrap, remaining-useful-life or multivariate fleet models),
 * per tenant and machine type, read from the {@code models} table and read again after
 * {@code refresh}, so that a newly trained version is used without redeploying the job. A machine
 * of a gateway uses the model of its type ({@code machines} table, {@link MachineTypes#typeOf}; a
 * machine without a row has the type {@value ModelCatalog#DEFAULT_TYPE}): a fleet model covers a
 * new machine at once. A type without a model of this name gives its machines none; they do not
 * fall back to another type's. A version is known by its number and the time it was stored: one
 * deleted and stored again under the same number is read again.
 *
 * <p>A version that cannot be read (stored by another build, damaged) is skipped for the newest
 * readable one, with a warning the first time: it is remembered (by its number and the time it was
 * stored), so later refreshes neither read its payload again nor repeat the warning. A database
 * that cannot be reached keeps the models already loaded and is tried again at the next refresh.
 * Not thread-safe: one per operator instance, which closes it.
 *
 * @param <M> the model type that {@code read} makes of a stored payload
 */
public final class ModelRegistry<M> implements AutoCloseable {

    /** The name models predicting part scrap are stored under. */
    public static final String PART_SCRAP = "part_scrap";
    /** The name remaining-useful-life models are stored under. */
    public static final String RUL = "rul";

    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    /** The longest a read of the models may wait for the database. */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** A model in force for a machine, with what is stored next to its predictions. */
    public record Loaded<M>(M model, String name, int version, String machineType) {
    }

    /**
     * @param trainedAt per machine type, when the version in force was stored: a version deleted and
     *                  stored again has the same number but another time
     * @param read      whether the tenant's models were read once at least (else none is known)
     */
    private record TenantModels<M>(Map<String, Loaded<M>> byType, Map<String, Instant> trainedAt,
                                   MachineTypes machineTypes, long loadedAtNanos, boolean read) {
    }

    private final StoreOptions store;
    private final String name;
    private final Function<byte[], M> read;
    private final long refreshNanos;
    private final int readTimeoutMillis;
    private final LongSupplier clock;
    private final Map<String, TenantModels<M>> tenants = new HashMap<>();
    /** Versions found unreadable: tenant, machine type, number and time stored, one per line. */
    private final Set<String> unreadable = new HashSet<>();
    private Connection connection;

    /** The part-scrap models ({@value #PART_SCRAP}). */
    public static ModelRegistry<PartQualityModel> partScrap(StoreOptions store, Duration refresh) {
        return new ModelRegistry<>(store, PART_SCRAP, PartQualityModel::fromBytes, refresh, System::nanoTime);
    }

    /** The remaining-useful-life models ({@value #RUL}). */
    public static ModelRegistry<StoredRulModel> rul(StoreOptions store, Duration refresh) {
        return new ModelRegistry<>(store, RUL, StoredRulModel::fromBytes, refresh, System::nanoTime);
    }

    /** The multivariate fleet models ({@value MultivariateFleetModel#NAME}), fitted as they are read. */
    public static ModelRegistry<MultivariateFleetModel> multivariate(StoreOptions store, Duration refresh) {
        return new ModelRegistry<>(store, MultivariateFleetModel.NAME, MultivariateFleetModel::fromBytes, refresh,
                System::nanoTime);
    }

    /**
     * @param read makes a model of a stored payload; throws {@link IllegalArgumentException} for
     *             one it cannot read, which is then skipped for the version before it
     */
    ModelRegistry(StoreOptions store, String name, Function<byte[], M> read, Duration refresh, LongSupplier clock) {
        this(store, name, read, refresh, clock, READ_TIMEOUT);
    }

    /** @param readTimeout how long a read may wait for the database before it fails */
    ModelRegistry(StoreOptions store, String name, Function<byte[], M> read, Duration refresh, LongSupplier clock,
                  Duration readTimeout) {
        this.readTimeoutMillis = Math.toIntExact(readTimeout.toMillis());
        this.store = store;
        this.name = name;
        this.read = read;
        this.refreshNanos = refresh.toNanos();
        this.clock = clock;
    }

    /**
     * The model for {@code machine} of the gateway {@code source}, or empty when its tenant has none
     * for the machine's type.
     */
    public Optional<Loaded<M>> modelFor(GatewayAddress source, String machine) {
        TenantModels<M> models = current(source.tenant());
        String type = models.machineTypes().typeOf(source.gateway(), machine);
        return Optional.ofNullable(models.byType().get(type));
    }

    /**
     * Whether {@code tenant}'s models were read once at least: until then (the database unreachable
     * since this registry opened) {@link #modelFor} says no model, though the tenant may have some.
     */
    public boolean known(String tenant) {
        return current(tenant).read();
    }

    /** The tenant's models, read again when they are older than the refresh interval. */
    private TenantModels<M> current(String tenant) {
        TenantModels<M> models = tenants.get(tenant);
        long now = clock.getAsLong();
        if (models == null || now - models.loadedAtNanos() >= refreshNanos) {
            models = load(tenant, models, now);
            tenants.put(tenant, models);
        }
        return models;
    }

    private TenantModels<M> load(String tenant, TenantModels<M> previous, long now) {
        Map<String, Loaded<M>> loaded = previous == null ? Map.of() : previous.byType();
        Map<String, Instant> loadedTrainedAt = previous == null ? Map.of() : previous.trainedAt();
        try {
            Connection db = connection();
            // Only the types the catalog still has models for: a type whose versions were all
            // deleted loses its model now, not at the job's next restart.
            Map<String, Loaded<M>> byType = new HashMap<>();
            Map<String, Instant> trainedAt = new HashMap<>();
            for (ModelCatalog.StoredModel newest : ModelCatalog.latest(db, tenant, name).values()) {
                Optional<ModelCatalog.StoredModel> candidate = Optional.of(newest);
                while (candidate.isPresent()) {
                    ModelCatalog.StoredModel stored = candidate.get();
                    Loaded<M> current = loaded.get(stored.machineType());
                    if (current != null && current.version() == stored.version()
                            && stored.trainedAt().equals(loadedTrainedAt.get(stored.machineType()))) {
                        byType.put(stored.machineType(), current);
                        trainedAt.put(stored.machineType(), stored.trainedAt());
                        break;
                    }
                    String version = tenant + '\n' + stored.machineType() + '\n' + stored.version() + '\n'
                            + stored.trainedAt();
                    if (unreadable.contains(version)) {
                        candidate = ModelCatalog.before(db, tenant, name, stored.machineType(), stored.version());
                        continue;
                    }
                    try {
                        byType.put(stored.machineType(), new Loaded<>(read.apply(stored.payload()),
                                name, stored.version(), stored.machineType()));
                        trainedAt.put(stored.machineType(), stored.trainedAt());
                        LOG.info("Tenant {}: {} model for machine type '{}' is now version {} ({})", tenant, name,
                                stored.machineType(), stored.version(), stored.kind());
                        break;
                    } catch (IllegalArgumentException e) {
                        unreadable.add(version);
                        LOG.warn("Tenant {}: {} model version {} for type '{}' is unreadable and not used: {}",
                                tenant, name, stored.version(), stored.machineType(), e.getMessage());
                        candidate = ModelCatalog.before(db, tenant, name, stored.machineType(), stored.version());
                    }
                }
            }
            for (Loaded<M> gone : loaded.values()) {
                if (!byType.containsKey(gone.machineType())) {
                    LOG.info("Tenant {}: {} model for machine type '{}' (version {}) is no longer stored;"
                            + " its machines have none now", tenant, name, gone.machineType(), gone.version());
                }
            }
            return new TenantModels<>(byType, trainedAt, ModelCatalog.machineTypes(db, tenant), now, true);
        } catch (SQLException | StoreException e) {
            LOG.warn("Reading the {} models of tenant {} failed; keeping the {} loaded, trying again in {} s", name,
                    tenant, loaded.size(), refreshNanos / 1_000_000_000L, e);
            closeConnection();
            return new TenantModels<>(loaded, loadedTrainedAt,
                    previous == null ? MachineTypes.of(List.of()) : previous.machineTypes(), now,
                    previous != null && previous.read());
        }
    }

    private Connection connection() throws StoreException, SQLException {
        if (connection == null || connection.isClosed()) {
            connection = ModelCatalog.connect(store);
            connection.setAutoCommit(true);
            // The registry reads on the operator's thread: a stalled database must not hold it forever.
            connection.setNetworkTimeout(Runnable::run, readTimeoutMillis);
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
