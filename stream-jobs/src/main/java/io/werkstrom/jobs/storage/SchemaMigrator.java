package io.werkstrom.jobs.storage;

/** Applies the versioned SQL migrations under {@code db/migration}. */
public final class SchemaMigrator {

    private SchemaMigrator() {
    }

    public static StorageFlavor migrate(StoreOptions options) throws StoreException {
        throw new StoreException("not implemented yet");
    }
}
