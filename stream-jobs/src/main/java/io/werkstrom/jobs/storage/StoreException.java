package io.werkstrom.jobs.storage;

/**
 * The database refused or lost a storage operation. Always carries the cause (usually an
 * {@link java.sql.SQLException}); the current transaction has been rolled back when this is thrown.
 */
public final class StoreException extends Exception {

    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
